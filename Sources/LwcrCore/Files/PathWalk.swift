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
/// Symlinks are followed by reading them and walking their target, so the
/// name has none. A `..` drops the last component of the name built so far
/// and opens the directory *by that name*: had the directory been moved
/// since it was looked up, its physical parent would be another directory
/// than the name says (a link `sub/../../usr/bin/tool` while `sub` moves
/// between depths). By name, what is opened is what the name says.
/// A relative path is named and opened from one descriptor of the
/// starting directory, so a thread changing the working directory meanwhile
/// changes neither.
public enum PathWalk {
    static let maxLinks = 40

    /// Opens `path` (relative to `dirfd` when it does not start with `/`)
    /// with `flags` for the last component; writes its canonical path into
    /// `out` (NUL-terminated) and sets `count`. ENAMETOOLONG also when the
    /// name does not fit `out`.
    public static func open(_ dirfd: Int32, _ path: UnsafePointer<CChar>, flags: Int32, noFollow: Bool,
                            into out: UnsafeMutableRawBufferPointer, _ count: inout Int) -> Opened {
        switch openWithoutLinks(dirfd, path, flags: flags, into: out, &count) {
        case .done(let opened): return opened
        case .needsWalk: return walk(dirfd, path, flags: flags, noFollow: noFollow, into: out, &count)
        }
    }

    /// Opens an absolute `path` that someone else will open again by path
    /// after lwcr has judged it (the kernel opens an ELF's PT_INTERP, the
    /// loader a library named in LD_PRELOAD): so no one but root may be able
    /// to change what the path leads to. Every directory looked in on the
    /// way, those holding a symlink included, must be root's and closed to
    /// others (or sticky with the entry root's), and the file itself root's
    /// and writable by no one else. `.unnamed` when that does not hold.
    public static func openHeldByRoot(_ path: UnsafePointer<CChar>, flags: Int32,
                                      into out: UnsafeMutableRawBufferPointer, _ count: inout Int) -> Opened {
        if path[0] != CChar(UInt8(ascii: "/")) { return .unnamed }
        let opened = walk(AT_FDCWD, path, flags: flags, noFollow: false, rootOnly: true, into: out, &count)
        guard case .file(let fd) = opened else { return opened }
        var st = stat()
        if lwcr_fstat(fd, &st) != 0 || st.st_uid != 0 || st.st_mode & Mode.groupOrOtherWritable != 0 {
            _ = lwcr_close(fd)
            return .unnamed
        }
        return opened
    }

    /// The fast path's answer: opened (or refused) in one call, or the path
    /// has what only the walk resolves.
    enum Attempt {
        case done(Opened)
        case needsWalk
    }

    /// The common case in one system call: when no component is a symlink
    /// or `..`, the kernel's own resolution (openat2 refusing symlinks) is
    /// the walk, and the name is the path with `//` and `/./` collapsed.
    static func openWithoutLinks(_ dirfd: Int32, _ path: UnsafePointer<CChar>, flags: Int32,
                                 into out: UnsafeMutableRawBufferPointer, _ count: inout Int) -> Attempt {
        let p = Bytes(cString: path)
        if p.isEmpty { return .done(.failed(Errno(ENOENT))) }
        if p[0] == UInt8(ascii: "/") { return openWithoutLinks(dirfd, path, p, flags: flags, into: out, after: 0, &count) }
        // Named and opened from this one descriptor (see above).
        let dir = openStart(dirfd)
        if dir < 0 { return .done(.from(dir)) }
        defer { _ = lwcr_close(dir) }
        let n = nameOf(dir, out)
        if n < 0 { return .done(.unnamed) }
        return openWithoutLinks(dir, path, p, flags: flags, into: out, after: n == 1 ? 0 : n, &count)
    }

    /// Opens `path` (whose text is `text`) with openat2 refusing symlinks,
    /// naming it `out[0..<prefix]` + the path with `//` and `/./` collapsed.
    /// Needs the walk for a `..`, a symlink, or a kernel without openat2.
    static func openWithoutLinks(_ dirfd: Int32, _ path: UnsafePointer<CChar>, _ text: Bytes, flags: Int32,
                                 into out: UnsafeMutableRawBufferPointer, after prefix: Int, _ count: inout Int) -> Attempt {
        var n = prefix
        var start = 0
        while start < text.count {
            var end = start
            while end < text.count && text[end] != UInt8(ascii: "/") { end += 1 }
            let length = end - start
            if length == 2 && text[start] == UInt8(ascii: ".") && text[start + 1] == UInt8(ascii: ".") { return .needsWalk }
            if length > 0 && !(length == 1 && text[start] == UInt8(ascii: ".")) {
                if n + 1 + length >= out.count { return .needsWalk }
                out[n] = UInt8(ascii: "/")
                n += 1
                UnsafeMutableRawPointer(out.baseAddress! + n).copyMemory(from: text.base! + start, byteCount: length)
                n += length
            }
            start = end + 1
        }
        var fd = lwcr_openat2_nolinks(dirfd, path, flags)
        if fd == -EACCES { fd = lwcr_openat2_nolinks(dirfd, path, O_PATH | O_CLOEXEC) }
        // ELOOP: a symlink on the way; EXDEV, ENOSYS: no openat2 here.
        if fd == -ELOOP || fd == -EXDEV || fd == -ENOSYS { return .needsWalk }
        if fd >= 0 {
            if n == 0 { out[0] = UInt8(ascii: "/"); n = 1 }
            out[n] = 0
            count = n
        }
        return .done(.from(fd))
    }

