import CInterpose

@_cdecl("execv")
public func interposed_execv(_ path: UnsafePointer<CChar>?, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    interposed_execve(path, argv, UnsafePointer(lwcr_environ()))
}
