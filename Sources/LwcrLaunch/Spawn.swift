import CInterpose

/// posix_spawn's attributes, read through glibc's public getters.
struct SpawnAttributes {
    var flags: Int32 = 0
    var group: pid_t = 0
    var defaults = sigset_t()
    var mask = sigset_t()
    var schedulingPolicy: Int32 = 0
    var schedulingParameters = sched_param()

    init() {}

    init(_ attr: UnsafePointer<posix_spawnattr_t>?) {
        guard let attr else { return }
        var f: Int16 = 0
        _ = posix_spawnattr_getflags(attr, &f)
        flags = Int32(f)
        _ = posix_spawnattr_getpgroup(attr, &group)
        _ = posix_spawnattr_getsigdefault(attr, &defaults)
        _ = posix_spawnattr_getsigmask(attr, &mask)
        _ = posix_spawnattr_getschedpolicy(attr, &schedulingPolicy)
        _ = posix_spawnattr_getschedparam(attr, &schedulingParameters)
    }
}

/// One spawn: what the child must do, and what it reports back.
struct SpawnRequest {
    var path: UnsafePointer<CChar>
    var search: Bool
    var actions: UnsafePointer<posix_spawn_file_actions_t>?
    var attributes: SpawnAttributes
    var argv: CArgv?
    var envp: CArgv?
    /// popen: after the caller's actions, dup2(pipe.0, pipe.1) and close
    /// the descriptors of other popen streams.
    var pipe: (Int32, Int32)? = nil
    var closePopenStreams = false
    var wantPidfd = false
    /// A program's own requirement of the file (OwnRequirement), and where
    /// its first denial is told; the line a launch would log goes to
    /// `lineSink` instead, when one is given.
    var requirement: UnsafePointer<Policy>? = nil
    var denial: UnsafeMutablePointer<Decision>? = nil
    var lineSink: (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int) -> Void)? = nil
    var lineContext: UnsafeMutableRawPointer? = nil
}

/// Memory the parent and the vfork child share (CLONE_VM): the request
/// going in, the errno and the log line coming out.
struct SpawnShared {
    var request: SpawnRequest
    var parentMask = sigset_t()
    var error: Int32 = 0
    var lineCount = 0
    var line = InlineArray<8192, UInt8>(repeating: 0)
}

/// posix_spawn done here, not in glibc, because glibc's child executes by
/// path with its hidden __execve, which nothing can interpose: a file
/// checked in the parent could be swapped before that exec.
///
/// Like glibc (sysdeps/unix/sysv/linux/spawni.c): a clone(CLONE_VM |
/// CLONE_VFORK) child on its own stack, all signals blocked around it, the
/// child resetting handlers, applying attributes and then file actions in
/// order, and reporting an errno through shared memory. The difference is
/// the last step: the child opens, verifies and executes the file by
/// descriptor through the Gate, after the file actions, so a PATH search
/// sees the child's working directory (addchdir_np) and a file action
/// cannot close the descriptor that is executed (it is opened after
/// addclosefrom_np has run).
enum Spawn {
    /// Returns 0 and the pid (and pidfd), or an errno.
    static func start(_ request: SpawnRequest, _ pid: inout pid_t, _ pidfd: inout Int32) -> Int32 {
        let unsupported = ~Int32(0xff)
        if request.attributes.flags & unsupported != 0 {
            // POSIX_SPAWN_SETCGROUP (glibc 2.39) needs clone3 with
            // CLONE_INTO_CGROUP; refuse rather than ignore it.
            return ENOTSUP
        }
        // Load the policy here, in the caller, so the child finds it published.
        _ = PolicyState.current()
        var shared = SpawnShared(request: request)
        var argc = 0
        if let argv = request.argv { while argv[argc] != nil { argc += 1 } }
        // The Gate's own frames need under 100 KiB; the argv and envp copies
        // go on top, as large as the Gate may make them.
        let copies = (argc + 16) * 8 + ChildEnvironment.current.space(request.envp) + 64
        if copies > Gate.maxArrays { return E2BIG }
        let stackSize = ((256 << 10) + copies + 4095) & ~4095
        guard let stack = SpawnStack.take(stackSize) else { return ENOMEM }
        var all = sigset_t()
        lwcr_sigfillset(&all)
        _ = lwcr_sigprocmask(SIG_BLOCK, &all, &shared.parentMask)
        var fd: Int32 = -1
        let child = lwcr_clone_vfork({ raw in
            Spawn.child(raw!.assumingMemoryBound(to: SpawnShared.self))
        }, stack + (stackSize <= SpawnStack.keptSize ? SpawnStack.keptSize : stackSize), &shared, request.wantPidfd ? CLONE_PIDFD : 0, &fd)
        var e: Int32 = 0
        if child < 0 {
            e = -child
        } else if shared.error != 0 {
            e = shared.error
            var status: Int32 = 0
            while lwcr_wait4(child, &status, 0) == -EINTR {}
            if request.wantPidfd && fd >= 0 { _ = lwcr_close(fd) }
        } else {
            pid = child
            pidfd = fd
        }
        SpawnStack.give(stack, stackSize)
        _ = lwcr_sigprocmask(SIG_SETMASK, &shared.parentMask, nil)
        if shared.lineCount > 0 {
            withUnsafeBytes(of: &shared.line) { b in
                let line = Bytes(UnsafeRawBufferPointer(rebasing: b[0..<shared.lineCount]))
                if let sink = request.lineSink { sink(request.lineContext, line.base, line.count) } else { Log.emit(line) }
            }
        }
        return e
    }


