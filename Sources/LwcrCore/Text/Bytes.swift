/// A C string from a literal, without Swift's String machinery: passing a
/// string literal where C wants a `const char *` builds a String and, in
/// Embedded Swift, may allocate. The launch path must not.
@inline(__always)
public func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// A borrowed run of bytes: a word of policy text, a path, a directory name.
///
/// The launch path may not allocate, so nothing in the core owns text: a
/// `Bytes` points into an `Arena`, a caller's C string, or a stack buffer,
/// and lives no longer than it.
public struct Bytes: @unchecked Sendable {
    public var base: UnsafePointer<UInt8>?
    public var count: Int

    public init(_ base: UnsafePointer<UInt8>?, count: Int) {
        self.base = base
        self.count = count
    }

    public init(_ buffer: UnsafeRawBufferPointer) {
        self.base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
        self.count = buffer.count
    }

    public init(_ s: StaticString) {
        self.base = s.utf8Start
        self.count = s.utf8CodeUnitCount
    }

    public init(cString: UnsafePointer<CChar>) {
        var n = 0
        while cString[n] != 0 { n += 1 }
        self.base = UnsafeRawPointer(cString).assumingMemoryBound(to: UInt8.self)
        self.count = n
    }

    public static var empty: Bytes { Bytes(nil, count: 0) }

    public var isEmpty: Bool { count == 0 }

    @inline(__always)
    public subscript(i: Int) -> UInt8 { base.unsafelyUnwrapped[i] }

    public func slice(_ from: Int, _ to: Int) -> Bytes {
        Bytes(from == to ? nil : base.unsafelyUnwrapped + from, count: to - from)
    }

    public var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    public func equals(_ other: Bytes) -> Bool {
        if count != other.count { return false }
        var i = 0
        while i < count {
            if self[i] != other[i] { return false }
            i += 1
        }
        return true
    }

    public func equals(_ s: StaticString) -> Bool { equals(Bytes(s)) }

    public func hasPrefix(_ s: StaticString) -> Bool {
        let p = Bytes(s)
        return count >= p.count && slice(0, p.count).equals(p)
    }

    public func hasPrefix(_ p: Bytes) -> Bool { count >= p.count && slice(0, p.count).equals(p) }

    public func hasSuffix(_ s: StaticString) -> Bool {
        let p = Bytes(s)
        return count >= p.count && slice(count - p.count, count).equals(p)
    }

    public func firstIndex(of byte: UInt8, from: Int = 0) -> Int? {
        var i = from
        while i < count {
            if self[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// Calls `body` with each non-empty part between `separator`s (the
    /// directories of LWCR_POLICY, the principals of an allowed signer)
    /// while it returns true; false when it stopped early. `keepEmpty`:
    /// empty parts too (an empty PATH entry is the working directory).
    @discardableResult
    public func forEachPart<E: Error>(separatedBy separator: UInt8, keepEmpty: Bool = false,
                                      _ body: (Bytes) throws(E) -> Bool) throws(E) -> Bool {
        var start = 0
        while start <= count {
            let end = firstIndex(of: separator, from: start) ?? count
            let part = slice(start, end)
            start = end + 1
            if keepEmpty || !part.isEmpty, !(try body(part)) { return false }
        }
        return true
    }

    /// Whether some part between separators (":" and " " in LD_PRELOAD,
    /// "," in allowed_signers) satisfies `test`.
    public func anyPart(separatedBy separators: StaticString, _ test: (Bytes) -> Bool) -> Bool {
        let seps = Bytes(separators)
        var start = 0
        while start <= count {
            var end = start
            while end < count && seps.firstIndex(of: self[end]) == nil { end += 1 }
            if test(slice(start, end)) { return true }
            start = end + 1
        }
        return false
    }

    /// Byte order, as the policy files of a directory are read.
    public func lessThan(_ other: Bytes) -> Bool {
        let n = count < other.count ? count : other.count
        var i = 0
        while i < n {
            if self[i] != other[i] { return self[i] < other[i] }
            i += 1
        }
        return count < other.count
    }

    /// The last path component.
    public var basename: Bytes {
        var i = count
        while i > 0 && self[i - 1] != UInt8(ascii: "/") { i -= 1 }
        return slice(i, count)
    }

    /// A decimal number that fits in 32 bits, nothing else.
    public var decimalUInt32: UInt32? {
        if count == 0 || count > 10 { return nil }
        var v: UInt64 = 0
        var i = 0
        while i < count {
            let c = self[i]
            if c < UInt8(ascii: "0") || c > UInt8(ascii: "9") { return nil }
            v = v * 10 + UInt64(c - UInt8(ascii: "0"))
            i += 1
        }
        return v <= UInt64(UInt32.max) ? UInt32(v) : nil
    }
}
