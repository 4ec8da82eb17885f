import CInterpose

/// system(3): `/bin/sh -c COMMAND`, waited for, with SIGINT and SIGQUIT
/// ignored and SIGCHLD blocked in the caller meanwhile. When the shell
/// cannot be started (or is denied), the status is that of a shell that
/// exited 127, as glibc returns.
@_cdecl("system")
public func interposed_system(_ command: UnsafePointer<CChar>?) -> Int32 {
    guard let command else {
        // Whether a shell is available: run "exit 0".
        return interposed_system("exit 0") == 0 ? 1 : 0
    }
    var resetInt: Int32 = 0
    var resetQuit: Int32 = 0
    lwcr_system_signals_enter(&resetInt, &resetQuit)
    var block = sigset_t()
    var old = sigset_t()
    lwcr_sigemptyset(&block)
    lwcr_sigaddset(&block, SIGCHLD)
    _ = lwcr_sigprocmask(SIG_BLOCK, &block, &old)

    var attributes = SpawnAttributes()
    attributes.flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
    lwcr_sigemptyset(&attributes.defaults)
    if resetInt != 0 { lwcr_sigaddset(&attributes.defaults, SIGINT) }
    if resetQuit != 0 { lwcr_sigaddset(&attributes.defaults, SIGQUIT) }
    attributes.mask = old
    var status: Int32 = 0
    let error = Shell.run(command, attributes: attributes) { pid in
        while true {
            let r = lwcr_wait4(pid, &status, 0)
            if r != -EINTR {
                if r < 0 { status = -1 }
                break
            }
        }
    }
    if error != 0 { status = 127 << 8 }
    lwcr_system_signals_leave()
    _ = lwcr_sigprocmask(SIG_SETMASK, &old, nil)
    if error != 0 { lwcr_set_errno(error) }
    return status
}

/// `/bin/sh -c COMMAND` through the spawn engine, so /bin/sh itself is
/// checked and executed by descriptor like any launch.
enum Shell {
    static func run(_ command: UnsafePointer<CChar>, attributes: SpawnAttributes, pipe: (Int32, Int32)? = nil,
                    started: (pid_t) -> Void) -> Int32 {
        let sh: StaticString = "/bin/sh"
        let name: StaticString = "sh"
        let dashC: StaticString = "-c"
        var argv = InlineArray<4, UnsafeMutablePointer<CChar>?>(repeating: nil)
        argv[0] = mutable(name)
        argv[1] = mutable(dashC)
        argv[2] = UnsafeMutablePointer(mutating: command)
        return withUnsafeMutableBytes(of: &argv) { a in
            var request = SpawnRequest(path: UnsafePointer(mutable(sh)), search: false, actions: nil, attributes: attributes,
                                       argv: UnsafePointer(a.baseAddress!.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)),
                                       envp: UnsafePointer(lwcr_environ()))
            request.pipe = pipe
            request.closePopenStreams = pipe != nil
            var pid: pid_t = 0
            var pidfd: Int32 = -1
            let e = Spawn.start(request, &pid, &pidfd)
            if e == 0 { started(pid) }
            return e
        }
    }

    static func mutable(_ s: StaticString) -> UnsafeMutablePointer<CChar> {
        UnsafeMutablePointer(mutating: UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self))
    }
}
