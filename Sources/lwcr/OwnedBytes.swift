import CInterpose

/// Byte strings the command keeps (names found in a tree, paths read from
/// logs). The command may allocate; the launch path never does.
extension Array where Element == UInt8 {
    init(_ b: Bytes) {
        self.init()
        reserveCapacity(b.count)
        var i = 0
        while i < b.count { append(b[i]); i += 1 }
    }

    /// The bytes as Bytes, NUL-terminated for system calls.
    func withBytes<R>(_ body: (Bytes) -> R) -> R {
        var copy = self
        copy.append(0)
        return copy.withUnsafeBufferPointer { p in
            body(Bytes(p.baseAddress!, count: p.count - 1))
        }
    }

    func withCString<R>(_ body: (UnsafePointer<CChar>) -> R) -> R {
        var copy = self
        copy.append(0)
        return copy.withUnsafeBufferPointer { p in
            body(UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: CChar.self))
        }
    }

    /// Byte order, as `sort` and `LC_ALL=C ls` give it.
    static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var i = 0
        while i < a.count && i < b.count {
            if a[i] != b[i] { return a[i] < b[i] }
            i += 1
        }
        return a.count < b.count
    }
}

extension Output {
    mutating func writeEscaped(_ a: [UInt8]) { a.withBytes { writeEscaped($0) } }
}

/// A file opened by name as a launch opens it (PathWalk: symlinks and ..
/// resolved, the canonical name from the descriptor), never waiting on a
/// FIFO; for the verbs that pin, refresh and choose facts.
struct OpenedFile {
    let fd: Int32
    let canonical: [UInt8]
    let status: stat

    /// The file, or nil and why (for openFailure).
    static func open(_ path: UnsafePointer<CChar>, _ failure: inout Opened) -> OpenedFile? {
        var name = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &name) { n -> OpenedFile? in
            var count = 0
            let opened = PathWalk.open(AT_FDCWD, path, flags: O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, noFollow: false, into: n, &count)
            guard case .file(let fd) = opened else {
                failure = opened
                return nil
            }
            var st = stat()
            _ = lwcr_fstat(fd, &st)
            return OpenedFile(fd: fd, canonical: [UInt8](Bytes(UnsafeRawBufferPointer(rebasing: n[0..<count]))), status: st)
        }
    }

    var isRegular: Bool { status.st_mode & Mode.typeMask == Mode.regular }

    /// Its SHA-256, read through the command's large buffer.
    func sha256() -> SHA256Digest? {
        canonical.withBytes { name in
            var subject = Subject(fd: fd, path: name, status: status)
            subject.readBuffer = ReadBuffer.shared
            return subject.sha256()
        }
    }

    func close() { _ = lwcr_close(fd) }
}
