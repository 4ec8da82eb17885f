import CInterpose
import XCTest
@testable import LwcrCoreHosted

final class SHA256AcceleratedTests: XCTestCase {
    /// SHA-NI and the portable code give the same digest for every length
    /// from 0 to 300 and for a multi-block random input, split anywhere.
    func testAcceleratedMatchesPortable() throws {
        if lwcr_sha256_accelerated() == 0 { throw XCTSkip("this CPU has no SHA extensions: only the portable code runs here") }
        var rng = SystemRandomNumberGenerator()
        let data = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        func digest(_ bytes: ArraySlice<UInt8>, portable: Bool, split: Int) -> [UInt8] {
            lwcr_sha256_force_portable(portable ? 1 : 0)
            defer { lwcr_sha256_force_portable(0) }
            var h = SHA256()
            let a = Array(bytes)
            a.withUnsafeBytes { b in
                h.update(UnsafeRawBufferPointer(rebasing: b[0..<min(split, a.count)]))
                h.update(UnsafeRawBufferPointer(rebasing: b[min(split, a.count)...]))
            }
            return h.finalize().withUnsafeBytes { Array($0) }
        }
        for n in 0...300 {
            XCTAssertEqual(digest(data[0..<n], portable: true, split: n / 3), digest(data[0..<n], portable: false, split: n / 2), "length \(n)")
        }
        for split in [0, 1, 63, 64, 65, 1000, 4999] {
            XCTAssertEqual(digest(data[...], portable: true, split: 0), digest(data[...], portable: false, split: split), "split \(split)")
        }
    }
}
