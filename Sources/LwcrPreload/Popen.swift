import CInterpose

/// popen(3): a pipe to `/bin/sh -c COMMAND`. Mode "r" or "w", optionally
/// followed by "e" (close-on-exec). NULL with errno on failure, EACCES
/// when the shell is denied.
@_cdecl("popen")
public func interposed_popen(_ command: UnsafePointer<CChar>?, _ mode: UnsafePointer<CChar>?) -> OpaquePointer? {
    guard let command, let mode else {
        lwcr_set_errno(EINVAL)
        return nil
    }
    // As glibc reads the mode: any of r, w, e, in any order; exactly one of r and w.
    let m = Bytes(cString: mode)
    var reading = false
    var writing = false
    var cloexec = false
    var i = 0
    while i < m.count {
        switch m[i] {
        case UInt8(ascii: "r"): reading = true
        case UInt8(ascii: "w"): writing = true
        case UInt8(ascii: "e"): cloexec = true
        default:
            lwcr_set_errno(EINVAL)
            return nil
        }
        i += 1
    }
    if reading == writing {
        lwcr_set_errno(EINVAL)
        return nil
    }
    var fds = InlineArray<2, Int32>(repeating: -1)
    let r = withUnsafeMutableBytes(of: &fds) { lwcr_pipe2($0.baseAddress!.assumingMemoryBound(to: Int32.self), O_CLOEXEC) }
    if r < 0 {
        lwcr_set_errno(-r)
        return nil
    }
    let parentEnd = reading ? fds[0] : fds[1]
    let childEnd = reading ? fds[1] : fds[0]
    var pid: pid_t = 0
    let e = Shell.run(command, attributes: SpawnAttributes(), pipe: (childEnd, reading ? 1 : 0)) { pid = $0 }
    _ = lwcr_close(childEnd)
    if e != 0 {
        _ = lwcr_close(parentEnd)
        lwcr_set_errno(e)
        return nil
    }
    let modeString: StaticString = reading ? "r" : "w"
    guard let file = fdopen(parentEnd, cString(modeString)) else {
        _ = lwcr_close(parentEnd)
        var status: Int32 = 0
        while lwcr_wait4(pid, &status, 0) == -EINTR {}
        lwcr_set_errno(ENOMEM)
        return nil
    }
    if !PopenStreams.remember(UnsafeMutableRawPointer(file), pid: pid, fd: parentEnd) {
        _ = fclose(file)
        var status: Int32 = 0
        while lwcr_wait4(pid, &status, 0) == -EINTR {}
        lwcr_set_errno(EMFILE)
        return nil
    }
    // Inheritable only now that the table lists it: a popen child started
    // meanwhile by another thread closes it, or never had it.
    if !cloexec { _ = lwcr_setfd(parentEnd, 0) }
    return OpaquePointer(file)
}
