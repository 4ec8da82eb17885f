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
