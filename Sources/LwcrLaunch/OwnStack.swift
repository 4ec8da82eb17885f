import CInterpose

/// The launch path on a stack of its own where the caller's may be too
/// short for it. A launch needs up to about 100 KiB of stack (a `signed-by=`
/// check, the first launch's policy load), and crash handlers launch
/// reporters from a `sigaltstack` of 8 to 64 KiB, or a program may run
/// under a small RLIMIT_STACK: where the same launch works without lwcr, it
/// must not crash with it.
///
/// Switched only when the remaining stack is known to be short: on an
/// alternate signal stack (sigaltstack says where it is), or on the main
/// thread's stack under its limit. Not always, because in a vfork child the
/// mapping would outlive a successful exec in the parent's memory (the
/// stack kept for spawns is reused, so that is one mapping, not one per
/// launch). Another thread's stack size is not known without allocating
/// (pthread_getattr_np): a thread with a stack under about 100 KiB is out
/// of reach (README: limits).
enum OwnStack {
    /// Less than this left, and the launch moves.
    static let needed: UInt = 160 << 10

    /// Which entry point, with its arguments.
    struct Entry {
        enum Kind { case path, descriptor, search }
        var kind: Kind
        var dirfd: Int32 = AT_FDCWD
        var path: UnsafePointer<CChar>? = nil
        var noFollow = false
        var launch: Launch
    }

    static func run(_ entry: Entry) -> Int32 {
        if !short() { return call(entry) }
        let size = SpawnStack.keptSize
        guard let stack = SpawnStack.take(size) else { return call(entry) }
        var e = entry
        let r = withUnsafeMutablePointer(to: &e) { p in
            lwcr_call_on_stack(stack + size, { context in
                OwnStack.call(context!.assumingMemoryBound(to: Entry.self).pointee)
            }, UnsafeMutableRawPointer(p))
        }
        SpawnStack.give(stack, size)
        return r
    }

    static func call(_ e: Entry) -> Int32 {
        switch e.kind {
        case .path: return Gate.executeHere(dirfd: e.dirfd, path: e.path!, noFollow: e.noFollow, e.launch)
        case .descriptor: return Gate.executeHere(descriptor: e.dirfd, e.launch)
        case .search: return PathSearch.executeHere(e.path!, e.launch)
        }
    }

    /// Whether the stack left is known to be under `needed`.
    static func short() -> Bool {
        let sp = UInt(lwcr_stack_pointer())
        var alternate = stack_t()
        if lwcr_sigaltstack_query(&alternate) == 0 && alternate.ss_flags & Int32(SS_ONSTACK) != 0 {
            let base = UInt(bitPattern: alternate.ss_sp)
            return sp < base || sp - base < needed
        }
        if lwcr_gettid() != lwcr_getpid() { return false }
        let top = UInt(lwcr_state_stack_top()!.pointee)
        if top == 0 || sp > top { return false }
        var limit = rlimit()
        if lwcr_getrlimit_stack(&limit) != 0 || limit.rlim_cur == rlim_t.max { return false }  // RLIM_INFINITY
        let used = top - sp
        // Farther than the limit: not on the main stack (a spawn child's).
        if used >= UInt(limit.rlim_cur) { return false }
        return UInt(limit.rlim_cur) - used < needed
    }
}
