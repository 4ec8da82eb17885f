import CInterpose

/// `lwcr pin PATH...`: a `require CANONICAL sha256=HEX` line per file, the
/// name written so that it means exactly that file whatever bytes it holds
/// (PolicyText.encode: spaces, newlines and wildcard characters escaped).
enum Pin {
    static func run(_ args: inout Arguments) -> Int32 {
        var signer = Bytes.empty
        if let w = args.peek(), w.equals("--signed-by") {
            _ = args.next()
            guard let name = args.next(), !name.isEmpty, name[0] != UInt8(ascii: "-") else {
                complain(text("pin: --signed-by needs a signer name"))
                return 2
            }
            signer = name
        }
        if let w = args.peek(), w.equals("--") { _ = args.next() }
        guard args.peek() != nil else {
            complain(text("pin: which files? usage: lwcr pin PATH..."))
            return 2
        }
        var status: Int32 = 0
        var o = Output.out
        while args.next() != nil {
            let path = args.previous
            var name = InlineArray<4097, UInt8>(repeating: 0)
            withUnsafeMutableBytes(of: &name) { n in
                var count = 0
                let opened = PathWalk.open(AT_FDCWD, path, flags: O_RDONLY | O_CLOEXEC | O_NOCTTY, noFollow: false, into: n, &count)
                guard case .file(let fd) = opened else {
                    complain(text("pin: "), Bytes(cString: path), text(": "), openFailure(opened))
                    status = 2
                    return
                }
                defer { _ = lwcr_close(fd) }
                var st = stat()
                _ = lwcr_fstat(fd, &st)
                if st.st_mode & 0o170000 != 0o100000 {
                    complain(text("pin: "), Bytes(cString: path), text(": not a regular file"))
                    status = 2
                    return
                }
                var subject = Subject(fd: fd, path: Bytes(UnsafeRawBufferPointer(rebasing: n[0..<count])), status: st)
                subject.readBuffer = ReadBuffer.shared
                guard let digest = subject.sha256() else {
                    complain(text("pin: "), Bytes(cString: path), text(": cannot read"))
                    status = 2
                    return
                }
                o.write("require ")
                o.writePolicyWord(subject.path)
                if signer.isEmpty {
                    o.write(" sha256=")
                    o.write(digest)
                } else {
                    o.write(" signed-by=")
                    o.write(signer)
                }
                o.write("\n")
            }
        }
        o.flush()
        return status
    }
}
