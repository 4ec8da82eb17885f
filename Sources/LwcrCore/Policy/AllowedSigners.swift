/// OpenSSH's allowed_signers format (ssh-keygen(1), ALLOWED SIGNERS):
/// `principals [options] keytype base64-key [comment]`, principals
/// comma-separated. A line whose `namespaces="..."` option leaves out
/// "lwcr" is not for us. Option names are case-insensitive, as in OpenSSH;
/// any other option (`cert-authority`, `valid-after`, `valid-before`) is
/// an error rather than ignored, since ignoring it would accept keys
/// OpenSSH refuses. Key types other than ssh-ed25519 are an error too: a
/// signer we cannot check is not one.
enum AllowedSigners {
    /// How many signers `text` can yield: a principal per comma, per line.
    static func capacity(of text: Bytes) -> Int {
        var n = 1
        var i = 0
        while i < text.count {
            if text[i] == UInt8(ascii: ",") || text[i] == UInt8(ascii: "\n") { n += 1 }
            i += 1
        }
        return n
    }

    static func parse(_ text: Bytes, file: Bytes, into out: UnsafeMutablePointer<Signer>, capacity: Int, _ n: inout Int) throws(PolicyError) {
        var line: Int32 = 0
        var start = 0
        while start < text.count {
            line += 1
            let end = text.firstIndex(of: UInt8(ascii: "\n"), from: start) ?? text.count
            let here = Location(file: file, line: line)
            var words = Words(text.slice(start, end), here, strict: false)
            start = end + 1
            guard let principals = try words.next() else { continue }
            guard var second = try words.next() else { throw PolicyError(here, "an allowed signer needs a key") }
            var forUs = true
            if !second.hasPrefix("ssh-") && !second.hasPrefix("ecdsa-") && !second.hasPrefix("sk-") {
                // Options first: namespaces="..." is the only one we honour.
                var namespaces: Bytes? = nil
                try forEachOption(second) { (name: Bytes, value: Bytes) throws(PolicyError) in
                    if !equalsIgnoringCase(name, "namespaces") { throw PolicyError(here, "unsupported allowed_signers option", name) }
                    namespaces = value
                }
                if let ns = namespaces { forUs = listContains(ns, "lwcr") }
                guard let next = try words.next() else { throw PolicyError(here, "an allowed signer needs a key") }
                second = next
            }
            guard let key = try words.next() else { throw PolicyError(here, "an allowed signer needs a key after its type") }
            if !forUs { continue }
            try principals.forEachPart(separatedBy: UInt8(ascii: ",")) { (name: Bytes) throws(PolicyError) -> Bool in
                var signer = Signer(name: name, location: here)
                try PolicyParser.decodeKey(second, key, into: &signer, here)
                if n >= capacity { throw PolicyError(here, "too many signers") }
                out[n] = signer
                n += 1
                return true
            }
        }
    }

    /// Calls `body` with each `name[="value"]` of a comma-separated option
    /// list (commas inside quotes do not separate).
    static func forEachOption(_ options: Bytes, _ body: (Bytes, Bytes) throws(PolicyError) -> Void) throws(PolicyError) {
        var i = 0
        while i < options.count {
            var end = i
            var quoted = false
            while end < options.count && (quoted || options[end] != UInt8(ascii: ",")) {
                if options[end] == UInt8(ascii: "\"") { quoted.toggle() }
                end += 1
            }
            let option = options.slice(i, end)
            if let eq = option.firstIndex(of: UInt8(ascii: "=")) {
                var value = option.slice(eq + 1, option.count)
                if value.count >= 2 && value[0] == UInt8(ascii: "\"") && value[value.count - 1] == UInt8(ascii: "\"") {
                    value = value.slice(1, value.count - 1)
                }
                try body(option.slice(0, eq), value)
            } else {
                try body(option, .empty)
            }
            i = end + 1
        }
    }

    static func equalsIgnoringCase(_ b: Bytes, _ s: StaticString) -> Bool {
        let t = Bytes(s)
        if b.count != t.count { return false }
        var i = 0
        while i < b.count {
            if b[i] | 0x20 != t[i] | 0x20 { return false }
            i += 1
        }
        return true
    }

    static func listContains(_ list: Bytes, _ item: StaticString) -> Bool {
        list.anyPart(separatedBy: ",") { $0.equals(item) }
    }
}
