import CInterpose

/// Called once by the C constructor: records, before the program can
/// change its environment, which library and which policy layers every
/// launch of this process must carry on to its children.
@_cdecl("lwcr_init")
public func lwcr_init() {
    let capacity = lwcr_state_capacity()
    let library = lwcr_state_library()!
    if lwcr_self_path(library, capacity) != 0 || !loadedFromPreloadVariable(Bytes(cString: library)) {
        library[0] = 0
    } else if library[0] != CChar(UInt8(ascii: "/")) {
        _ = absolutize(library, capacity)
    }
    ProcessStart.capture(secure: lwcr_secure_execution())
}
