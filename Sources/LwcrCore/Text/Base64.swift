/// Base64 (RFC 4648 section 4) decoding, for SSH keys and signatures.
/// Whitespace is skipped; anything else that is not in the alphabet, or
/// padding in the wrong place, is an error.
public enum Base64 {
    /// Decodes `text` into `out`; the number of bytes, or nil.
    public static func decode(_ text: Bytes, into out: UnsafeMutableRawBufferPointer) -> Int? {
        var n = 0
        var acc: UInt32 = 0
        var bits = 0
        var padding = 0
        var i = 0
        while i < text.count {
            let c = text[i]
            i += 1
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\t") { continue }
            if c == UInt8(ascii: "=") { padding += 1; continue }
            if padding > 0 { return nil }
            guard let v = value(c) else { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                if n >= out.count { return nil }
                out[n] = UInt8(truncatingIfNeeded: acc >> UInt32(bits))
                n += 1
            }
        }
        if padding > 2 || bits >= 6 { return nil }
        return n
    }

    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}

/// The SSH wire format (RFC 4251 section 5): uint32 lengths, big-endian.
public struct WireReader {
    var data: Bytes
    var at = 0

    public init(_ data: Bytes) { self.data = data }

    public var atEnd: Bool { at == data.count }

    public mutating func uint32() -> UInt32? {
        if data.count - at < 4 { return nil }
        let v = UInt32(data[at]) << 24 | UInt32(data[at + 1]) << 16 | UInt32(data[at + 2]) << 8 | UInt32(data[at + 3])
        at += 4
        return v
    }

    public mutating func string() -> Bytes? {
        guard let length = uint32(), Int(length) <= data.count - at else { return nil }
        let s = data.slice(at, at + Int(length))
        at += Int(length)
        return s
    }

    public mutating func raw(_ count: Int) -> Bytes? {
        if data.count - at < count { return nil }
        let s = data.slice(at, at + count)
        at += count
        return s
    }
}

/// Writes the SSH wire format into a fixed buffer.
struct WireWriter {
    let out: UnsafeMutableRawBufferPointer
    var count = 0
    var overflow = false

    init(_ out: UnsafeMutableRawBufferPointer) { self.out = out }

    mutating func raw(_ b: Bytes) {
        if count + b.count > out.count { overflow = true; return }
        var i = 0
        while i < b.count { out[count + i] = b[i]; i += 1 }
        count += b.count
    }

    mutating func string(_ b: Bytes) {
        if count + 4 > out.count { overflow = true; return }
        let n = UInt32(b.count)
        out[count] = UInt8(n >> 24); out[count + 1] = UInt8(truncatingIfNeeded: n >> 16)
        out[count + 2] = UInt8(truncatingIfNeeded: n >> 8); out[count + 3] = UInt8(truncatingIfNeeded: n)
        count += 4
        raw(b)
    }

    var bytes: Bytes { Bytes(UnsafeRawPointer(out.baseAddress!).assumingMemoryBound(to: UInt8.self), count: count) }
}
