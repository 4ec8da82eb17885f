import CInterpose

/// pclose(3) for streams from our popen: close, then wait for the shell.
/// glibc's pclose cannot do it, since it does not know our children.
@_cdecl("pclose")
public func interposed_pclose(_ stream: OpaquePointer?) -> Int32 {
    guard let stream else { return failure(EINVAL) }
    let pid = PopenStreams.forget(UnsafeMutableRawPointer(stream))
    _ = fclose(UnsafeMutablePointer(stream))
    guard let pid else { return failure(ECHILD) }
    var status: Int32 = 0
    while true {
        let r = lwcr_wait4(pid, &status, 0)
        if r == -EINTR { continue }
        if r < 0 { return failure(-r) }
        return status
    }
}
