import CInterpose

/// execveat(2), including AT_EXECVE_CHECK (Linux 6.14), which asks whether
/// a file may be executed: the policy answers too, and nothing runs.
@_cdecl("execveat")
public func interposed_execveat(_ dirfd: Int32, _ path: UnsafePointer<CChar>?, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                          _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?, _ flags: Int32) -> Int32 {
    let executeCheck: Int32 = 0x10000
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

enum ExecuteCheck {
    static func check(_ dirfd: Int32, _ path: UnsafePointer<CChar>, _ flags: Int32, _ launch: Launch) -> Int32 {
        let policy: UnsafePointer<Policy>
        switch PolicyState.current() {
        case .none:
            let r = lwcr_execveat(dirfd, path, launch.argv, launch.envp, flags)
            return r < 0 ? failure(-r) : r
        case .unavailable:
            Gate.deny(unavailable: Bytes(cString: path), launch)
            return failure(EACCES)
        case .policy(let p):
            policy = p
        }
        // Whoever asks will then run the file itself: any doubt is a no.
        var name = InlineArray<4097, UInt8>(repeating: 0)
        let refused = withUnsafeMutableBytes(of: &name) { b -> Int32 in
            var count = 0
            let fd = path[0] == 0 ? dirfd : Gate.open(dirfd, path, flags & AT_SYMLINK_NOFOLLOW != 0, b, &count)
            if fd == PathWalk.unnamed { count = -1 } else if fd < 0 { return -fd }
            if path[0] == 0 { count = PathWalk.nameOf(fd, b) }
            let ok = Gate.verify(fd, count < 0 ? Bytes(cString: path) : Bytes(UnsafeRawBufferPointer(rebasing: b[0..<count])),
                                 named: count >= 0, policy.pointee, launch.report, via: .empty)
            if path[0] != 0 && fd >= 0 { _ = lwcr_close(fd) }
            return ok ? 0 : EACCES
        }
        if refused != 0 { return failure(refused) }
        let r = lwcr_execveat(dirfd, path, launch.argv, launch.envp, flags)
        return r < 0 ? failure(-r) : r
    }
}
