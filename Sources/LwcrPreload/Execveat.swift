import CInterpose

/// execveat(2), including AT_EXECVE_CHECK (Linux 6.14), which asks whether
/// a file may be executed: the policy answers too, and nothing runs.
@_cdecl("execveat")
public func interposed_execveat(_ dirfd: Int32, _ path: UnsafePointer<CChar>?, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                          _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?, _ flags: Int32) -> Int32 {
    let executeCheck = LWCR_AT_EXECVE_CHECK
    guard let path else { return failure(EFAULT) }
    if flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | executeCheck) != 0 { return failure(EINVAL) }
    let launch = Launch(argv: argv, envp: envp, report: .direct, shellFallback: false)
    if flags & executeCheck != 0 {
        return ExecuteCheck.check(dirfd, path, flags, launch)
    }
    if path[0] == 0 {
        if flags & AT_EMPTY_PATH == 0 { return failure(ENOENT) }
        return failure(Gate.execute(descriptor: dirfd, launch))
    }
    return failure(Gate.execute(dirfd: dirfd, path: path, noFollow: flags & AT_SYMLINK_NOFOLLOW != 0, launch))
}

/// execveat(AT_EXECVE_CHECK): the walk of a launch, explaining instead of
/// executing (Explain), so the answer covers what a launch would check
/// (interpreters, the loader's program, sealed copies) and ends with the
/// kernel's own answer for the very descriptor that was judged.
enum ExecuteCheck {
    static func check(_ dirfd: Int32, _ path: UnsafePointer<CChar>, _ flags: Int32, _ launch: Launch) -> Int32 {
        switch PolicyState.current() {
        case .none:
            let r = lwcr_execveat(dirfd, path, launch.argv, launch.envp, flags)
            return r < 0 ? failure(-r) : r
        case .unavailable:
            Gate.deny(unavailable: Bytes(cString: path), launch)
            return failure(EACCES)
        case .policy(let policy):
            // A kernel without the flag refuses it before anything else.
            let saved = lwcr_get_errno()
            if lwcr_execve_check(-1) == -EINVAL { return failure(EINVAL) }
            if path[0] == 0 && flags & AT_EMPTY_PATH == 0 { return failure(ENOENT) }
            var st = stat()
            if path[0] == 0 && lwcr_fstat(dirfd, &st) != 0 { return failure(EBADF) }
            var asking = launch
            asking.report.explain = Explain(context: nil, judging: nil, line: nil)  // log as a launch would
            let target: Gate.Target = path[0] == 0 ? .descriptor(dirfd) : .path(dirfd, path, flags & AT_SYMLINK_NOFOLLOW != 0)
            let e = Gate.run(target, policy.pointee, asking)
            if e != 0 { return failure(e) }
            lwcr_set_errno(saved)  // the kernel leaves errno alone on success
            return 0
        }
    }
}
