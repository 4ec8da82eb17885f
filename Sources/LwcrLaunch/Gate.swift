import CInterpose

typealias CArgv = UnsafePointer<UnsafeMutablePointer<CChar>?>

/// How a launch was asked for, and where its log line goes.
struct Launch {
    var argv: CArgv?
    var envp: CArgv?
    var report: Report
    /// execvp's rule: a file the kernel cannot execute (ENOEXEC) is run by /bin/sh.
    var shellFallback: Bool
}

/// The one path every launch takes: open → verify → execute by descriptor.
///
/// Defends against the launched file (or a `#!` interpreter) being replaced
/// or swapped before the launch: the descriptor that is checked is the one
/// the kernel executes, so a rename or symlink swap after the open is never
/// run, and one before it is what gets checked. Does not defend against a
/// write in place to the same inode between the check and the exec by
/// someone who can write the file (see README: the `sealed` option).
///
/// Async-signal-safe: system calls, the stack and the policy arena only. It
/// runs in vfork children and fork children of threaded programs.
enum Gate {
    static let maxScriptDepth = 4
    /// Words that may replace argv[0]: two per interpreter level, and the script.
    static let maxPrefix = 12
    static let openFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY
    /// What runs a file the kernel cannot execute (execvp's rule).
    static let shell: StaticString = "/bin/sh"
    /// The most stack the argv and envp copies of one launch may take.
    static let maxArrays = 2 << 20

    /// Launches `path` (relative to `dirfd`); returns an errno on failure.
    /// On a stack of its own where the caller's is short (OwnStack).
    static func execute(dirfd: Int32, path: UnsafePointer<CChar>, noFollow: Bool, _ launch: Launch) -> Int32 {
        OwnStack.run(OwnStack.Entry(kind: .path, dirfd: dirfd, path: path, noFollow: noFollow, launch: launch))
    }

    /// Launches the file open on `fd` (fexecve, execveat with AT_EMPTY_PATH).
    static func execute(descriptor fd: Int32, _ launch: Launch) -> Int32 {
        OwnStack.run(OwnStack.Entry(kind: .descriptor, dirfd: fd, launch: launch))
    }

    static func executeHere(dirfd: Int32, path: UnsafePointer<CChar>, noFollow: Bool, _ launch: Launch) -> Int32 {
        switch PolicyState.current() {
        case .none:
            // A program's own requirement is judged even where no policy is.
            if launch.report.requirement != nil { return run(.path(dirfd, path, noFollow), Policy(), launch) }
            return passThrough(dirfd: dirfd, path: path, noFollow: noFollow, launch)
        case .unavailable:
            deny(unavailable: Bytes(cString: path), launch)
            return EACCES
        case .policy(let policy):
            return run(.path(dirfd, path, noFollow), policy.pointee, launch)
        }
    }

    static func executeHere(descriptor fd: Int32, _ launch: Launch) -> Int32 {
        switch PolicyState.current() {
        case .none:
            if launch.report.requirement != nil { return run(.descriptor(fd), Policy(), launch) }
            return finalExec(fd, cString(""), AT_EMPTY_PATH, nil, 0, launch)
        case .unavailable:
            deny(unavailable: Bytes("(descriptor)"), launch)
            return EACCES
        case .policy(let policy):
            return run(.descriptor(fd), policy.pointee, launch)
        }
    }

    /// Opens a launch target by walking its path (see PathWalk); the
    /// canonical name goes to `name`.
    static func open(_ dirfd: Int32, _ path: UnsafePointer<CChar>, _ noFollow: Bool,
                     _ name: UnsafeMutableRawBufferPointer, _ nameCount: inout Int) -> Opened {
        PathWalk.open(dirfd, path, flags: openFlags, noFollow: noFollow, into: name, &nameCount)
    }

