import CInterpose

@_cdecl("posix_spawn")
public func interposed_posix_spawn(_ pid: UnsafeMutablePointer<pid_t>?, _ path: UnsafePointer<CChar>?,
                                   _ actions: UnsafePointer<posix_spawn_file_actions_t>?,
                                   _ attr: UnsafePointer<posix_spawnattr_t>?,
                                   _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let path else { return EFAULT }
    let request = SpawnRequest(path: path, search: false, actions: actions, attributes: SpawnAttributes(attr), argv: argv, envp: envp)
    return spawnEntry(request, pid, nil)
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
