import CInterpose

@_cdecl("posix_spawnp")
public func interposed_posix_spawnp(_ pid: UnsafeMutablePointer<pid_t>?, _ file: UnsafePointer<CChar>?,
                                    _ actions: UnsafePointer<posix_spawn_file_actions_t>?,
                                    _ attr: UnsafePointer<posix_spawnattr_t>?,
                                    _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                                    _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let file else { return EFAULT }
    let request = SpawnRequest(path: file, search: true, actions: actions, attributes: SpawnAttributes(attr), argv: argv, envp: envp)
    return spawnEntry(request, pid, nil)
}
