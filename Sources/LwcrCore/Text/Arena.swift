/// A bump allocator over memory the caller provides (a private anonymous
/// mapping in the library, any buffer in tests).
///
/// The policy is loaded on the launch path, possibly in a vfork child where
/// malloc may deadlock, so it is built here instead. Nothing is freed one by
/// one: the whole arena goes at once.
public struct Arena {
    public let base: UnsafeMutableRawPointer
    public let capacity: Int
    public private(set) var used: Int = 0
    /// Where scratch space begins: it is taken from the end, so that what a
    /// load keeps is `base..<used` in one piece (a compiled snapshot's image).
    public private(set) var top: Int

    public init(base: UnsafeMutableRawPointer, capacity: Int) {
        self.base = base
        self.capacity = capacity
        self.top = capacity
    }

    /// Room for `count` values needed only while something is loaded
    /// (the list of a layer's files), from the end of the arena.
    public mutating func scratch<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T>? {
        let size = MemoryLayout<T>.stride * (count > 0 ? count : 1)
        if count < 0 || size > top - used { return nil }
        let start = (top - size) & ~(MemoryLayout<T>.alignment - 1)
        if start < used { return nil }
        top = start
        return (base + start).bindMemory(to: T.self, capacity: count > 0 ? count : 1)
    }

    public mutating func allocate<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T>? {
        let align = MemoryLayout<T>.alignment
        let start = (used + align - 1) & ~(align - 1)
        let size = MemoryLayout<T>.stride * (count > 0 ? count : 1)
        if count < 0 || start > top || size > top - start { return nil }
        used = start + size
        return (base + start).bindMemory(to: T.self, capacity: count > 0 ? count : 1)
    }

    /// Room for `count` bytes plus a NUL, so the copy can be passed to the kernel.
    public mutating func bytes(count: Int) -> UnsafeMutablePointer<UInt8>? {
        guard let p = allocate(UInt8.self, count: count + 1) else { return nil }
        p[count] = 0
        return p
    }

    /// Everything still free (up to `limit` bytes), for a read of unknown
    /// length; `shrink` then gives back what it did not use.
    public mutating func rest(limit: Int) -> (UnsafeMutablePointer<UInt8>, Int)? {
        let room = top - used - 1
        if room <= 0 { return nil }
        let n = room < limit ? room : limit
        guard let p = bytes(count: n) else { return nil }
        return (p, n)
    }

    /// Frees everything allocated since `mark` (an earlier `used`).
    public mutating func reset(to mark: Int) { used = mark }

    /// Keeps `count` bytes (and a NUL) at `p`, the latest allocation.
    public mutating func shrink(_ p: UnsafeMutablePointer<UInt8>, to count: Int) {
        used = UnsafeMutableRawPointer(p) - base + count + 1
        p[count] = 0
    }

    public mutating func copy(_ b: Bytes) -> Bytes? {
        guard let p = bytes(count: b.count) else { return nil }
        if b.count > 0 { p.update(from: b.base.unsafelyUnwrapped, count: b.count) }
        return Bytes(UnsafePointer(p), count: b.count)
    }
}
