import CInterpose

/// execve(2), the primitive every exec-family function reduces to.
@_cdecl("execve")
public func interposed_execve(_ path: UnsafePointer<CChar>?, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                        _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let path else { return failure(EFAULT) }
    let launch = Launch(argv: argv, envp: envp, report: .direct, shellFallback: false)
    return failure(Gate.execute(dirfd: AT_FDCWD, path: path, noFollow: false, launch))
}
