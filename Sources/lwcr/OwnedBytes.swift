import CInterpose

/// Byte strings the command keeps (names found in a tree, paths read from
/// logs). The command may allocate; the launch path never does.
extension Array where Element == UInt8 {
    init(_ b: Bytes) {
        self.init()
        reserveCapacity(b.count)
        var i = 0
        while i < b.count { append(b[i]); i += 1 }
    }

    /// The bytes as Bytes, NUL-terminated for system calls.
    func withBytes<R>(_ body: (Bytes) -> R) -> R {
        var copy = self
        copy.append(0)
        return copy.withUnsafeBufferPointer { p in
            body(Bytes(p.baseAddress!, count: p.count - 1))
        }
    }

    func withCString<R>(_ body: (UnsafePointer<CChar>) -> R) -> R {
        var copy = self
        copy.append(0)
        return copy.withUnsafeBufferPointer { p in
            body(UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: CChar.self))
        }
    }

    /// Byte order, as `sort` and `LC_ALL=C ls` give it.
    static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var i = 0
        while i < a.count && i < b.count {
            if a[i] != b[i] { return a[i] < b[i] }
            i += 1
        }
        return a.count < b.count
    }
}
