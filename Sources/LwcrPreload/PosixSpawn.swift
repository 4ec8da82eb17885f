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
