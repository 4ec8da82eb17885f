import CInterpose

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
