import CInterpose

/// A whole file, or standard input, read into memory, for the verbs that
/// rewrite or summarise text (pin --refresh, suggest, learn).
enum WholeFile {
    /// Past this, a read stops with an error (/dev/zero as a log).
    static let limit = 1 << 30

    /// The bytes, or nil after saying why on standard error. Nil `path`
    /// reads standard input; otherwise `path` is opened, never waiting on a
    /// FIFO. `regularOnly`: a file the verb will rewrite or trust, which
    /// must be a regular file reached through no symlink (NoLinks).
    static func read(_ path: UnsafePointer<CChar>?, _ command: StaticString, regularOnly: Bool = false) -> [UInt8]? {
        let fd: Int32
        if let path {
            fd = regularOnly ? NoLinks.open(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
                : lwcr_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0)
            if fd < 0 {
                complain(text(command), text(": "), Bytes(cString: path), text(": "), NoLinks.describe(-fd))
                return nil
            }
        } else {
            fd = 0
        }
        defer { if path != nil { _ = lwcr_close(fd) } }
        let name = path.map { Bytes(cString: $0) } ?? text("standard input")
        if regularOnly {
            var st = stat()
            if lwcr_fstat(fd, &st) != 0 || st.st_mode & Mode.typeMask != Mode.regular {
                complain(text(command), text(": "), name, text(": not a regular file"))
                return nil
            }
        }
        var out: [UInt8] = []
        var chunk = InlineArray<65536, UInt8>(repeating: 0)
        while true {
            let n = withUnsafeMutableBytes(of: &chunk) { lwcr_read(fd, $0.baseAddress, $0.count) }
            if n == -Int(EINTR) { continue }
            if n < 0 {
                complain(text(command), text(": "), name, text(": "), Bytes(cString: strerror(Int32(-n))))
                return nil
            }
            if n == 0 { return out }
            if out.count + n > limit {
                complain(text(command), text(": "), name, text(": larger than 1 GiB"))
                return nil
            }
            withUnsafeBytes(of: &chunk) { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Replaces `name` in the directory open at `dirfd` with `bytes`, keeping
    /// the owner and mode of `st` (the file it replaces).
    static func replace(_ dirfd: Int32, _ name: UnsafePointer<CChar>, _ bytes: [UInt8], like st: stat) -> Int32 {
        var temporary = [UInt8](Bytes(cString: name))
        temporary.insert(UInt8(ascii: "."), at: 0)
        temporary.append(contentsOf: [UInt8](Bytes(".lwcr-new")))
        return temporary.withCString { tmp in
            bytes.withUnsafeBytes { b in
                publish(dirfd, tmp, name, b.baseAddress, b.count, mode: st.st_mode & 0o7777, owner: (st.st_uid, st.st_gid))
            }
        }
    }

    /// The one way the command replaces a file, atomically: `count` bytes
    /// into `temporary` beside it (made anew, never through a symlink),
    /// with `mode` and, when given, `owner` (required as root), synced,
    /// renamed over `name`, the directory synced. 0 or an errno; on failure
    /// `name` is as it was and `temporary` is gone.
    static func publish(_ dirfd: Int32, _ temporary: UnsafePointer<CChar>, _ name: UnsafePointer<CChar>, _ bytes: UnsafeRawPointer?,
                        _ count: Int, mode: UInt32, owner: (UInt32, UInt32)?) -> Int32 {
        _ = lwcr_unlinkat(dirfd, temporary)  // left by a run that was killed
        let fd = lwcr_openat(dirfd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if fd < 0 { return -fd }
        var failure: Int32 = 0
        if let owner, lwcr_fchown(fd, owner.0, owner.1) != 0 && lwcr_geteuid() == 0 { failure = EPERM }
        if failure == 0 && lwcr_fchmod(fd, mode) != 0 { failure = EPERM }
        var written = 0
        while failure == 0 && written < count {
            let n = lwcr_write_unsignalled(fd, bytes! + written, count - written)
            if n == -Int(EINTR) { continue }
            if n <= 0 { failure = n == 0 ? EIO : Int32(-n); break }
            written += n
        }
        if failure == 0 && lwcr_fsync(fd) != 0 { failure = EIO }
        _ = lwcr_close(fd)
        if failure == 0 { failure = -lwcr_renameat(dirfd, temporary, name) }
        if failure != 0 {
            _ = lwcr_unlinkat(dirfd, temporary)
            return failure
        }
        _ = lwcr_fsync(dirfd)
        return 0
    }
}

/// Opening by a path with no symbolic link anywhere on it (openat2's
/// RESOLVE_NO_SYMLINKS, Linux 5.6+; before that, O_NOFOLLOW on the last
/// name only): what a verb that writes, or rewrites pins, as root opens, so
/// that a symlink someone planted on the way cannot send it elsewhere.
enum NoLinks {
    static func open(_ dirfd: Int32, _ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 {
        let fd = lwcr_openat2_nolinks(dirfd, path, flags)
        if fd != -ENOSYS { return fd }
        return lwcr_openat(dirfd, path, flags | O_NOFOLLOW, 0)
    }

    static func describe(_ e: Int32) -> Bytes {
        e == ELOOP ? text("a symbolic link on the way (name the real file or directory)") : Bytes(cString: strerror(e))
    }
}
