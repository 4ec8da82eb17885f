import CInterpose

/// execvpe(3): PATH search, and /bin/sh for a file the kernel cannot run.
@_cdecl("execvpe")
public func interposed_execvpe(_ file: UnsafePointer<CChar>?, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                         _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let file else { return failure(EFAULT) }
    let launch = Launch(argv: argv, envp: envp, report: .direct, shellFallback: true)
    return failure(PathSearch.execute(file, launch))
}