    /// Opens the walk's next file (see open) and owns its descriptor. A file
    /// that cannot be named is judged as such (a refusal, or a logged
    /// launch under audit) before the walk is refused.
    static func openOwned(_ dirfd: Int32, _ path: UnsafePointer<CChar>, _ noFollow: Bool,
                          _ name: UnsafeMutableRawBufferPointer, _ nameCount: inout Int, _ fds: inout OwnedDescriptors,
                          _ policy: Policy, _ report: Report, via: Bytes, role: Int32) -> Opened {
        let opened = open(dirfd, path, noFollow, name, &nameCount)
        switch opened {
        case .unnamed: _ = verify(-1, Bytes(cString: path), named: false, policy, report, via: via, role: role)
        case .failed: break
        case .file(let fd): if !fds.own(fd) { return .failed(Errno(EMFILE)) }
        }
        return opened
    }

    /// Without any policy nothing is checked or logged, and the launch is
    /// the kernel's own, by path; only the environment is carried on.
    static func passThrough(dirfd: Int32, path: UnsafePointer<CChar>, noFollow: Bool, _ launch: Launch) -> Int32 {
        let e = finalExec(dirfd, path, noFollow ? AT_SYMLINK_NOFOLLOW : 0, nil, 0, launch)
        if e != ENOEXEC || !launch.shellFallback { return e }
        var prefix = InlineArray<2, UnsafeMutablePointer<CChar>?>(repeating: nil)
        prefix[0] = UnsafeMutablePointer(mutating: cString(shell))
        prefix[1] = UnsafeMutablePointer(mutating: path)
        let shell = prefix[0]!
        return withUnsafeMutableBytes(of: &prefix) { p in
            finalExec(AT_FDCWD, shell, 0, p.baseAddress!.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self), 2, launch)
        }
    }

    static func deny(unavailable path: Bytes, _ launch: Launch) {
        var d = Decision()
        d.allowed = false
        d.finding.reason = .policyError
        d.errorMessage = "cannot map memory to load the policy"
        launch.report.decision(d, path: path)
    }

    enum Target {
        case path(Int32, UnsafePointer<CChar>, Bool)
        case descriptor(Int32)
    }

    /// Verifies the target and, for a `#!` script, each interpreter in
    /// turn, then executes by descriptor. Returns an errno on failure.
    static func run(_ target: Target, _ policy: Policy, _ launch: Launch) -> Int32 {
        var fds = OwnedDescriptors()
        var words = InlineArray<2048, UInt8>(repeating: 0)
        var prefix = InlineArray<12, UnsafeMutablePointer<CChar>?>(repeating: nil)
        var names = InlineArray<8194, UInt8>(repeating: 0)
        let e = withUnsafeMutableBytes(of: &words) { words in
            withUnsafeMutableBytes(of: &prefix) { prefixRaw in
                withUnsafeMutableBytes(of: &names) { names in
                    walk(target, policy, launch, &fds, words, prefixRaw.baseAddress!.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self),
                         UnsafeMutableRawBufferPointer(rebasing: names[0..<4097]), UnsafeMutableRawBufferPointer(rebasing: names[4097..<8194]))
                }
            }
        }
        fds.closeAll()
        return e
    }

    /// `top` keeps the name of the file the caller asked for (for log lines
    /// about its interpreters); `name` holds the current file's.
    static func walk(_ target: Target, _ policy: Policy, _ launch: Launch, _ fds: inout OwnedDescriptors,
                     _ words: UnsafeMutableRawBufferPointer, _ prefix: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                     _ top: UnsafeMutableRawBufferPointer, _ name: UnsafeMutableRawBufferPointer) -> Int32 {
        var wordsUsed = 0
        var prefixCount = 0
        var depth = 0
        var fallback = launch.shellFallback
        var owned = true
        var current: Int32
        var nameCount = 0
        var topCount = 0
        switch target {
        case .path(let dirfd, let path, let noFollow):
            let opened = openOwned(dirfd, path, noFollow, name, &nameCount, &fds, policy, launch.report, via: .empty, role: Explain.target)
            guard case .file(let fd) = opened else { return opened.refusal }
            current = fd
        case .descriptor(let fd):
            current = fd
            owned = false
            nameCount = PathWalk.nameOf(fd, name)
        }
        // The kernel refuses a script on a close-on-exec descriptor the
        // caller gave (its interpreter could not open /dev/fd/N).
        var givenCloseOnExec = !owned && lwcr_getfd(current) & FD_CLOEXEC != 0
        while true {
            // What the file would run is read from its content: an O_PATH
            // descriptor (the caller's, or an execute-only file's) cannot
            // be read, so the same file is opened again for reading, or the
            // launch is refused.
            switch readable(current, &fds) {
            case .file(let fd): current = fd
            case .failed, .unnamed:
                let here = nameCount < 0 ? Bytes("(descriptor)") : Bytes(UnsafeRawBufferPointer(rebasing: name[0..<nameCount]))
                return refuse(here, .contentUnreadable, depth == 0 ? Explain.target : Explain.interpreter, policy, launch,
                              via: Bytes(UnsafeRawBufferPointer(rebasing: top[0..<topCount])))
            }
            let via = Bytes(UnsafeRawBufferPointer(rebasing: top[0..<topCount]))
            let here = nameCount < 0 ? Bytes.empty : Bytes(UnsafeRawBufferPointer(rebasing: name[0..<nameCount]))
            var sealed = false
            if !verify(current, here, named: nameCount >= 0, policy, launch.report, via: via, sealed: &sealed,
                       role: depth == 0 ? Explain.target : Explain.interpreter, target: depth == 0) { return EACCES }
            if sealed {
                let copy = sealedCopy(current, here, policy, launch, via: via, target: depth == 0, &fds)
                if copy < 0 { return -copy }
                current = copy
                owned = true
                if depth == 0 && nameCount > 0 {
                    top.copyMemory(from: UnsafeRawBufferPointer(rebasing: name[0..<nameCount]))
                    topCount = nameCount
                }
                nameCount = -1  // a script in it is handed over as /dev/fd/N
            }
            if depth == 0 && nameCount > 0 {
                top.copyMemory(from: UnsafeRawBufferPointer(rebasing: name[0..<nameCount]))
                topCount = nameCount
            }

            var header = InlineArray<256, UInt8>(repeating: 0)
            let n = withUnsafeMutableBytes(of: &header) { lwcr_pread(current, $0.baseAddress, $0.count, 0) }
            let isScript = n >= 2 && header[0] == UInt8(ascii: "#") && header[1] == UInt8(ascii: "!")
            var next: UnsafeMutablePointer<CChar>? = nil
            if isScript {
                if depth >= maxScriptDepth { return ELOOP }
                if givenCloseOnExec { return ENOENT }
                // The script itself is never handed to execve, so ask the
                // kernel whether it would have run it (mode, noexec, Landlock).
                let refused = mayExecute(current)
                if refused != 0 { return refused }
                var interpreter = Bytes.empty
                var argument = Bytes.empty
                // The whole buffer: past what was read it is zero, as the kernel's is.
                let ok = withUnsafeBytes(of: &header) { h in
                    Shebang.parse(Bytes(h), &interpreter, &argument)
                }
                if !ok { return ENOEXEC }
                guard let interp = store(interpreter, words, &wordsUsed) else { return E2BIG }
                var arg: UnsafeMutablePointer<CChar>? = nil
                if !argument.isEmpty {
                    arg = store(argument, words, &wordsUsed)
                    if arg == nil { return E2BIG }
                }
                guard let fdPath = scriptName(current, owned && nameCount >= 0 ? here : .empty, words, &wordsUsed) else { return E2BIG }
                // As the kernel nests interpreters: [interp, arg?, script] replaces argv[0].
                let newItems = arg == nil ? 2 : 3
                let keep = prefixCount > 0 ? prefixCount - 1 : 0
                if keep + newItems > maxPrefix { return E2BIG }
                var k = keep
                while k > 0 {
                    prefix[newItems + k - 1] = prefix[k]
                    k -= 1
                }
                prefix[0] = interp
                if let arg { prefix[1] = arg }
                prefix[newItems - 1] = fdPath
                prefixCount = newItems + keep
                next = interp
            } else if DynamicLoader.isLoader(current) {
                // ld.so PROGRAM: PROGRAM is a launch too, checked here and
                // handed over as the file that was checked.
                return runLoader(current, prefixCount > 0 ? prefix : nil, prefixCount, policy, launch, via: here, &fds, words, &wordsUsed)
            } else {
                let refused = judgeElfInterpreter(current, policy, launch, via: here, &fds)
                if refused != 0 { return refused }
                let libraries = judgeEnvironmentLibraries(policy, launch, via: here, &fds)
                if libraries != 0 { return libraries }
                let e = finalExec(current, cString(""), AT_EMPTY_PATH, prefixCount > 0 ? prefix : nil, prefixCount, launch)
                if e != ENOEXEC || !fallback || depth != 0 { return e }
                // execvp's rule: what the kernel cannot execute, /bin/sh runs.
                fallback = false
                guard let shWord = store(Bytes(shell), words, &wordsUsed),
                      let fdPath = scriptName(current, nameCount >= 0 ? here : .empty, words, &wordsUsed) else { return E2BIG }
                prefix[0] = shWord
                prefix[1] = fdPath
                prefixCount = 2
                next = shWord
            }
            // The interpreter (or /bin/sh) is a launch of its own.
            let opened = openOwned(AT_FDCWD, next!, false, name, &nameCount, &fds, policy, launch.report, via: via, role: Explain.interpreter)
            guard case .file(let fd) = opened else { return opened.refusal }
            current = fd
            owned = true
            givenCloseOnExec = false
            depth += 1
        }
    }

    /// `fd` if its content can be read, else (O_PATH, or write-only) the
    /// same file opened again for reading through /proc/self/fd (owned by
    /// `fds`). Files that are
    /// not regular are left as they are: the kernel executes none, and
    /// opening a device could act on it.
    static func readable(_ fd: Int32, _ fds: inout OwnedDescriptors) -> Opened {
        let flags = lwcr_getfl(fd)
        if flags < 0 { return .from(flags) }
        if flags & O_PATH == 0 && flags & O_ACCMODE != O_WRONLY { return .file(fd) }
        var st = stat()
        if lwcr_fstat(fd, &st) != 0 { return .failed(Errno(EBADF)) }
        if st.st_mode & Mode.typeMask != Mode.regular { return .file(fd) }
        let again = PathWalk.withFdPath(fd) { lwcr_open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY) }
        if again < 0 { return .from(again) }
        var same = stat()
        if lwcr_fstat(again, &same) != 0 || same.st_dev != st.st_dev || same.st_ino != st.st_ino {
            _ = lwcr_close(again)
            return .failed(Errno(EBADF))
        }
        if !fds.own(again) { return .failed(Errno(EMFILE)) }
        return .file(again)
    }

    /// 0 when the kernel would execute the file on `fd`, else its errno.
    static func mayExecute(_ fd: Int32) -> Int32 {
        let r = lwcr_execve_check(fd)
        if r == 0 { return 0 }
        if r != -EINVAL { return -r }
        // Before Linux 6.14: the mode for our effective ids, then the mount.
        let mode = lwcr_may_execute_mode(fd)
        if mode < 0 && mode != -ENOSYS { return -mode }
        if mode == -ENOSYS {
            var st = stat()
            if lwcr_fstat(fd, &st) != 0 || st.st_mode & 0o111 == 0 { return EACCES }
        }
        return lwcr_noexec_mount(fd) == 0 ? 0 : EACCES
    }

    /// The dynamic loader run directly: its PROGRAM argument is checked as a
    /// launch, and replaced by the checked file's name (see scriptName), so
    /// the loader maps what was checked. Unknown loader options are refused,
    /// since one taking an argument would hide which word is the program.
    static func runLoader(_ loader: Int32, _ prefix: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ prefixCount: Int,
                          _ policy: Policy, _ launch: Launch, via loaderName: Bytes, _ fds: inout OwnedDescriptors,
                          _ words: UnsafeMutableRawBufferPointer, _ wordsUsed: inout Int) -> Int32 {
        var argc = 0
        if let argv = launch.argv { while argv[argc] != nil { argc += 1 } }
        let count = prefix != nil ? prefixCount + (argc > 0 ? argc - 1 : 0) : argc
        func word(_ i: Int) -> UnsafeMutablePointer<CChar> {
            if let prefix { return i < prefixCount ? prefix[i]! : launch.argv![i - prefixCount + 1]! }
            return launch.argv![i]!
        }
        let index = DynamicLoader.programIndex(count) { Bytes(cString: word($0)) }
        if index == -2 {
            var d = Decision()
            d.allowed = false
            d.finding.reason = .loaderOption
            launch.report.decision(d, path: loaderName)
            return EACCES
        }
        // Libraries the options and the environment name are launches too
        // (see OpenedByPath).
        let own = ChildEnvironment.current.library
        var i = 1
        while i + 1 < (index < 0 ? count : index) {
            let option = Bytes(cString: word(i))
            var e: Int32 = 0
            if option.equals("--preload") {
                e = judgeLibraries(Bytes(cString: word(i + 1)), separators: ": ", except: own, policy, launch, via: loaderName, &fds)
            } else if option.equals("--audit") {
                e = judgeLibraries(Bytes(cString: word(i + 1)), separators: ":", except: own, policy, launch, via: loaderName, &fds)
            }
            if e != 0 { return e }
            i += 1
        }
        let libraries = judgeEnvironmentLibraries(policy, launch, via: loaderName, &fds)
        if libraries != 0 { return libraries }
        if index < 0 { return finalExec(loader, cString(""), AT_EMPTY_PATH, prefix, prefixCount, launch) }
        // ld.so looks a name without "/" up in the library path, not here:
        // only a path can be checked as the file the loader will map.
        if Bytes(cString: word(index)).firstIndex(of: UInt8(ascii: "/")) == nil {
            denyLoaderProgram(Bytes(cString: word(index)), .loaderProgramName, launch)
            return EACCES
        }
        var name = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &name) { n -> Int32 in
            var nameCount = 0
            let opened = openOwned(AT_FDCWD, word(index), false, n, &nameCount, &fds, policy, launch.report, via: .empty, role: Explain.loaderProgram)
            guard case .file(let program) = opened else {
                // Whatever lwcr cannot open and check, the loader must not run.
                if case .failed = opened { denyLoaderProgram(Bytes(cString: word(index)), .loaderProgramUnopened, launch) }
                return opened.refusal
            }
            let here = Bytes(UnsafeRawBufferPointer(rebasing: n[0..<nameCount]))
            var sealed = false
            if !verify(program, here, named: true, policy, launch.report, via: .empty, sealed: &sealed, role: Explain.loaderProgram) { return EACCES }
            var handed = program
            var handedName = here
            if sealed {
                let copy = sealedCopy(program, here, policy, launch, via: .empty, target: false, &fds)
                if copy < 0 { return -copy }
                handed = copy
                handedName = .empty  // handed over as /dev/fd/N
            }
            guard let replacement = scriptName(handed, handedName, words, &wordsUsed) else { return E2BIG }
            return finalExec(loader, cString(""), AT_EMPTY_PATH, prefix, prefixCount, launch, replacing: index, with: replacement)
        }
    }

    /// A sealed rule's launch: the copy is executable whatever the file's
    /// mode or mount, so the kernel is asked about the file itself first;
    /// then the content is copied, sealed, and decided again on the copy,
    /// so what runs is what was checked, whatever happens to the file. The
    /// copy's descriptor (owned by `fds`), or -errno.
    static func sealedCopy(_ fd: Int32, _ path: Bytes, _ policy: Policy, _ launch: Launch, via: Bytes, target: Bool,
                           _ fds: inout OwnedDescriptors) -> Int32 {
        let refused = mayExecute(fd)
        if refused != 0 { return -refused }
        let copy = Sealed.copy(fd)
        if copy < 0 { return -sealedCopyFailed(path, -copy, launch, via: via) }
        if !fds.own(copy) { return -EMFILE }
        var again = false
        if !verify(fd, path, named: true, policy, launch.report, via: via, sealed: &again, content: copy, target: target) { return -EACCES }
        return copy
    }

    /// A sealed rule whose copy cannot be made (no memory, a file-size
    /// limit): the launch fails, saying why, since the rule asks that only
    /// the copy run.
    static func sealedCopyFailed(_ path: Bytes, _ e: Int32, _ launch: Launch, via: Bytes) -> Int32 {
        var d = Decision()
        d.allowed = false
        d.finding.reason = .sealedCopy
        d.finding.errno = e
        launch.report.decision(d, path: path, via: via)
        return e
    }

    static func denyLoaderProgram(_ program: Bytes, _ reason: Reason, _ launch: Launch) {
        var d = Decision()
        d.allowed = false
        d.finding.reason = reason
        launch.report.decision(d, path: program)
    }

    /// Decides the file on `fd`, named `path`; logs what needs logging.
    static func verify(_ fd: Int32, _ path: Bytes, named: Bool, _ policy: Policy, _ report: Report, via: Bytes,
                       role: Int32 = -1) -> Bool {
        var sealed = false
        return verify(fd, path, named: named, policy, report, via: via, sealed: &sealed, role: role)
    }

    /// `role`: what the file is to the launch, for a walk that explains
    /// (-1: a second look at a file already shown, its sealed copy).
    /// `quiet`: set when the file was allowed without a log line.
    /// `target`: the file (or its sealed copy) is what the launch was asked
    /// to run, of which a program's own requirement is judged too.
    static func verify(_ fd: Int32, _ path: Bytes, named: Bool, _ policy: Policy, _ report: Report, via: Bytes,
                       sealed: inout Bool, content: Int32? = nil, role: Int32 = -1,
                       quiet: UnsafeMutablePointer<Bool>? = nil, target: Bool = false) -> Bool {
        let explain = role >= 0 ? report.explain : nil
        var decision = Decision()
        var st = stat()
        if named && lwcr_fstat(fd, &st) == 0 && st.st_mode & 0o170000 != 0o100000 {
            // The kernel executes regular files only; say nothing, as it does.
            if let explain { explain.judging?(explain.context, fd, path.base, path.count, role, nil) }
            return false
        }
        if !named || fd < 0 {
            if let explain { explain.judging?(explain.context, -1, path.base, path.count, role, nil) }
            // No name, no rule to match: denied, unless every layer only audits.
            decision.finding.reason = .unnamed
            decision.allowed = policy.error == nil && policy.onlyAudits && report.requirement == nil
            decision.audited = decision.allowed
        } else {
            var subject = Subject(fd: fd, path: path, status: st, contentFD: content)
            if let explain { subject.readBuffer = explain.readBuffer }
            decision = Decider.decide(policy, &subject)
            if target, decision.allowed, let requirement = report.requirement {
                // The policy in force allows it; the program's own requirement must hold too.
                let own = Decider.decide(requirement.pointee, &subject)
                if !own.allowed { decision = own } else if own.sealed { decision.sealed = true }
            }
            sealed = decision.sealed
            // Shown the very subject just decided, so no digest is computed twice.
            if let explain {
                withUnsafeMutablePointer(to: &subject) { explain.judging?(explain.context, fd, path.base, path.count, role, UnsafeMutableRawPointer($0)) }
            }
        }
        let learning = report.explain == nil && lwcr_state_learning().pointee != 0
        if learning { Learning.relax(&decision) }
        if decision.reportable || learning {
            report.decision(decision, path: path.isEmpty ? Bytes("(descriptor)") : path, via: via, role: role)
        }
        quiet?.pointee = decision.allowed && !decision.reportable
        return decision.allowed
    }

    static func store(_ b: Bytes, _ words: UnsafeMutableRawBufferPointer, _ used: inout Int) -> UnsafeMutablePointer<CChar>? {
        if used + b.count + 1 > words.count { return nil }
        let start = words.baseAddress! + used
        if b.count > 0 { start.copyMemory(from: b.base!, byteCount: b.count) }
        start.storeBytes(of: 0, toByteOffset: b.count, as: UInt8.self)
        used += b.count + 1
        return start.assumingMemoryBound(to: CChar.self)
    }

    /// How the interpreter is to read the checked script, and so what `$0`
    /// is. Its canonical path when no one but root or this user can put
    /// another file there (Held): scripts that find themselves by
    /// `$0` keep working. Otherwise `/dev/fd/N`, the descriptor that was
    /// checked, made inheritable: a path there could be swapped before the
    /// interpreter opens it. Nil when out of room (or the descriptor cannot
    /// be passed on).
    static func scriptName(_ fd: Int32, _ path: Bytes, _ words: UnsafeMutableRawBufferPointer, _ used: inout Int) -> UnsafeMutablePointer<CChar>? {
        if !path.isEmpty && Held.byUs(path, uid: UInt32(bitPattern: lwcr_geteuid())) {
            return store(path, words, &used)
        }
        // Not on 0, 1 or 2, where the script would be read as a standard stream.
        var passed = fd
        if fd < 3 {
            passed = lwcr_dupfd(fd, 3)
            if passed < 0 { return nil }
        } else if lwcr_setfd(fd, 0) != 0 {
            return nil
        }
        return storeFdPath(passed, words, &used)
    }

    static func storeFdPath(_ fd: Int32, _ words: UnsafeMutableRawBufferPointer, _ used: inout Int) -> UnsafeMutablePointer<CChar>? {
        var buffer = InlineArray<32, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &buffer) { b in
            var m = Message(b)
            m.append("/dev/fd/")
            m.append(Int(fd))
            return store(m.bytes, words, &used)
        }
    }

    /// execveat with argv = prefix + argv[1...] (when a prefix replaces
    /// argv[0]) and the child environment; returns the errno.
    static func finalExec(_ dirfd: Int32, _ path: UnsafePointer<CChar>, _ flags: Int32,
                          _ prefix: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ prefixCount: Int,
                          _ launch: Launch, replacing index: Int = -1, with replacement: UnsafeMutablePointer<CChar>? = nil) -> Int32 {
        if launch.report.explain != nil {
            // Only explaining: would the kernel execute it?
            if path[0] == 0 { return mayExecute(dirfd) }
            let fd = lwcr_openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (flags & AT_SYMLINK_NOFOLLOW != 0 ? O_NOFOLLOW : 0), 0)
            if fd < 0 { return -fd }
            defer { _ = lwcr_close(fd) }
            return mayExecute(fd)
        }
        let env = ChildEnvironment.current
        let envOK = env.unchanged(launch.envp)
        if prefix == nil && envOK && index < 0 {
            return -lwcr_execveat(dirfd, path, launch.argv, launch.envp, flags)
        }
        var argc = 0
        if let argv = launch.argv { while argv[argc] != nil { argc += 1 } }
        let argvBytes = (prefixCount + argc + 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride
        let envBytes = envOK ? 0 : env.space(launch.envp)
        let size = argvBytes + envBytes + 16
        // On the caller's stack, which may be a thread's or a vfork child's:
        // past this the kernel would refuse such a launch anyway (E2BIG at a
        // quarter of an 8 MiB stack limit's worth of strings).
        if size > maxArrays { return E2BIG }
        var context = ExecContext(dirfd: dirfd, path: path, flags: flags, prefix: prefix, prefixCount: prefixCount,
                                  argc: argc, argvBytes: argvBytes, rebuildEnv: !envOK, env: env, launch: launch,
                                  replaceIndex: index, replacement: replacement)
        return lwcr_with_stack(size, { raw, buffer in
            let c = raw!.assumingMemoryBound(to: ExecContext.self).pointee
            var argv = c.launch.argv
            if c.prefix != nil || c.replaceIndex >= 0 {
                let array = buffer!.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: c.prefixCount + c.argc + 1)
                var i = 0
                var j = 0
                if let prefix = c.prefix {
                    while i < c.prefixCount { array[i] = prefix[i]; i += 1 }
                    j = 1
                }
                while j < c.argc { array[i] = c.launch.argv![j]; i += 1; j += 1 }
                array[i] = nil
                if c.replaceIndex >= 0 && c.replaceIndex < i { array[c.replaceIndex] = c.replacement }
                argv = UnsafePointer(array)
            }
            var envp = c.launch.envp
            if c.rebuildEnv {
                let at = UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: buffer!) + c.argvBytes + 15) & ~15)!
                envp = UnsafePointer(c.env.build(c.launch.envp, into: at))
            }
            return -lwcr_execveat(c.dirfd, c.path, argv, envp, c.flags)
        }, &context)
    }
}