    /// The vfork child. It shares the caller's memory and must not return
    /// to the caller's stack: it execs or exits.
    static func child(_ shared: UnsafeMutablePointer<SpawnShared>) -> Int32 {
        var e = prepare(shared)
        if e == 0 {
            let r = shared.pointee.request
            e = withUnsafeMutableBytes(of: &shared.pointee.line) { line in
                withUnsafeMutablePointer(to: &shared.pointee.lineCount) { lineCount in
                    var report = Report(shared: line, sharedCount: lineCount)
                    report.requirement = r.requirement
                    report.denial = r.denial
                    let launch = Launch(argv: r.argv, envp: r.envp, report: report, shellFallback: false)
                    // Already on a stack of its own.
                    return r.search ? PathSearch.executeHere(r.path, launch)
                                    : Gate.executeHere(dirfd: AT_FDCWD, path: r.path, noFollow: false, launch)
                }
            }
        }
        shared.pointee.error = e
        lwcr_exit(127)
        return 127
    }

    /// Signals, attributes and file actions, in glibc's order.
    static func prepare(_ shared: UnsafeMutablePointer<SpawnShared>) -> Int32 {
        let a = shared.pointee.request.attributes
        // No handler of the caller's may run here, on its memory.
        var sig: Int32 = 1
        while sig < 65 {
            if a.flags & Int32(POSIX_SPAWN_SETSIGDEF) != 0 && withUnsafePointer(to: a.defaults, { lwcr_sigismember($0, sig) }) {
                _ = lwcr_sig_set_default(sig)
            } else if sig == 32 || sig == 33 {
                // glibc's own signals (cancellation, setxid) are ignored in
                // its spawn children, and stay so across the exec.
                _ = lwcr_sig_set_ignored(sig)
            } else if lwcr_sig_has_handler(sig) {
                _ = lwcr_sig_set_default(sig)
            }
            sig += 1
        }
        var params = a.schedulingParameters
        if a.flags & Int32(POSIX_SPAWN_SETSCHEDULER) != 0 {
            let r = lwcr_sched_setscheduler(a.schedulingPolicy, &params)
            if r < 0 { return -r }
        } else if a.flags & Int32(POSIX_SPAWN_SETSCHEDPARAM) != 0 {
            let r = lwcr_sched_setparam(&params)
            if r < 0 { return -r }
        }
        if a.flags & Int32(POSIX_SPAWN_SETSID) != 0 {
            let r = lwcr_setsid()
            if r < 0 { return -r }
        }
        if a.flags & Int32(POSIX_SPAWN_SETPGROUP) != 0 {
            let r = lwcr_setpgid(0, a.group)
            if r < 0 { return -r }
        }
        if a.flags & Int32(POSIX_SPAWN_RESETIDS) != 0 {
            var r = lwcr_seteuid_raw(lwcr_getuid())
            if r == 0 { r = lwcr_setegid_raw(lwcr_getgid()) }
            if r < 0 { return -r }
        }
        let e = FileActions.apply(shared.pointee.request)
        if e != 0 { return e }
        if a.flags & Int32(POSIX_SPAWN_SETSIGMASK) != 0 {
            var mask = a.mask
            _ = lwcr_sigprocmask(SIG_SETMASK, &mask, nil)
        } else {
            _ = lwcr_sigprocmask(SIG_SETMASK, &shared.pointee.parentMask, nil)
        }
        return 0
    }
}

