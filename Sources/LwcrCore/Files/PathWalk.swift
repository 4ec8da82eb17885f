import CInterpose

/// Opens a path the way the kernel resolves it for execve, one component
/// at a time, and names what it opened.
///
/// Why not open the path and ask /proc/self/fd/N for the name: that name is
/// read after the open, so a file renamed in between (moved from a pinned
/// path to one no rule covers, or replaced so its name reads "(deleted)") is
/// judged by the wrong rule. Walking the path ourselves, each component
/// looked up once in a directory we hold open, the name we build is the one
/// by which the file was reached, whatever happens to the names afterwards.
/// Symlinks are followed by reading them and walking their target, `..`
/// goes to the physical parent, so the name has neither.
public enum PathWalk {
    static let maxLinks = 40
    /// Returned instead of a descriptor when the file could be opened but
    /// not named by a path that is sure to be the one it was reached by
    /// (a relative path from a directory others can rename).
    public static let unnamed: Int32 = -100_000

    /// Opens `path` (relative to `dirfd` when it does not start with `/`)
    /// with `flags` for the last component; writes its canonical path into
    /// `out` (NUL-terminated) and sets `count`. Returns the descriptor or
    /// -errno. `-ENAMETOOLONG` also when the name does not fit `out`.
    public static func open(_ dirfd: Int32, _ path: UnsafePointer<CChar>, flags: Int32, noFollow: Bool,
                            into out: UnsafeMutableRawBufferPointer, _ count: inout Int) -> Int32 {
        let fast = openWithoutLinks(dirfd, path, flags: flags, into: out, &count)
        if fast != -ELOOP { return fast }
        return walk(dirfd, path, flags: flags, noFollow: noFollow, into: out, &count)
    }

    /// The common case in one system call: when no component is a symlink
    /// or `..`, the kernel's own resolution (openat2 refusing symlinks) is
    /// the walk, and the name is the path with `//` and `/./` collapsed.
    /// -ELOOP when the path needs the walk.
    static func openWithoutLinks(_ dirfd: Int32, _ path: UnsafePointer<CChar>, flags: Int32,
                                 into out: UnsafeMutableRawBufferPointer, _ count: inout Int) -> Int32 {
        let p = Bytes(cString: path)
        if p.isEmpty { return -ENOENT }
        var n = 0
        if p[0] != UInt8(ascii: "/") {
            if dirfd != AT_FDCWD { return -ELOOP }
            let r = lwcr_getcwd_raw(out.baseAddress!.assumingMemoryBound(to: CChar.self), out.count)
            if r <= 0 || out[0] != UInt8(ascii: "/") { return -ELOOP }
            n = Int(r) - 1  // getcwd's length counts the NUL
            if !Held.byUs(Bytes(UnsafeRawBufferPointer(rebasing: out[0..<n])), uid: UInt32(bitPattern: lwcr_geteuid())) { return unnamed }
            if n == 1 { n = 0 }  // "/" is the empty prefix
        }
        return openWithoutLinks(dirfd, path, p, flags: flags, into: out, after: n, &count)
    }

    /// Opens `path` (whose text is `text`) with openat2 refusing symlinks,
    /// naming it `out[0..<prefix]` + the path with `//` and `/./` collapsed.
    /// -ELOOP when the path needs the walk (a `..`, a symlink, no openat2).
    static func openWithoutLinks(_ dirfd: Int32, _ path: UnsafePointer<CChar>, _ text: Bytes, flags: Int32,
                                 into out: UnsafeMutableRawBufferPointer, after prefix: Int, _ count: inout Int) -> Int32 {
        var n = prefix
        var start = 0
        while start < text.count {
            var end = start
            while end < text.count && text[end] != UInt8(ascii: "/") { end += 1 }
            let length = end - start
            if length == 2 && text[start] == UInt8(ascii: ".") && text[start + 1] == UInt8(ascii: ".") { return -ELOOP }
            if length > 0 && !(length == 1 && text[start] == UInt8(ascii: ".")) {
                if n + 1 + length >= out.count { return -ELOOP }
                out[n] = UInt8(ascii: "/")
                n += 1
                UnsafeMutableRawPointer(out.baseAddress! + n).copyMemory(from: text.base! + start, byteCount: length)
                n += length
            }
            start = end + 1
        }
        var fd = lwcr_openat2_nolinks(dirfd, path, flags)
        if fd == -EACCES { fd = lwcr_openat2_nolinks(dirfd, path, O_PATH | O_CLOEXEC) }
        if fd == -EXDEV || fd == -ENOSYS { return -ELOOP }
        if fd >= 0 {
            if n == 0 { out[0] = UInt8(ascii: "/"); n = 1 }
            out[n] = 0
            count = n
        }
        return fd
    }

