/// `_IO_popen`: glibc exports popen under this name too (a default
/// version, callable from any program), with the same internal spawn.
@_cdecl("_IO_popen")
public func interposed_IO_popen(_ command: UnsafePointer<CChar>?, _ mode: UnsafePointer<CChar>?) -> OpaquePointer? {
    interposed_popen(command, mode)
}