struct ExecContext {
    var dirfd: Int32
    var path: UnsafePointer<CChar>
    var flags: Int32
    var prefix: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    var prefixCount: Int
    var argc: Int
    var argvBytes: Int
    var rebuildEnv: Bool
    var env: ChildEnvironment
    var launch: Launch
    var replaceIndex: Int
    var replacement: UnsafeMutablePointer<CChar>?
}

/// `sealed` launches: the verified content copied into a memfd sealed
/// against writing, shrinking and growing (runc's answer to CVE-2019-5736).
/// Closes the window in which someone who can write the file in place
/// changes it between the check and the exec. Costs a copy of the file per
/// launch, and /proc/self/exe then names the memfd.
enum Sealed {
    static func copy(_ fd: Int32) -> Int32 {
        let memfd = lwcr_memfd(cString("lwcr-sealed"))
        if memfd < 0 { return memfd }
        var buffer = InlineArray<16384, UInt8>(repeating: 0)
        var offset = 0
        while true {
            let n = withUnsafeMutableBytes(of: &buffer) { lwcr_pread(fd, $0.baseAddress, $0.count, offset) }
            if n == -Int(EINTR) { continue }
            if n < 0 { _ = lwcr_close(memfd); return Int32(n) }
            if n == 0 { break }
            var written = 0
            while written < n {
                // No SIGXFSZ: a memfd obeys the caller's file-size limit.
                let w = withUnsafeBytes(of: &buffer) { lwcr_pwrite_unsignalled(memfd, $0.baseAddress! + written, n - written, offset + written) }
                if w == -Int(EINTR) { continue }
                if w <= 0 { _ = lwcr_close(memfd); return w < 0 ? Int32(w) : -EIO }
                written += w
            }
            offset += n
        }
        let r = lwcr_seal_all(memfd)
        if r < 0 { _ = lwcr_close(memfd); return r }
        return memfd
    }
}

