import CInterpose

// How results leave the library: each interposed function reports the way
// its libc counterpart does.

/// The public edge: -1 with errno.
func failure(_ e: Int32) -> Int32 {
    lwcr_set_errno(e)
    return -1
}

/// posix_spawn's edge: an errno as the result, never -1; the pid stored
/// only on success; no child left behind on failure.
func spawnEntry(_ request: SpawnRequest, _ pid: UnsafeMutablePointer<pid_t>?, _ pidfd: UnsafeMutablePointer<Int32>?) -> Int32 {
    var child: pid_t = 0
    var fd: Int32 = -1
    let e = Spawn.start(request, &child, &fd)
    if e == 0 {
        pid?.pointee = child
        pidfd?.pointee = fd
    }
    return e
}
