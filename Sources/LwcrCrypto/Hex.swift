/// Hex digits, both ways: the project's one codec (digests in policy words
/// and log lines, fs-verity digests, `\xHH` escapes). Arithmetic, no table:
/// a string would need the runtime.
public enum Hex {
    /// The value of an ASCII hex digit of either case, or nil.
    @inline(__always)
    public static func value(_ c: UInt8) -> UInt8? {
        if c >= 0x30 && c <= 0x39 { return c &- 0x30 }        // '0'...'9'
        if c >= 0x61 && c <= 0x66 { return c &- 0x61 &+ 10 }  // 'a'...'f'
        if c >= 0x41 && c <= 0x46 { return c &- 0x41 &+ 10 }  // 'A'...'F'
        return nil
    }

    /// The lowercase digit for a nibble (0...15).
    @inline(__always)
    public static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 &+ nibble : 0x61 &- 10 &+ nibble
    }

    /// Whether every byte is a hex digit.
    public static func isHex(_ b: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i < b.count {
            if value(b[i]) == nil { return false }
            i += 1
        }
        return true
    }
}
