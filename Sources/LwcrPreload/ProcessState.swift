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
    if !secure, let value = getenv("LWCR_LOG") {
        copy(Bytes(cString: value), into: lwcr_state_log()!, capacity)
    }
}

/// Whether LD_PRELOAD names this library (as opposed to /etc/ld.so.preload,
/// which needs no help to reach the children).
func loadedFromPreloadVariable(_ self_: Bytes) -> Bool {
    guard let value = getenv("LD_PRELOAD") else { return false }
    return Bytes(cString: value).anyPart(separatedBy: ": ") { entry in
        !entry.isEmpty && (entry.equals(self_) || entry.basename.equals(self_.basename))
    }
}

/// LWCR_POLICY with relative directories made absolute, so that a child
/// started in another directory reads the same layers.
func copyLayers(_ value: Bytes, into out: UnsafeMutablePointer<CChar>, _ capacity: Int) -> Bool {
    var cwd = InlineArray<4096, UInt8>(repeating: 0)
    return withUnsafeMutableBytes(of: &cwd) { c -> Bool in
        var cwdBytes = Bytes.empty
        var n = 0
        var start = 0
        while start <= value.count {
            let end = value.firstIndex(of: UInt8(ascii: ":"), from: start) ?? value.count
            let dir = value.slice(start, end)
            start = end + 1
            if dir.isEmpty { continue }
            var parts = InlineArray<3, Bytes>(repeating: .empty)
            if dir[0] != UInt8(ascii: "/") {
                if cwdBytes.isEmpty {
                    let p = c.baseAddress!.assumingMemoryBound(to: CChar.self)
                    guard lwcr_getcwd(p, c.count) != nil else { return false }
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
        }
        out[n] = 0
        return true
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
        guard lwcr_getcwd(path, capacity) != nil else { return false }
        var n = Bytes(cString: path).count
        if n + 1 + relative.count >= capacity { return false }
        path[n] = CChar(UInt8(ascii: "/")); n += 1
        var i = 0
        while i < relative.count { path[n] = CChar(s[i]); n += 1; i += 1 }
        path[n] = 0
        return true
    }
}

/// What a launch is judged by.
enum PolicyInForce {
    /// No system directory and no LWCR_POLICY: allow everything, say nothing.
    case none
    case policy(UnsafePointer<Policy>)
    /// The policy could not even be given memory: deny, never allow.
    case unavailable
}

/// The policy in force, loaded by the first launch that needs it.
///
/// Lock-free: whoever finds no policy loads one into a fresh mapping and
/// tries to publish it; a loser unmaps its copy and uses the winner's. A
/// fork child whose parent was loading simply loads its own, so no launch
/// ever waits on a thread that may not exist.
enum PolicyState {
    static let arenaSize = 64 << 20
    /// Published when there is no policy at all.
    static var nothing: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 1)! }

    static func current() -> PolicyInForce {
        let slot = lwcr_state_policy()!
        if let p = lwcr_atomic_load_ptr(slot) { return view(p) }
        var failed = false
        let loaded = load(&failed)
        if failed { return .unavailable }
        if lwcr_atomic_cas_ptr(slot, nil, loaded ?? nothing) { return view(loaded ?? nothing) }
        if let loaded { _ = lwcr_munmap(loaded, loaded.assumingMemoryBound(to: Policy.self).pointee.mappedSize) }
        return view(lwcr_atomic_load_ptr(slot)!)
    }

    static func view(_ p: UnsafeMutableRawPointer) -> PolicyInForce {
        p == nothing ? .none : .policy(UnsafePointer(p.assumingMemoryBound(to: Policy.self)))
    }

    /// A mapping whose start holds the loaded `Policy`, or nil when there is none.
    static func load(_ failed: inout Bool) -> UnsafeMutableRawPointer? {
        let layers = Bytes(cString: lwcr_state_layers())
        let systemBytes = PolicyLoader.systemDirectory
        // Mapped lazily: only the pages the policy fills are ever committed.
        // Smaller where the address space is limited (RLIMIT_AS).
        var size = arenaSize
        var mapped = lwcr_mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        while mapped == nil && size > 1 << 20 {
            size >>= 3
            mapped = lwcr_mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        }
        guard let base = mapped else {
            failed = true
            return nil
        }
        var arena = Arena(base: base, capacity: size)
        let header = arena.allocate(Policy.self, count: 1)!
        let policy = PolicyLoader.load(layers: layers, system: systemBytes, into: &arena,
                                       systemRequired: lwcr_state_system_seen()!.pointee != 0)
        if policy.isEmpty {
            _ = lwcr_munmap(base, size)
            return nil
        }
        var published = policy
        published.mappedSize = size
        header.initialize(to: published)
        return base
    }
}
