import CInterpose

@_cdecl("pidfd_spawnp")
public func interposed_pidfd_spawnp(_ pidfd: UnsafeMutablePointer<Int32>?, _ file: UnsafePointer<CChar>?,
                                    _ actions: UnsafePointer<posix_spawn_file_actions_t>?,
                                    _ attr: UnsafePointer<posix_spawnattr_t>?,
                                    _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                                    _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let file else { return EFAULT }
    var request = SpawnRequest(path: file, search: true, actions: actions, attributes: SpawnAttributes(attr), argv: argv, envp: envp)
    request.wantPidfd = true
    return spawnEntry(request, nil, pidfd)
}
