import CInterpose

/// pidfd_spawn (glibc 2.39): posix_spawn returning a pidfd. Defined here
/// whatever the running glibc, since our spawn does not call glibc's; a
/// program linked against an older glibc never references it.
@_cdecl("pidfd_spawn")
public func interposed_pidfd_spawn(_ pidfd: UnsafeMutablePointer<Int32>?, _ path: UnsafePointer<CChar>?,
                                   _ actions: UnsafePointer<posix_spawn_file_actions_t>?,
                                   _ attr: UnsafePointer<posix_spawnattr_t>?,
                                   _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let path else { return EFAULT }
    var request = SpawnRequest(path: path, search: false, actions: actions, attributes: SpawnAttributes(attr), argv: argv, envp: envp)
    request.wantPidfd = true
    return spawnEntry(request, nil, pidfd)
}
