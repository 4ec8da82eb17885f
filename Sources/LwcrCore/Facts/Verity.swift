import CInterpose

/// `fsverity=HEX`: the digest the kernel measured for an fs-verity file
/// (FS_IOC_MEASURE_VERITY). The kernel verifies every page read against it,
/// so unlike a content hash it also holds for what is executed later. Where
/// the kernel or filesystem lacks fs-verity, or the file has none, the fact
/// is false and says so.
enum Verity {
    static func matches(_ fd: Int32, _ expected: Bytes, _ why: inout Finding) -> Bool {
        var digest = InlineArray<64, UInt8>(repeating: 0)
        var algorithm: UInt32 = 0
        let size = withUnsafeMutableBytes(of: &digest) { d in
            lwcr_measure_verity(fd, d.baseAddress!.assumingMemoryBound(to: UInt8.self), &algorithm)
        }
        if size < 0 {
            why.reason = .noVerity
            why.errno = Int32(-size)
            return false
        }
        why.reason = .verityMismatch
        if Int(size) * 2 != expected.count { return false }
        var difference: UInt8 = 0
        var i = 0
        while i < Int(size) {
            // The parser admitted only hex digits (Hex.isHex).
            let hi = Hex.value(expected[2 * i]) ?? 0, lo = Hex.value(expected[2 * i + 1]) ?? 0
            difference |= (hi << 4 | lo) ^ digest[i]
            i += 1
        }
        return difference == 0
    }
}
