import CInterpose

/// A whole file, or standard input, read into memory, for the verbs that
/// rewrite or summarise text (pin --refresh, suggest, learn).
enum WholeFile {
    /// The bytes, or nil after saying why on standard error. `fd` 0 reads
    /// standard input; otherwise `path` is opened, never waiting on a FIFO.
    static func read(_ path: UnsafePointer<CChar>?, _ command: StaticString) -> [UInt8]? {
        let fd: Int32
        if let path {
            fd = lwcr_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0)
            if fd < 0 {
                complain(text(command), text(": "), Bytes(cString: path), text(": "), Bytes(cString: strerror(-fd)))
                return nil
            }
        } else {
            fd = 0
        }
        defer { if path != nil { _ = lwcr_close(fd) } }
        var out: [UInt8] = []
        var chunk = InlineArray<65536, UInt8>(repeating: 0)
        while true {
            let n = withUnsafeMutableBytes(of: &chunk) { lwcr_read(fd, $0.baseAddress, $0.count) }
            if n == -Int(EINTR) { continue }
            if n < 0 {
                complain(text(command), text(": "), path.map { Bytes(cString: $0) } ?? text("standard input"), text(": "),
                         Bytes(cString: strerror(Int32(-n))))
                return nil
            }
            if n == 0 { return out }
            withUnsafeBytes(of: &chunk) { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Replaces the file at `path` (in the directory open at `dirfd`, named
    /// `name` there) with `bytes`, atomically: a new file beside it, with
    /// its mode and owner, synced, renamed over it. 0 or an errno.
    static func replace(_ dirfd: Int32, _ name: UnsafePointer<CChar>, _ bytes: [UInt8], like st: stat) -> Int32 {
        var temporary = [UInt8](Bytes(cString: name))
        temporary.insert(UInt8(ascii: "."), at: 0)
        temporary.append(contentsOf: [UInt8](Bytes(".lwcr-new")))
        return temporary.withCString { tmp -> Int32 in
            _ = lwcr_unlinkat(dirfd, tmp)
            let fd = lwcr_openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd < 0 { return -fd }
            var failure: Int32 = 0
            bytes.withUnsafeBytes { b in
                var done = 0
                while done < b.count && failure == 0 {
                    let n = lwcr_write(fd, b.baseAddress! + done, b.count - done)
                    if n == -Int(EINTR) { continue }
                    if n <= 0 { failure = n < 0 ? Int32(-n) : EIO } else { done += n }
                }
            }
            if failure == 0 && lwcr_fchown(fd, st.st_uid, st.st_gid) != 0 && lwcr_geteuid() == 0 { failure = EPERM }
            if failure == 0 { failure = -lwcr_fchmod(fd, st.st_mode & 0o7777) }
            if failure == 0 && lwcr_fsync(fd) != 0 { failure = EIO }
            _ = lwcr_close(fd)
            if failure == 0 { failure = -lwcr_renameat(dirfd, tmp, name) }
            if failure != 0 { _ = lwcr_unlinkat(dirfd, tmp) } else { _ = lwcr_fsync(dirfd) }
            return failure
        }
    }
}
