import CInterpose

/// Whether LD_PRELOAD names this library (as opposed to /etc/ld.so.preload,
/// which needs no help to reach the children).
func loadedFromPreloadVariable(_ self_: Bytes) -> Bool {
    guard let value = getenv("LD_PRELOAD") else { return false }
    return preloadNames(Bytes(cString: value), self_)
}

/// Whether an LD_PRELOAD value names `library` (by path, or by its file
/// name, which the loader searches for); also lwcr status's question.
func preloadNames(_ value: Bytes, _ library: Bytes) -> Bool {
    value.anyPart(separatedBy: ": ") { entry in
        !entry.isEmpty && (entry.equals(library) || entry.basename.equals(library.basename))
    }
}

/// LWCR_POLICY with relative directories made absolute, so that a child
/// started in another directory reads the same layers.
func copyLayers(_ value: Bytes, into out: UnsafeMutablePointer<CChar>, _ capacity: Int) -> Bool {
    var cwd = InlineArray<4096, UInt8>(repeating: 0)
    return withUnsafeMutableBytes(of: &cwd) { c -> Bool in
        var cwdBytes = Bytes.empty
        var n = 0
        let fits = value.forEachPart(separatedBy: UInt8(ascii: ":")) { dir -> Bool in
            var parts = InlineArray<3, Bytes>(repeating: .empty)
            if dir[0] != UInt8(ascii: "/") {
                if cwdBytes.isEmpty {
                    let p = c.baseAddress!.assumingMemoryBound(to: CChar.self)
                    guard lwcr_getcwd_raw(p, c.count) > 0 else { return false }
                    cwdBytes = Bytes(cString: p)
                }
                parts[0] = cwdBytes
                parts[1] = Bytes("/")
            }
            parts[2] = dir
            if n > 0 { if n + 1 >= capacity { return false }; out[n] = CChar(UInt8(ascii: ":")); n += 1 }
            var k = 0
            while k < 3 {
                let part = parts[k]
                if n + part.count >= capacity { return false }
                var i = 0
                while i < part.count { out[n] = CChar(part[i]); n += 1; i += 1 }
                k += 1
            }
            return true
        }
        out[n] = 0
        return fits
    }
}

func copy(_ value: Bytes, into out: UnsafeMutablePointer<CChar>, _ capacity: Int) {
    var i = 0
    while i < value.count && i + 1 < capacity { out[i] = CChar(value[i]); i += 1 }
    out[i] = 0
}

/// Prefixes the working directory to a relative path, in place.
func absolutize(_ path: UnsafeMutablePointer<CChar>, _ capacity: Int) -> Bool {
    let relative = Bytes(cString: path)
    var saved = InlineArray<4096, UInt8>(repeating: 0)
    return withUnsafeMutableBytes(of: &saved) { s -> Bool in
        if relative.count >= s.count { return false }
        s.copyMemory(from: relative.raw)
        guard lwcr_getcwd_raw(path, capacity) > 0 else { return false }
        var n = Bytes(cString: path).count
        if n + 1 + relative.count >= capacity { return false }
        path[n] = CChar(UInt8(ascii: "/")); n += 1
        var i = 0
        while i < relative.count { path[n] = CChar(s[i]); n += 1; i += 1 }
        path[n] = 0
        return true
    }
}

/// What a process records when it starts, before the program can change
/// its environment: the layers every launch must carry on, whether the
/// system directory exists, the log settings, learn mode. The library's
/// constructor calls it; so does LaunchRequirements, once, in a program
/// that uses it without the preload.
public enum ProcessStart {
    public static func capture(secure: Bool) {
        let capacity = lwcr_state_capacity()
        // In secure-execution mode the environment is an unprivileged
        // caller's (the constructor has removed LWCR_* already): the system
        // layer, the default log (stderr) and the built-in cache are in force,
        // and nothing is carried on to children but the system layer.
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
}
