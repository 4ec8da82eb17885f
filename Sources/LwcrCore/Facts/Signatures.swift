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
        let sig = openSignature(subject.path, layer.signatures)
        if sig < 0 { why.reason = .signatureMissing; return false }
        defer { _ = lwcr_close(sig) }
        var sigStatus = stat()
        if lwcr_fstat(sig, &sigStatus) != 0 || sigStatus.st_mode & Mode.typeMask != Mode.regular {
            why.reason = .signatureMissing
            return false
        }
        if remembered(name, layer, subject, sig, sigStatus) { return true }
        // Asked before either file is read: no writer may exist from then on.
        let keep = subject.contentFD == subject.fd && VerificationCache.mayRemember(subject.fd, subject.status)
            && VerificationCache.mayRemember(sig, sigStatus, kind: .signature)
        var file = InlineArray<16384, UInt8>(repeating: 0)
        var blob = InlineArray<12288, UInt8>(repeating: 0)
        var key = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let ok = withUnsafeMutableBytes(of: &file) { f -> Bool in
            withUnsafeMutableBytes(of: &blob) { b -> Bool in
                let text = readAll(sig, f)
                guard let decoded = dearmor(text, b) else {
                    why.reason = .badSignature
                    return false
                }
                return check(decoded, name, layer, &subject, &why, signedWith: &key)
            }
        }
        if ok && keep { remember(subject, sig, sigStatus, key) }
        return ok
    }

    /// A verdict (VerificationCache, kind .signature), remembered for the
    /// signed file: which signature file (its identity: device, inode,
    /// size, ctime, mount) verified it, with which key. It holds while the
    /// file and the signature file are unchanged, under the cache's rules
    /// for both: the same bytes, signature and key give the same answer.
    /// The key must still be one the layer declares for NAME, so revoking
    /// it in the policy revokes the verdict.
    public static let verdictSize = 80

    static func remembered(_ name: Bytes, _ layer: Layer, _ subject: Subject, _ sig: Int32, _ sigStatus: stat) -> Bool {
        if subject.contentFD != subject.fd || !VerificationCache.rootsAlone(sigStatus, .signature) { return false }
        var verdict = InlineArray<80, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &verdict) { v -> Bool in
            var usable = false
            if !VerificationCache.lookup(subject.fd, subject.status, usable: &usable, kind: .signature, into: v) { return false }
            var mount: UInt64 = 0
            if lwcr_unique_mount_id(sig, &mount) != 0 { return false }
            if v.loadUnaligned(fromByteOffset: 0, as: UInt64.self) != UInt64(sigStatus.st_dev)
                || v.loadUnaligned(fromByteOffset: 8, as: UInt64.self) != UInt64(sigStatus.st_ino)
                || v.loadUnaligned(fromByteOffset: 16, as: Int64.self) != Int64(sigStatus.st_size)
                || v.loadUnaligned(fromByteOffset: 24, as: Int64.self) != Int64(sigStatus.st_ctim.tv_sec)
                || v.loadUnaligned(fromByteOffset: 32, as: Int64.self) != Int64(sigStatus.st_ctim.tv_nsec)
                || v.loadUnaligned(fromByteOffset: 40, as: UInt64.self) != mount { return false }
            let key = Bytes(UnsafeRawBufferPointer(rebasing: v[48..<80]))
            var i = 0
            while i < layer.signerCount {
                let signer = layer.signers![i]
                if signer.name.equals(name) && signer.keyEquals(key) { return true }
                i += 1
            }
            return false
        }
    }

    static func remember(_ subject: Subject, _ sig: Int32, _ sigStatus: stat, _ key: (UInt64, UInt64, UInt64, UInt64)) {
        var now = stat()
        if lwcr_fstat(sig, &now) != 0 || now.st_ctim.tv_sec != sigStatus.st_ctim.tv_sec
            || now.st_ctim.tv_nsec != sigStatus.st_ctim.tv_nsec || now.st_size != sigStatus.st_size { return }
        var mount: UInt64 = 0
        if lwcr_unique_mount_id(sig, &mount) != 0 { return }
        var verdict = InlineArray<80, UInt8>(repeating: 0)
        var k = key
        withUnsafeMutableBytes(of: &verdict) { v in
            v.storeBytes(of: UInt64(sigStatus.st_dev), toByteOffset: 0, as: UInt64.self)
            v.storeBytes(of: UInt64(sigStatus.st_ino), toByteOffset: 8, as: UInt64.self)
            v.storeBytes(of: Int64(sigStatus.st_size), toByteOffset: 16, as: Int64.self)
            v.storeBytes(of: Int64(sigStatus.st_ctim.tv_sec), toByteOffset: 24, as: Int64.self)
            v.storeBytes(of: Int64(sigStatus.st_ctim.tv_nsec), toByteOffset: 32, as: Int64.self)
            v.storeBytes(of: mount, toByteOffset: 40, as: UInt64.self)
            withUnsafeBytes(of: &k) { UnsafeMutableRawBufferPointer(rebasing: v[48..<80]).copyMemory(from: $0) }
            VerificationCache.remember(subject.fd, subject.status, kind: .signature, UnsafeRawBufferPointer(v))
        }
    }

    /// The .sig file: beside the file, or at DIR/<canonical path>.sig; a
    /// regular file, reached through no symbolic link: a root launch of a
    /// file in a user's directory must not open whatever they link there.
    static func openSignature(_ path: Bytes, _ directory: Bytes) -> Int32 {
        var name = InlineArray<8200, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &name) { n -> Int32 in
            var m = Message(UnsafeMutableRawBufferPointer(rebasing: n[0..<(n.count - 1)]))
            m.append(directory)
            m.append(path)
            m.append(".sig")
            if m.count >= n.count - 2 { return -ENAMETOOLONG }
            n[m.count] = 0
            // No symbolic link anywhere on the way (openat2, Linux 5.6+):
            // one swapped in for a directory would lead a root launch to
            // root's own files, whose existence its denial would tell.
            let file = n.baseAddress!.assumingMemoryBound(to: CChar.self)
            let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW
            let fd = lwcr_openat2_nolinks(AT_FDCWD, file, flags)
            return fd == -ENOSYS ? lwcr_open(file, flags) : fd
        }
    }

    static func readAll(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Bytes {
        var got = 0
        while got < buffer.count {
            let r = lwcr_read(fd, buffer.baseAddress! + got, buffer.count - got)
            if r == -Int(EINTR) { continue }
            if r <= 0 { break }
            got += r
        }
        return Bytes(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
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
    static func check(_ blob: Bytes, _ name: Bytes, _ layer: Layer, _ subject: inout Subject, _ why: inout Finding,
                      signedWith: inout (UInt64, UInt64, UInt64, UInt64)) -> Bool {
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
            if !Ed25519.verify(signature: sig.raw, message: w.bytes.raw, publicKey: key.raw) { return false }
            withUnsafeMutableBytes(of: &signedWith) { $0.copyMemory(from: key.raw) }
            return true
        }
    }
}
