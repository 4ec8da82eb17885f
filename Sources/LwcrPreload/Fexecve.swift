import CInterpose

/// fexecve(3): the caller already holds the file open.
@_cdecl("fexecve")
public func interposed_fexecve(_ fd: Int32, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                         _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    if fd < 0 || argv == nil || envp == nil { return failure(EINVAL) }
    let launch = Launch(argv: argv, envp: envp, report: .direct, shellFallback: false)
    return failure(Gate.execute(descriptor: fd, launch))
}
