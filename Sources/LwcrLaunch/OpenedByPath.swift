import CInterpose

/// Files a launch makes run that lwcr cannot hand over by descriptor,
/// because someone else opens them by path after the check: the kernel an
/// ELF's PT_INTERP, the dynamic loader the libraries named in LD_PRELOAD
/// and LD_AUDIT or by its --preload and --audit options.
///
/// Each is judged by the policy as its own launch would be. And since the
/// path is opened again later, the check would mean nothing if someone
/// could swap what the path leads to in between: so such a file must be
/// root's, writable by no one else, and reached only through directories
/// no one but root can change (PathWalk.openHeldByRoot). Choosing that over
/// starting the program through the checked loader's descriptor keeps
/// /proc/self/exe, AT_EXECFN and argv what the program expects; loaders
/// and libraries installed by the system's packages meet it.
///
/// Does not reach: libraries the loader finds by searching (DT_NEEDED,
/// LD_PRELOAD names without a "/", through LD_LIBRARY_PATH, --library-path,
/// RPATH or the system directories), dlopen, and binfmt_misc handlers.
extension Gate {
    /// 0, or the errno the launch fails with.
    static func judgeElfInterpreter(_ fd: Int32, _ policy: Policy, _ launch: Launch, via program: Bytes,
                                    _ fds: inout OwnedDescriptors) -> Int32 {
        var text = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &text) { t -> Int32 in
            switch ElfInterpreter.read(fd, into: t) {
            case .none, .refused:
                // Static, not ELF, or what the kernel refuses on its own.
                return 0
            case .path(let length):
                let path = t.baseAddress!.assumingMemoryBound(to: CChar.self)
                let text = Bytes(UnsafeRawBufferPointer(rebasing: t[0..<length]))
                // An explaining walk shows every file it judges.
                let remembers = launch.report.explain == nil
                if remembers && judgedBefore(text, policy) { return 0 }
                var quiet = false
                var st = stat()
                let e = judgeByPath(path, role: Explain.elfInterpreter, policy, launch, via: program, &fds, quiet: &quiet, status: &st)
                if e == 0 && quiet && remembers { remember(text, policy, st) }
                return e
            }
        }
    }

    /// Whether the interpreter at `text` is the one last judged allowed
    /// (without a log line) under this policy: its path still leads to
    /// the same file, unchanged (device, inode, size, ctime). Since every
    /// directory on that path and the file itself were root's alone when it
    /// was judged, only root could have changed what the path leads to, and
    /// root is trusted (README: threat model). One stat instead of a walk
    /// of the path at every launch of a dynamic program. The policy is
    /// told by its address: a published policy is never unmapped while the
    /// process runs, not even once a newer snapshot supersedes it
    /// (PolicyState), so an address never names two policies that judged
    /// launches; only a policy that was never published is unmapped.
    static func judgedBefore(_ text: Bytes, _ policy: Policy) -> Bool {
        var memo = lwcr_interp_memo()
        if lwcr_interp_memo_get(&memo) == 0 { return false }
        if memo.policy != UnsafeRawPointer(policy.layers) || Int(memo.length) != text.count { return false }
        let same = withUnsafeBytes(of: &memo.text) { Bytes(UnsafeRawBufferPointer(rebasing: $0[0..<text.count])).equals(text) }
        if !same { return false }
        var st = stat()
        if withPath(text, { lwcr_fstatat(AT_FDCWD, $0, &st, 0) }) != 0 { return false }
        return UInt64(st.st_dev) == memo.dev && UInt64(st.st_ino) == memo.ino && UInt64(st.st_size) == memo.size
            && UInt64(st.st_ctim.tv_sec) == memo.ctime_sec && UInt64(st.st_ctim.tv_nsec) == memo.ctime_nsec
    }

    static func remember(_ text: Bytes, _ policy: Policy, _ st: stat) {
        var memo = lwcr_interp_memo()
        if text.count > MemoryLayout.size(ofValue: memo.text) { return }
        memo.policy = UnsafeRawPointer(policy.layers)
        memo.dev = UInt64(st.st_dev)
        memo.ino = UInt64(st.st_ino)
        memo.size = UInt64(st.st_size)
        memo.ctime_sec = UInt64(st.st_ctim.tv_sec)
        memo.ctime_nsec = UInt64(st.st_ctim.tv_nsec)
        memo.length = UInt32(text.count)
        withUnsafeMutableBytes(of: &memo.text) { $0.copyMemory(from: text.raw) }
        lwcr_interp_memo_put(&memo)
    }

    /// The libraries the child environment names in LD_PRELOAD and
    /// LD_AUDIT, but lwcr's own.
    static func judgeEnvironmentLibraries(_ policy: Policy, _ launch: Launch, via program: Bytes,
                                          _ fds: inout OwnedDescriptors) -> Int32 {
        guard let envp = launch.envp ?? UnsafePointer(lwcr_environ()) else { return 0 }
        let own = ChildEnvironment.current.library
        var e: Int32 = 0
        var i = 0
        while e == 0, let entry = envp[i] {
            let text = Bytes(cString: entry)
            if text.hasPrefix(ChildEnvironment.preloadName) {
                e = judgeLibraries(text.slice(11, text.count), separators: ": ", except: own, policy, launch, via: program, &fds)
            } else if text.hasPrefix("LD_AUDIT=") {
                e = judgeLibraries(text.slice(9, text.count), separators: ":", except: own, policy, launch, via: program, &fds)
            }
            i += 1
        }
        return e
    }

    /// Each entry of a library list that names a path (with a "/"); names
    /// without one are searched by the loader, out of reach (see above).
    static func judgeLibraries(_ list: Bytes, separators: StaticString, except own: Bytes, _ policy: Policy, _ launch: Launch,
                               via program: Bytes, _ fds: inout OwnedDescriptors) -> Int32 {
        var e: Int32 = 0
        _ = list.anyPart(separatedBy: separators) { entry in
            if entry.isEmpty || entry.equals(own) || entry.firstIndex(of: UInt8(ascii: "/")) == nil { return false }
            // ld.so expands $ORIGIN, $LIB and $PLATFORM (ld.so(8)); lwcr
            // would judge another file than the one loaded.
            if entry.firstIndex(of: UInt8(ascii: "$")) != nil {
                e = refuse(entry, .libraryToken, Explain.library, policy, launch, via: program)
                return e != 0
            }
            var path = InlineArray<4097, UInt8>(repeating: 0)
            e = withUnsafeMutableBytes(of: &path) { p -> Int32 in
                if entry.count >= p.count { return ENAMETOOLONG }
                p.copyMemory(from: entry.raw)
                p[entry.count] = 0
                return judgeByPath(p.baseAddress!.assumingMemoryBound(to: CChar.self), role: Explain.library,
                                   policy, launch, via: program, &fds, own: own)
            }
            return e != 0
        }
        return e
    }

    /// One file opened by path later: held by root, and allowed.
    /// `quiet`: allowed without a log line; `status`: the file's.
    static func judgeByPath(_ path: UnsafePointer<CChar>, role: Int32, _ policy: Policy, _ launch: Launch, via program: Bytes,
                            _ fds: inout OwnedDescriptors, quiet: UnsafeMutablePointer<Bool>? = nil,
                            status: UnsafeMutablePointer<stat>? = nil, own: Bytes = .empty) -> Int32 {
        var name = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &name) { n -> Int32 in
            var count = 0
            let opened = PathWalk.openHeldByRoot(path, flags: openFlags, into: n, &count)
            switch opened {
            case .failed(let e):
                // Not there, in directories only root can change: the kernel
                // fails the launch with the same errno, the loader skips the
                // library with a warning, and no one else can put it there.
                // Any other failure (no descriptor left, a lease, ...) may
                // not stop the loader: refused.
                if role != Explain.library { return e.code }
                if e.code == ENOENT || e.code == ENOTDIR { return 0 }
                return refuse(Bytes(cString: path), .libraryUnopened, role, policy, launch, via: program, errno: e.code)
            case .unnamed:
                return refuse(Bytes(cString: path), .notHeldByRoot, role, policy, launch, via: program)
            case .file(let fd):
                if !fds.own(fd) { return EMFILE }
                // lwcr itself by another name (relative, through a link), and
                // held by root like any library here: nothing to judge.
                if !own.isEmpty {
                    var mine = stat()
                    var theirs = stat()
                    if withPath(own, { lwcr_fstatat(AT_FDCWD, $0, &mine, 0) }) == 0 && lwcr_fstat(fd, &theirs) == 0
                        && mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino { return 0 }
                }
                var sealed = false
                let here = Bytes(UnsafeRawBufferPointer(rebasing: n[0..<count]))
                if !verify(fd, here, named: true, policy, launch.report, via: program, sealed: &sealed, role: role, quiet: quiet) { return EACCES }
                if sealed {
                    quiet?.pointee = false
                    return refuse(here, .sealedByPath, role, policy, launch, via: program, shown: true)
                }
                if let status, lwcr_fstat(fd, status) != 0 { quiet?.pointee = false }
                return 0
            }
        }
    }

    /// A refusal no rule decides (the file cannot be judged as it will
    /// run); under a policy that only audits, logged and let through.
    /// `shown`: an explaining walk has already been told of the file.
    /// `errno`: what was found, and what the launch fails with (else EACCES).
    static func refuse(_ path: Bytes, _ reason: Reason, _ role: Int32, _ policy: Policy, _ launch: Launch, via: Bytes,
                       shown: Bool = false, errno: Int32 = 0) -> Int32 {
        if role >= 0, !shown, let explain = launch.report.explain { explain.judging?(explain.context, -1, path.base, path.count, role, nil) }
        var d = Decision()
        d.finding.reason = reason
        d.finding.errno = errno
        // A program's own requirement is never waved through as an audit:
        // with no policy in force, no layers is not "only audits".
        d.allowed = policy.error == nil && policy.onlyAudits && launch.report.requirement == nil
        d.audited = d.allowed
        launch.report.decision(d, path: path, via: via, role: role)
        return d.allowed ? 0 : (errno != 0 ? errno : EACCES)
    }
}
