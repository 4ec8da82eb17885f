/// `__libc_system`: system under its GLIBC_PRIVATE name, which a program
/// can still bind to.
@_cdecl("__libc_system")
public func interposed_libc_system(_ command: UnsafePointer<CChar>?) -> Int32 {
    interposed_system(command)
}