/// The child's stack. One of the usual size is kept for the next spawn:
/// its pages are then already there, where a fresh mapping would fault in
/// every page the child touches (about a tenth of a spawn's cost here).
/// Taken and given back with compare-and-swap, so concurrent spawns (or a
/// fork child that inherited it taken) simply map their own.
enum SpawnStack {
    static let keptSize = 1 << 20

    static func take(_ size: Int) -> UnsafeMutableRawPointer? {
        let slot = lwcr_state_spawn_stack()!
        if size <= keptSize, let kept = lwcr_atomic_load_ptr(slot), lwcr_atomic_cas_ptr(slot, kept, nil) { return kept }
        let length = size <= keptSize ? keptSize : size
        guard let stack = lwcr_mmap(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0) else {
            return nil
        }
        // A guard page: the child shares our memory, so an overflow must
        // fault, not write into whatever lies below.
        _ = lwcr_mprotect(stack, 4096, PROT_NONE)
        return stack
    }

    static func give(_ stack: UnsafeMutableRawPointer, _ size: Int) {
        if size <= keptSize && lwcr_atomic_cas_ptr(lwcr_state_spawn_stack()!, nil, stack) { return }
        _ = lwcr_munmap(stack, size <= keptSize ? keptSize : size)
    }
}

/// The caller's posix_spawn_file_actions_t, applied as glibc applies them.
enum FileActions {
    static func apply(_ request: SpawnRequest) -> Int32 {
        let count = Int(lwcr_file_actions_count(request.actions))
        if count > 0, let list = lwcr_file_actions(request.actions) {
            var i = 0
            while i < count {
                let e = applyOne(list[i])
                if e != 0 { return e }
                i += 1
            }
        }
        if let (from, to) = request.pipe {
            let e = dup2(from, to)
            if e != 0 { return e }
        }
        if request.closePopenStreams { PopenStreams.closeAllInChild(except: request.pipe?.1 ?? -1) }
        return 0
    }

    static func applyOne(_ action: lwcr_spawn_action) -> Int32 {
        switch action.tag {
        case Int32(lwcr_spawn_do_close.rawValue):
            let fd = action.action.close_action.fd
            // glibc: closing a descriptor that is not open is not an error.
            if lwcr_close(fd) != 0 && fd < 0 { return EBADF }
            return 0
        case Int32(lwcr_spawn_do_dup2.rawValue):
            return dup2(action.action.dup2_action.fd, action.action.dup2_action.newfd)
        case Int32(lwcr_spawn_do_open.rawValue):
            let o = action.action.open_action
            // As glibc: the target descriptor is closed first (a process at
            // its descriptor limit, single-open devices).
            _ = lwcr_close(o.fd)
            let fd = lwcr_openat(AT_FDCWD, o.path, o.oflag, Int32(o.mode))
            if fd < 0 { return -fd }
            if fd != o.fd {
                let r = lwcr_dup2(fd, o.fd)
                _ = lwcr_close(fd)
                if r < 0 { return -r }
            }
            return 0
        case Int32(lwcr_spawn_do_chdir.rawValue):
            let r = lwcr_chdir(action.action.chdir_action.path)
            return r < 0 ? -r : 0
        case Int32(lwcr_spawn_do_fchdir.rawValue):
            let r = lwcr_fchdir(action.action.fchdir_action.fd)
            return r < 0 ? -r : 0
        case Int32(lwcr_spawn_do_closefrom.rawValue):
            let r = lwcr_close_range(UInt32(action.action.closefrom_action.from), UInt32.max)
            return r < 0 ? -r : 0
        case Int32(lwcr_spawn_do_tcsetpgrp.rawValue):
            let group = lwcr_getpgid(0)
            if group < 0 { return -group }
            let r = lwcr_tcsetpgrp(action.action.setpgrp_action.fd, group)
            return r < 0 ? -r : 0
        default:
            // A file action newer than this library: refuse, never skip.
            return ENOTSUP
        }
    }

    /// dup2, where dup2(fd, fd) clears close-on-exec (glibc 2.29+).
    static func dup2(_ from: Int32, _ to: Int32) -> Int32 {
        if from == to {
            let flags = lwcr_getfd(from)
            if flags < 0 { return -flags }
            let r = lwcr_setfd(from, flags & ~FD_CLOEXEC)
            return r < 0 ? -r : 0
        }
        let r = lwcr_dup2(from, to)
        return r < 0 ? -r : 0
    }
}