    /// Resolves `path` one component at a time (see above).
    static func walk(_ dirfd: Int32, _ path: UnsafePointer<CChar>, flags: Int32, noFollow: Bool, rootOnly: Bool = false,
                     into out: UnsafeMutableRawBufferPointer, _ count: inout Int) -> Opened {
        var pending = InlineArray<8192, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &pending) { p -> Opened in
            let start = Bytes(cString: path)
            if start.isEmpty { return .failed(Errno(ENOENT)) }
            if start.count >= 4096 { return .failed(Errno(ENAMETOOLONG)) }
            p.copyMemory(from: start.raw)
            // The last byte stays NUL, so the pending rest is a C string.
            p[p.count - 1] = 0
            var walk = Walk(out: out, pending: UnsafeMutableRawBufferPointer(rebasing: p[0..<(p.count - 1)]), pendingCount: start.count)
            walk.rootOnly = rootOnly
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
        /// See openHeldByRoot: no fast path, and every directory checked.
        var rootOnly = false

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

        /// One component looked up in the directory held open.
        enum Step {
            /// The component, opened: the file itself, or the next directory.
            case opened(Int32)
            /// A symlink, whose target now stands in front of what is pending.
            case followed
            case failed(Errno)
        }

        mutating func run(_ dirfd: Int32, flags: Int32, noFollow: Bool) -> Opened {
            var dir: Int32
            if pending[pendingStart] == UInt8(ascii: "/") {
                dir = lwcr_open(cString("/"), O_PATH | O_DIRECTORY | O_CLOEXEC)
                count = 0
            } else {
                switch startRelative(dirfd) {
                case .file(let d): dir = d
                case let other: return other
                }
            }
            if dir < 0 { return .from(dir) }
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
                if nameLength > 255 { _ = lwcr_close(dir); return .failed(Errno(ENAMETOOLONG)) }
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
                    while count > 0 && out[count - 1] != UInt8(ascii: "/") { count -= 1 }
                    if count > 0 { count -= 1 }
                    let parent = openByName(dir)
                    _ = lwcr_close(dir)
                    if parent < 0 { return .from(parent) }
                    dir = parent
                    continue
                }
                let step: Step = withUnsafeBytes(of: &name) { n in
                    let cname = n.baseAddress!.assumingMemoryBound(to: CChar.self)
                    if rootOnly && !PathWalk.rootHolds(dir, cname) { return .failed(Errno(EPERM)) }
                    let text = Bytes(n.baseAddress!.assumingMemoryBound(to: UInt8.self), count: nameLength)
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
                        if fd >= 0 { return append(text, fd) }
                        if fd != -ELOOP || noFollow { return .failed(Errno(-fd)) }
                        // A symlink: fall through to follow it.
                    }
                    // A directory opens as one; anything else fails with
                    // ENOTDIR, and a symlink among those reads as one.
                    let fd = lwcr_openat(dir, cname, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC, 0)
                    if fd >= 0 { return append(text, fd) }
                    if fd != -ENOTDIR { return .failed(Errno(-fd)) }
                    let e = follow(dir, cname)
                    return e == 0 ? .followed : .failed(Errno(e == -EINVAL ? ENOTDIR : -e))
                }
                switch step {
                case .failed(let e):
                    _ = lwcr_close(dir)
                    return rootOnly && e.code == EPERM ? .unnamed : .failed(e)
                case .opened(let fd):
                    _ = lwcr_close(dir)
                    if last && !trailingSlash {
                        out[count] = 0
                        return .file(fd)
                    }
                    dir = fd
                case .followed:
                    // An absolute target restarts at "/".
                    if pending[pendingStart] == UInt8(ascii: "/") {
                        _ = lwcr_close(dir)
                        dir = lwcr_open(cString("/"), O_PATH | O_DIRECTORY | O_CLOEXEC)
                        if dir < 0 { return .from(dir) }
                        count = 0
                    }
                    // Usually the rest has no symlink: one call opens it.
                    if !rootOnly, case .done(let opened) = restWithoutLinks(dir, flags) {
                        _ = lwcr_close(dir)
                        return opened
                    }
                }
            }
        }

        /// Opens all that is pending at once with openat2 refusing symlinks
        /// (the name unchanged when the rest needs the walk).
        mutating func restWithoutLinks(_ dir: Int32, _ flags: Int32) -> Attempt {
            let rest = pending.baseAddress!.assumingMemoryBound(to: CChar.self) + pendingStart
            let text = Bytes(UnsafeRawBufferPointer(rebasing: pending[pendingStart..<pending.count]))
            return PathWalk.openWithoutLinks(dir, rest, text, flags: flags, into: out, after: count, &count)
        }

        /// Appends "/name" to the canonical path; closes `fd` if it does not fit.
        mutating func append(_ name: Bytes, _ fd: Int32) -> Step {
            if count + 1 + name.count >= out.count {
                _ = lwcr_close(fd)
                return .failed(Errno(ENAMETOOLONG))
            }
            out[count] = UInt8(ascii: "/")
            count += 1
            var i = 0
            while i < name.count { out[count] = name[i]; count += 1; i += 1 }
            return .opened(fd)
        }

        /// Puts the target of the symlink `name` in `dir` in front of what
        /// is still pending: 0, or -errno (-EINVAL when it is not a symlink,
        /// as readlinkat says).
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

        /// The directory whose name is the name built so far (`..` has just
        /// dropped a component), opened by that name; -errno.
        func openByName(_ dir: Int32) -> Int32 {
            if count == 0 { return lwcr_open(cString("/"), O_PATH | O_DIRECTORY | O_CLOEXEC) }
            out[count] = 0
            let name = out.baseAddress!.assumingMemoryBound(to: CChar.self)
            let fd = lwcr_openat2_nolinks(AT_FDCWD, name, O_PATH | O_DIRECTORY | O_CLOEXEC)
            if fd != -ENOSYS { return fd }
            // Before Linux 5.6: the physical parent, if it is what the name
            // leads to now.
            let parent = lwcr_openat(dir, cString(".."), O_PATH | O_DIRECTORY | O_CLOEXEC, 0)
            if parent < 0 { return parent }
            var byName = stat()
            var byFd = stat()
            if lwcr_fstatat(AT_FDCWD, name, &byName, AT_SYMLINK_NOFOLLOW) != 0 || lwcr_fstat(parent, &byFd) != 0
                || byName.st_dev != byFd.st_dev || byName.st_ino != byFd.st_ino {
                _ = lwcr_close(parent)
                return -EAGAIN
            }
            return parent
        }

        /// A relative path starts in `dirfd` (or the working directory),
        /// whose own canonical name the kernel gives.
        mutating func startRelative(_ dirfd: Int32) -> Opened {
            if rootOnly { return .unnamed }
            let dir = PathWalk.openStart(dirfd)
            if dir < 0 { return .from(dir) }
            let n = PathWalk.nameOf(dir, out)
            if n < 0 { _ = lwcr_close(dir); return .unnamed }
            count = n == 1 ? 0 : n  // "/" is the empty prefix
            return .file(dir)
        }

        mutating func reopen(_ dir: Int32, _ flags: Int32) -> Opened {
            var fd = lwcr_openat(dir, cString("."), flags, 0)
            if fd == -EACCES { fd = lwcr_openat(dir, cString("."), O_PATH | O_CLOEXEC, 0) }
            if fd >= 0 {
                if count == 0 { out[0] = UInt8(ascii: "/"); count = 1 }
                out[count] = 0
            }
            return .from(fd)
        }
    }

    /// The directory a relative path starts in: `dirfd`, or the working
    /// directory; -errno.
    static func openStart(_ dirfd: Int32) -> Int32 {
        dirfd == AT_FDCWD ? lwcr_open(cString("."), O_PATH | O_DIRECTORY | O_CLOEXEC)
                          : lwcr_openat(dirfd, cString("."), O_PATH | O_DIRECTORY | O_CLOEXEC, 0)
    }

    /// Whether only root can change the entry `name` in `dir`: the
    /// directory is root's and writable by no one else, or sticky with the
    /// entry root's (in a sticky directory only the entry's owner, the
    /// directory's owner or root can rename it).
    static func rootHolds(_ dir: Int32, _ name: UnsafePointer<CChar>) -> Bool {
        var st = stat()
        if lwcr_fstat(dir, &st) != 0 || st.st_uid != 0 { return false }
        if st.st_mode & Mode.groupOrOtherWritable == 0 { return true }
        if st.st_mode & Mode.sticky == 0 { return false }
        var entry = stat()
        return lwcr_fstatat(dir, name, &entry, AT_SYMLINK_NOFOLLOW) == 0 && entry.st_uid == 0
    }

    /// `/proc/self/fd/N` for `fd`, as a C string.
    public static func withFdPath<R>(_ fd: Int32, _ body: (UnsafePointer<CChar>) -> R) -> R {
        var link = InlineArray<32, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &link) { l -> R in
            var m = Message(l)
            m.append("/proc/self/fd/")
            m.append(Int(fd))
            l[m.count] = 0
            return body(l.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
    }

    /// The kernel's current name for an open descriptor, from
    /// /proc/self/fd/N, accepted only while that name still leads to the
    /// same file and no one but root or this user can change that (Held). For launches by descriptor (fexecve, execveat with
    /// AT_EMPTY_PATH), where no path was given. Returns the length or -1.
    public static func nameOf(_ fd: Int32, _ out: UnsafeMutableRawBufferPointer) -> Int {
        let n = withFdPath(fd) { lwcr_readlink($0, out.baseAddress!.assumingMemoryBound(to: CChar.self), out.count - 1) }
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
