import CInterpose

/// `signed-by=NAME`: an OpenSSH signature (PROTOCOL.sshsig) made with
///     ssh-keygen -Y sign -f KEY -n lwcr FILE
/// by a key the layer declares for NAME, over the content read through the
/// very descriptor that is executed.
///
/// Defends against a file replaced by anyone without the signer's private
/// key. The .sig file itself needs no protection: a swapped or forged
/// signature simply fails. Does not defend against a stolen key, nor
/// revoke old signed versions (pin a hash for that).
public enum Signatures {
    static let magic: StaticString = "SSHSIG"
    static let begin: StaticString = "-----BEGIN SSH SIGNATURE-----"
    static let end: StaticString = "-----END SSH SIGNATURE-----"

    public static func signers(named name: Bytes, in layer: Layer) -> Int {
        var n = 0
        var i = 0
        while i < layer.signerCount {
            if layer.signers![i].name.equals(name) { n += 1 }
            i += 1
        }
        return n
    }

    static func verify(_ name: Bytes, _ subject: inout Subject, _ why: inout Finding) -> Bool {
        guard let layer = subject.layer else { why.reason = .unknownSigner; return false }
        if signers(named: name, in: layer) == 0 { why.reason = .unknownSigner; return false }
        var file = InlineArray<16384, UInt8>(repeating: 0)
        var blob = InlineArray<12288, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &file) { f -> Bool in
            withUnsafeMutableBytes(of: &blob) { b -> Bool in
                guard let text = readSignature(subject.path, layer.signatures, f) else {
                    why.reason = .signatureMissing
                    return false
                }
                guard let decoded = dearmor(text, b) else {
                    why.reason = .badSignature
                    return false
                }
                return check(decoded, name, layer, &subject, &why)
            }
        }
    }

    /// The .sig file: beside the file, or at DIR/<canonical path>.sig.
    static func readSignature(_ path: Bytes, _ directory: Bytes, _ buffer: UnsafeMutableRawBufferPointer) -> Bytes? {
        var name = InlineArray<8200, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &name) { n -> Bytes? in
            var m = Message(UnsafeMutableRawBufferPointer(rebasing: n[0..<(n.count - 1)]))
            m.append(directory)
            m.append(path)
            m.append(".sig")
            if m.count >= n.count - 2 { return nil }
            n[m.count] = 0
            let fd = lwcr_open(n.baseAddress!.assumingMemoryBound(to: CChar.self), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
            if fd < 0 { return nil }
            defer { _ = lwcr_close(fd) }
            var got = 0
            while got < buffer.count {
                let r = lwcr_read(fd, buffer.baseAddress! + got, buffer.count - got)
                if r == -Int(EINTR) { continue }
                if r <= 0 { break }
                got += r
            }
            return Bytes(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
        }
    }

    /// The base64 between the armor lines, decoded.
    static func dearmor(_ text: Bytes, _ out: UnsafeMutableRawBufferPointer) -> Bytes? {
        let b = Bytes(begin)
        let e = Bytes(end)
        guard let from = find(b, in: text, from: 0), let to = find(e, in: text, from: from + b.count) else { return nil }
        guard let n = Base64.decode(text.slice(from + b.count, to), into: out) else { return nil }
        return Bytes(UnsafeRawBufferPointer(rebasing: out[0..<n]))
    }

    static func find(_ needle: Bytes, in hay: Bytes, from: Int) -> Int? {
        var i = from
        while i + needle.count <= hay.count {
            if hay.slice(i, i + needle.count).equals(needle) { return i }
            i += 1
        }
        return nil
    }

    /// PROTOCOL.sshsig: MAGIC, version 1, publickey, namespace, reserved,
    /// hash_algorithm, signature; the signed data is MAGIC, namespace,
    /// reserved, hash_algorithm and H(message). Identities and namespace are
    /// compared before any cryptography runs.
    static func check(_ blob: Bytes, _ name: Bytes, _ layer: Layer, _ subject: inout Subject, _ why: inout Finding) -> Bool {
        why.reason = .badSignature
        var r = WireReader(blob)
        guard let m = r.raw(6), m.equals(magic), r.uint32() == 1,
              let publicKey = r.string(), let namespace = r.string(), let reserved = r.string(),
              let hashAlgorithm = r.string(), let signature = r.string(), r.atEnd else { return false }
        var k = WireReader(publicKey)
        guard let keyType = k.string(), keyType.equals("ssh-ed25519"), let key = k.string(), key.count == 32, k.atEnd else { return false }
        var s = WireReader(signature)
        guard let sigType = s.string(), sigType.equals("ssh-ed25519"), let sig = s.string(), sig.count == 64, s.atEnd else { return false }
        if !namespace.equals("lwcr") {
            why.reason = .wrongNamespace
            return false
        }
        var known = false
        var i = 0
        while i < layer.signerCount {
            let signer = layer.signers![i]
            if signer.name.equals(name) && signer.keyEquals(key) { known = true }
            i += 1
        }
        if !known {
            why.reason = .signedByOther
            return false
        }
        var signed = InlineArray<256, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &signed) { out -> Bool in
            var w = WireWriter(out)
            w.raw(Bytes(magic))
            w.string(namespace)
            w.string(reserved)
            w.string(hashAlgorithm)
            if hashAlgorithm.equals("sha512") {
                guard let h = subject.sha512() else { why.reason = .unreadable; return false }
                h.withUnsafeBytes { w.string(Bytes($0)) }
            } else if hashAlgorithm.equals("sha256") {
                guard let h = subject.sha256() else { why.reason = .unreadable; return false }
                h.withUnsafeBytes { w.string(Bytes($0)) }
            } else {
                return false
            }
            if w.overflow { return false }
            return Ed25519.verify(signature: sig.raw, message: w.bytes.raw, publicKey: key.raw)
        }
    }
}
