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
    // In secure-execution mode the environment is an unprivileged
    // caller's (the constructor has removed LWCR_* already): the system
    // layer, the default log (stderr) and the built-in cache are in force,
    // and nothing is carried on to children but the system layer.
    let secure = lwcr_secure_execution()
    if !secure, let value = getenv("LWCR_POLICY") {
        if !copyLayers(Bytes(cString: value), into: lwcr_state_layers()!, capacity) {
            // Too long to carry: a directory that cannot exist denies every launch.
            copy(Bytes("/LWCR_POLICY is too long"), into: lwcr_state_layers()!, capacity)
        }
        if !Bytes(cString: value).equals(Bytes(cString: lwcr_state_layers())) {
            copy(Bytes(cString: value), into: lwcr_state_layers_given()!, capacity)
        }
    }
    // Remembered so that a process which chroots before its first launch
    // does not find "no system policy" there and allow everything.
    var st = stat()
    if lwcr_fstatat(AT_FDCWD, lwcr_system_policy_directory(), &st, 0) == 0 { lwcr_state_system_seen()!.pointee = 1 }
    LogSettings.capture(secure: secure)
    if !secure, let value = getenv(cString("LWCR_LEARN")), Bytes(cString: value).equals("1") { lwcr_state_learning()!.pointee = 1 }
}