/// Descriptors a launch opened, closed when it fails. Full, it refuses
/// (and closes) the descriptor, so the launch fails rather than leaks.
extension Opened {
    /// The errno a launch fails with when its file was not opened: a file
    /// that cannot be named is refused (EACCES).
    var refusal: Int32 {
        switch self {
        case .failed(let e): return e.code
        case .unnamed: return EACCES
        case .file: return 0
        }
    }
}

struct OwnedDescriptors {
    var fds = InlineArray<16, Int32>(repeating: -1)
    var count = 0

    /// False (the descriptor closed) when there is no room to remember it.
    mutating func own(_ fd: Int32) -> Bool {
        if count == 16 {
            _ = lwcr_close(fd)
            return false
        }
        fds[count] = fd
        count += 1
        return true
    }

    func closeAll() {
        var i = 0
        while i < count { _ = lwcr_close(fds[i]); i += 1 }
    }
}

/// The `#!` line as the kernel reads it (fs/binfmt_script.c): within the
/// first 256 bytes (zero-filled past the end of the file), up to a newline;
/// the interpreter is the first word, the rest of the line, with spaces and
/// tabs trimmed at both ends, is one optional argument; a NUL ends a word.
/// Without a newline the line runs to the end of the buffer, unless the
/// interpreter's name might be cut short there (no space, tab or NUL after
/// it), which is ENOEXEC.
enum Shebang {
    static func parse(_ buf: Bytes, _ interpreter: inout Bytes, _ argument: inout Bytes) -> Bool {
        func spacetab(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") }
        func nonSpacetab(_ from: Int, _ to: Int) -> Int? {
            var i = from
            while i < to { if !spacetab(buf[i]) { return i }; i += 1 }
            return nil
        }
        func terminator(_ from: Int, _ to: Int) -> Int? {
            var i = from
            while i < to { if spacetab(buf[i]) || buf[i] == 0 { return i }; i += 1 }
            return nil
        }
        let bufEnd = buf.count - 1
        var end: Int
        if let newline = buf.firstIndex(of: UInt8(ascii: "\n")) {
            end = newline
        } else {
            guard let first = nonSpacetab(2, bufEnd), terminator(first, bufEnd) != nil else { return false }
            end = bufEnd
        }
        while end > 2 && spacetab(buf[end - 1]) { end -= 1 }
        guard let name = nonSpacetab(2, end), name != end else { return false }
        let separator = terminator(name, end)
        interpreter = buf.slice(name, separator ?? end)
        argument = .empty
        if let separator, buf[separator] != 0, let arg = nonSpacetab(separator, end) {
            let cut = buf.slice(arg, end).firstIndex(of: 0).map { arg + $0 } ?? end
            argument = buf.slice(arg, cut)
        }
        return true
    }
}
