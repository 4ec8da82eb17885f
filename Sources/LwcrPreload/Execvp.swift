import CInterpose

@_cdecl("execvp")
public func interposed_execvp(_ file: UnsafePointer<CChar>?, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    interposed_execvpe(file, argv, UnsafePointer(lwcr_environ()))
}