    /// Resolves `path` one component at a time (see above).
    static func walk(_ dirfd: Int32, _ path: UnsafePointer<CChar>, flags: Int32, noFollow: Bool,
                     into out: UnsafeMutableRawBufferPointer, _ count: inout Int) -> Int32 {
        var pending = InlineArray<8192, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &pending) { p -> Int32 in
            let start = Bytes(cString: path)
            if start.isEmpty { return -ENOENT }
            if start.count >= 4096 { return -ENAMETOOLONG }
            p.copyMemory(from: start.raw)
            // The last byte stays NUL, so the pending rest is a C string.
            p[p.count - 1] = 0
            var walk = Walk(out: out, pending: UnsafeMutableRawBufferPointer(rebasing: p[0..<(p.count - 1)]), pendingCount: start.count)
            let r = walk.run(dirfd, flags: flags, noFollow: noFollow)
            count = walk.count
            return r
        }
    }

    struct Walk {
        let out: UnsafeMutableRawBufferPointer
        var count = 0
        /// The path still to resolve, always at the end of `pending`.
        let pending: UnsafeMutableRawBufferPointer
        var pendingStart: Int
        var links = 0

        init(out: UnsafeMutableRawBufferPointer, pending: UnsafeMutableRawBufferPointer, pendingCount: Int) {
            self.out = out
            self.pending = pending
            // Keep the pending text at the end of the buffer so a symlink's
            // target can be put in front of it.
            self.pendingStart = pending.count - pendingCount
            if pendingCount > 0 {
                UnsafeMutableRawPointer(pending.baseAddress! + pendingStart)
                    .copyMemory(from: pending.baseAddress!, byteCount: pendingCount)
            }
        }

        mutating func run(_ dirfd: Int32, flags: Int32, noFollow: Bool) -> Int32 {
            var dir: Int32
            if pending[pendingStart] == UInt8(ascii: "/") {
                dir = lwcr_open(cString("/"), O_PATH | O_DIRECTORY | O_CLOEXEC)
                count = 0
            } else {
                dir = startRelative(dirfd)
            }
            if dir < 0 { return dir }
            while true {
                // Next component.
                while pendingStart < pending.count && pending[pendingStart] == UInt8(ascii: "/") { pendingStart += 1 }
                if pendingStart == pending.count {
                    // The path ended in "/" or named a directory ("/", "a/.."):
                    // what is open is the directory itself.
                    let r = reopen(dir, flags)
                    _ = lwcr_close(dir)
                    return r
                }
                var end = pendingStart
                while end < pending.count && pending[end] != UInt8(ascii: "/") { end += 1 }
                let nameLength = end - pendingStart
                if nameLength > 255 { _ = lwcr_close(dir); return -ENAMETOOLONG }
                var name = InlineArray<256, UInt8>(repeating: 0)
                withUnsafeMutableBytes(of: &name) { n in
                    n.copyMemory(from: UnsafeRawBufferPointer(rebasing: pending[pendingStart..<end]))
                    n[nameLength] = 0
                }
                // Last unless only slashes follow.
                var rest = end
                while rest < pending.count && pending[rest] == UInt8(ascii: "/") { rest += 1 }
                let last = rest == pending.count
                let trailingSlash = last && end < pending.count
                pendingStart = end
                let isDot = nameLength == 1 && name[0] == UInt8(ascii: ".")
                let isDotDot = nameLength == 2 && name[0] == UInt8(ascii: ".") && name[1] == UInt8(ascii: ".")
                if isDot { continue }
                if isDotDot {
                    let parent = lwcr_openat(dir, cString(".."), O_PATH | O_DIRECTORY | O_CLOEXEC, 0)
                    _ = lwcr_close(dir)
                    if parent < 0 { return parent }
                    dir = parent
                    while count > 0 && out[count - 1] != UInt8(ascii: "/") { count -= 1 }
                    if count > 0 { count -= 1 }
                    continue
                }
                let r: Int32 = withUnsafeBytes(of: &name) { n in
                    let cname = n.baseAddress!.assumingMemoryBound(to: CChar.self)
                    if last && !trailingSlash {
                        // The file itself: opened for real, by this name in this directory.
                        var fd = lwcr_openat(dir, cname, flags | O_NOFOLLOW, 0)
                        if fd == -EACCES { fd = lwcr_openat(dir, cname, O_PATH | O_CLOEXEC | O_NOFOLLOW, 0) }
                        // O_PATH | O_NOFOLLOW opens a symlink itself instead of failing.
                        if fd >= 0 && flags & O_PATH != 0 && !noFollow {
                            var st = stat()
                            if lwcr_fstat(fd, &st) == 0 && st.st_mode & Mode.typeMask == Mode.symlink {
                                _ = lwcr_close(fd)
                                fd = -ELOOP
                            }
                        }
                        if fd != -ELOOP || noFollow { return fd < 0 ? fd : append(Bytes(n.baseAddress!.assumingMemoryBound(to: UInt8.self), count: nameLength), fd) }
                        // A symlink: fall through to follow it.
                    }
                    // A directory opens as one; anything else fails with
                    // ENOTDIR, and a symlink among those reads as one.
                    let fd = lwcr_openat(dir, cname, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC, 0)
                    if fd >= 0 { return append(Bytes(n.baseAddress!.assumingMemoryBound(to: UInt8.self), count: nameLength), fd) }
                    if fd != -ENOTDIR { return fd }
                    let e = follow(dir, cname)
                    return e == 0 ? Int32.min : (e == -EINVAL ? -ENOTDIR : e)
                }
                if r == Int32.min {
                    // Followed a symlink: an absolute target restarts at "/".
                    if pending[pendingStart] == UInt8(ascii: "/") {
                        _ = lwcr_close(dir)
                        dir = lwcr_open(cString("/"), O_PATH | O_DIRECTORY | O_CLOEXEC)
                        if dir < 0 { return dir }
                        count = 0
                    }
                    // Usually the rest has no symlink: one call opens it.
                    let rest = restWithoutLinks(dir, flags)
                    if rest != -ELOOP {
                        _ = lwcr_close(dir)
                        return rest
                    }
                    continue
                }
                if r < 0 { _ = lwcr_close(dir); return r }
                if last && !trailingSlash {
                    _ = lwcr_close(dir)
                    out[count] = 0
                    return r
                }
                _ = lwcr_close(dir)
                dir = r
            }
        }

        /// Opens all that is pending at once with openat2 refusing symlinks;
        /// -ELOOP (name unchanged) when the rest needs the walk.
        mutating func restWithoutLinks(_ dir: Int32, _ flags: Int32) -> Int32 {
            let rest = pending.baseAddress!.assumingMemoryBound(to: CChar.self) + pendingStart
            let text = Bytes(UnsafeRawBufferPointer(rebasing: pending[pendingStart..<pending.count]))
            return PathWalk.openWithoutLinks(dir, rest, text, flags: flags, into: out, after: count, &count)
        }

        /// Appends "/name" to the canonical path; closes `fd` if it does not fit.
        mutating func append(_ name: Bytes, _ fd: Int32) -> Int32 {
            if count + 1 + name.count >= out.count {
                _ = lwcr_close(fd)
                return -ENAMETOOLONG
            }
            out[count] = UInt8(ascii: "/")
            count += 1
            var i = 0
            while i < name.count { out[count] = name[i]; count += 1; i += 1 }
            return fd
        }

        /// Puts the target of the symlink `name` in `dir` in front of what
        /// is still pending; -EINVAL when it is not a symlink.
        mutating func follow(_ dir: Int32, _ name: UnsafePointer<CChar>) -> Int32 {
            var target = InlineArray<4096, UInt8>(repeating: 0)
            return withUnsafeMutableBytes(of: &target) { t -> Int32 in
                let n = lwcr_readlinkat(dir, name, t.baseAddress!.assumingMemoryBound(to: CChar.self), t.count)
                if n >= 0 {
                    links += 1
                    if links > maxLinks { return -ELOOP }
                }
                if n < 0 { return Int32(n) }
                if n == 0 { return -ENOENT }
                // A separator only where something follows: "a/b" + target
                // "c" must stay "c", not become "c/" (which names a directory).
                let separator = pendingStart < pending.count ? 1 : 0
                if n + separator > pendingStart { return -ENAMETOOLONG }
                pendingStart -= n + separator
                if separator == 1 { pending[pendingStart + n] = UInt8(ascii: "/") }
                UnsafeMutableRawPointer(pending.baseAddress! + pendingStart).copyMemory(from: t.baseAddress!, byteCount: n)
                return 0
            }
        }

        /// A relative path starts in `dirfd` (or the working directory),
        /// whose own canonical name the kernel gives.
        mutating func startRelative(_ dirfd: Int32) -> Int32 {
            let dir = dirfd == AT_FDCWD ? lwcr_open(cString("."), O_PATH | O_DIRECTORY | O_CLOEXEC)
                                        : lwcr_openat(dirfd, cString("."), O_PATH | O_DIRECTORY | O_CLOEXEC, 0)
            if dir < 0 { return dir }
            let n = PathWalk.nameOf(dir, out)
            if n < 0 { _ = lwcr_close(dir); return PathWalk.unnamed }
            count = n == 1 ? 0 : n  // "/" is the empty prefix
            return dir
        }

        mutating func reopen(_ dir: Int32, _ flags: Int32) -> Int32 {
            var fd = lwcr_openat(dir, cString("."), flags, 0)
            if fd == -EACCES { fd = lwcr_openat(dir, cString("."), O_PATH | O_CLOEXEC, 0) }
            if fd >= 0 {
                if count == 0 { out[0] = UInt8(ascii: "/"); count = 1 }
                out[count] = 0
            }
            return fd
        }
    }

    /// The kernel's current name for an open descriptor, from
    /// /proc/self/fd/N, accepted only while that name still leads to the
    /// same file and no one but root or this user can change that (Held). For launches by descriptor (fexecve, execveat with
    /// AT_EMPTY_PATH), where no path was given. Returns the length or -1.
    public static func nameOf(_ fd: Int32, _ out: UnsafeMutableRawBufferPointer) -> Int {
        var link = InlineArray<32, UInt8>(repeating: 0)
        let n = withUnsafeMutableBytes(of: &link) { l -> Int in
            var m = Message(l)
            m.append("/proc/self/fd/")
            m.append(Int(fd))
            l[m.count] = 0
            return lwcr_readlink(l.baseAddress!.assumingMemoryBound(to: CChar.self),
                                 out.baseAddress!.assumingMemoryBound(to: CChar.self), out.count - 1)
        }
        if n <= 0 || n >= out.count - 1 || out[0] != UInt8(ascii: "/") { return -1 }
        out[n] = 0
        var byName = stat()
        var byFd = stat()
        if lwcr_fstatat(AT_FDCWD, out.baseAddress!.assumingMemoryBound(to: CChar.self), &byName, 0) != 0 { return -1 }
        if lwcr_fstat(fd, &byFd) != 0 { return -1 }
        if byName.st_dev != byFd.st_dev || byName.st_ino != byFd.st_ino { return -1 }
        // Renamed between the caller's open and now, the file would carry a
        // name it was not opened by: trust the name only where no one else
        // can rename it.
        if !Held.byUs(Bytes(UnsafeRawBufferPointer(rebasing: out[0..<n])), uid: UInt32(bitPattern: lwcr_geteuid())) { return -1 }
        return n
    }
}
