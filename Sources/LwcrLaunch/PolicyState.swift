import CInterpose

/// What a launch is judged by.
enum PolicyInForce {
    /// No system directory and no LWCR_POLICY: allow everything, say nothing.
    case none
    case policy(UnsafePointer<Policy>)
    /// The policy could not even be given memory: deny, never allow.
    case unavailable
}

/// The policy in force, loaded by the first launch that needs it, and
/// again by the first launch after a compiled layer of it was superseded.
///
/// Lock-free: whoever finds no policy (or a superseded one) loads one into
/// a fresh mapping and tries to publish it; a loser unmaps its copy and
/// uses the winner's. A fork child whose parent was loading simply loads
/// its own, so no launch ever waits on a thread that may not exist.
///
/// A superseded policy stays mapped until the process exits: another
/// thread may be judging a launch by it, and knowing when none is would
/// take a count that vfork children, which share the memory and never
/// return, would leave raised. Its private part is a few pages (the arena
/// is trimmed); its snapshot's pages are the page cache's, which the
/// kernel may reclaim, but the file's blocks stay allocated while a
/// process maps it, as a deleted file's do while it is open.
enum PolicyState {
    static let arenaSize = 64 << 20
    /// Published when there is no policy at all.
    static var nothing: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 1)! }

    static func current() -> PolicyInForce {
        let slot = lwcr_state_policy()!
        var seen = lwcr_atomic_load_ptr(slot)
        if let p = seen {
            if p == nothing || !p.assumingMemoryBound(to: Policy.self).pointee.superseded { return view(p) }
        }
        // Three tries: a snapshot superseded again while it was loaded (one
        // that stays superseded is an error of its own: Snapshot.open).
        var attempt = 0
        while true {
            var failed = false
            let loaded = load(&failed)
            if failed { return .unavailable }
            attempt += 1
            if let loaded, attempt < 3, loaded.assumingMemoryBound(to: Policy.self).pointee.superseded {
                release(loaded)
                continue
            }
            if lwcr_atomic_cas_ptr(slot, seen, loaded ?? nothing) { return view(loaded ?? nothing) }
            if let loaded { release(loaded) }
            seen = lwcr_atomic_load_ptr(slot)
            return view(seen!)
        }
    }

    /// Unmaps a loaded policy that was never published.
    static func release(_ p: UnsafeMutableRawPointer) {
        let policy = p.assumingMemoryBound(to: Policy.self).pointee
        PolicyLoader.releaseSnapshots(policy)
        _ = lwcr_munmap(p, policy.mappedSize)
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
        // Nothing is allocated after the load: the rest goes back.
        let kept = (arena.used + 4095) & ~4095
        if kept < size { _ = lwcr_munmap(base + kept, size - kept) }
        var published = policy
        published.mappedSize = kept < size ? kept : size
        header.initialize(to: published)
        return base
    }
}
