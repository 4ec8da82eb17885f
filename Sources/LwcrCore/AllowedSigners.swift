/// OpenSSH's allowed_signers format (ssh-keygen(1), ALLOWED SIGNERS):
/// `principals [options] keytype base64-key [comment]`, principals
/// comma-separated. A line whose `namespaces="..."` option leaves out
/// "lwcr" is not for us; `cert-authority` lines (certificates) are not
/// supported and are an error rather than silently skipped. Key types other
/// than ssh-ed25519 are an error too: a signer we cannot check is not one.
enum AllowedSigners {
    static func parse(_ text: Bytes, file: Bytes, into out: UnsafeMutablePointer<Signer>, _ n: inout Int) throws(PolicyError) {
        var line: Int32 = 0
        var start = 0
        while start < text.count {
            line += 1
            let end = text.firstIndex(of: UInt8(ascii: "\n"), from: start) ?? text.count
            var words = Words(text.slice(start, end))
            start = end + 1
            guard let principals = words.next() else { continue }
            let here = Location(file: file, line: line)
            guard var second = words.next() else { throw PolicyError(here, "an allowed signer needs a key") }
            var forUs = true
            if !second.hasPrefix("ssh-") && !second.hasPrefix("ecdsa-") && !second.hasPrefix("sk-") {
                // Options first.
                if contains(second, "cert-authority") { throw PolicyError(here, "cert-authority lines are not supported") }
                if let ns = option(second, "namespaces=\"") { forUs = listContains(ns, "lwcr") }
                guard let next = words.next() else { throw PolicyError(here, "an allowed signer needs a key") }
                second = next
            }
            guard let key = words.next() else { throw PolicyError(here, "an allowed signer needs a key after its type") }
            if !forUs { continue }
            var p = 0
            while p <= principals.count {
                let comma = principals.firstIndex(of: UInt8(ascii: ","), from: p) ?? principals.count
                let name = principals.slice(p, comma)
                p = comma + 1
                if name.isEmpty { continue }
                var signer = Signer(name: name, location: here)
                try PolicyParser.decodeKey(second, key, into: &signer, here)
                out[n] = signer
                n += 1
            }
        }
    }

    static func contains(_ b: Bytes, _ s: StaticString) -> Bool {
        let needle = Bytes(s.utf8Start, count: s.utf8CodeUnitCount)
        var i = 0
        while i + needle.count <= b.count {
            if b.slice(i, i + needle.count).equals(needle) { return true }
            i += 1
        }
        return false
    }

    /// The quoted value of `name` in a comma-separated option list.
    static func option(_ options: Bytes, _ name: StaticString) -> Bytes? {
        let key = Bytes(name.utf8Start, count: name.utf8CodeUnitCount)
        var i = 0
        while i + key.count <= options.count {
            if (i == 0 || options[i - 1] == UInt8(ascii: ",")) && options.slice(i, i + key.count).equals(key) {
                let from = i + key.count
                let to = options.firstIndex(of: UInt8(ascii: "\""), from: from) ?? options.count
                return options.slice(from, to)
            }
            i += 1
        }
        return nil
    }

    static func listContains(_ list: Bytes, _ item: StaticString) -> Bool {
        let want = Bytes(item.utf8Start, count: item.utf8CodeUnitCount)
        var p = 0
        while p <= list.count {
            let comma = list.firstIndex(of: UInt8(ascii: ","), from: p) ?? list.count
            if list.slice(p, comma).equals(want) { return true }
            p = comma + 1
        }
        return false
    }
}
