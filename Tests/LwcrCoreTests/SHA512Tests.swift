import Foundation
import XCTest

@testable import LwcrCoreHosted

final class SHA512Tests: XCTestCase {
    // MARK: Helpers

    private func digest(_ bytes: [UInt8]) -> SHA512Digest {
        bytes.withUnsafeBytes { SHA512.hash($0) }
    }

    private func digest(_ text: String) -> SHA512Digest {
        digest(Array(text.utf8))
    }

    private func hex(_ d: SHA512Digest) -> String {
        d.withUnsafeBytes { bytes in
            bytes.map { String(format: "%02x", $0) }.joined()
        }
    }

    /// Deterministic bytes covering the whole 0...255 range, so high-bit
    /// bytes and zero bytes are both exercised.
    private func patternBytes(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) }
    }

    // MARK: FIPS 180-4 / NIST example vectors

    /// The one-block message "abc" hashes to the NIST example digest.
    func testAbc() {
        XCTAssertEqual(
            hex(digest("abc")),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
    }

    /// The 896-bit message fills the first block so far that the length spills into a second one.
    func testTwoBlockMessage896Bits() {
        // Fourteen 8-letter windows sliding over "abc...u": 112 bytes = 896 bits.
        let message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
            + "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        XCTAssertEqual(message.utf8.count * 8, 896)
        XCTAssertEqual(
            hex(digest(message)),
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
                + "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909")
    }

    /// The 448-bit message (SHA-256's two-block example) fits one SHA-512 block with its padding.
    func testOneBlockMessage448Bits() {
        XCTAssertEqual(
            hex(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c335"
                + "96fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445")
    }

    /// The empty message hashes to the well-known empty-string digest.
    func testEmpty() {
        XCTAssertEqual(
            hex(digest([])),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                + "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
    }

    /// One million 'a' bytes hash to the NIST long-message digest.
    func testOneMillionA() {
        XCTAssertEqual(
            hex(digest([UInt8](repeating: 0x61, count: 1_000_000))),
            "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
                + "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b")
    }

    // MARK: Incremental hashing

    /// Splitting the input into two updates at any point gives the one-shot digest.
    func testIncrementalEqualsOneShotAtEverySplit() {
        let message = patternBytes(count: 300)
        let expected = digest(message)
        message.withUnsafeBytes { all in
            for split in 0...all.count {
                var hasher = SHA512()
                hasher.update(UnsafeRawBufferPointer(rebasing: all[..<split]))
                hasher.update(UnsafeRawBufferPointer(rebasing: all[split...]))
                XCTAssertEqual(hasher.finalize(), expected, "split at \(split)")
            }
        }
    }

    /// Feeding one byte at a time gives the one-shot digest.
    func testByteAtATimeEqualsOneShot() {
        let message = patternBytes(count: 300)
        var hasher = SHA512()
        message.withUnsafeBytes { all in
            for i in 0..<all.count {
                hasher.update(UnsafeRawBufferPointer(rebasing: all[i..<(i + 1)]))
            }
        }
        XCTAssertEqual(hasher.finalize(), digest(message))
    }

    /// Empty updates anywhere change nothing.
    func testEmptyUpdatesAreNoOps() {
        let message = patternBytes(count: 200)
        var hasher = SHA512()
        message.withUnsafeBytes { all in
            hasher.update(UnsafeRawBufferPointer(start: nil, count: 0))
            hasher.update(UnsafeRawBufferPointer(rebasing: all[..<77]))
            hasher.update(UnsafeRawBufferPointer(rebasing: all[77..<77]))
            hasher.update(UnsafeRawBufferPointer(rebasing: all[77...]))
        }
        XCTAssertEqual(hasher.finalize(), digest(message))
    }

    /// Whole blocks read from an unaligned input pointer hash correctly.
    func testUnalignedInput() {
        let message = patternBytes(count: 128 * 5 + 3)
        let expected = digest(Array(message[1...]))
        message.withUnsafeBytes { all in
            XCTAssertEqual(SHA512.hash(UnsafeRawBufferPointer(rebasing: all[1...])), expected)
        }
    }

    // MARK: Cross-check against coreutils

    /// Every length 0...260 (all padding cases around 1 and 2 blocks) matches sha512sum.
    func testLengths0To260MatchSha512sum() throws {
        let lengths = Array(0...260)
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("sha512tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var paths: [String] = []
        for n in lengths {
            let url = dir.appendingPathComponent("m\(n)")
            try Data(patternBytes(count: n)).write(to: url)
            paths.append(url.path)
        }

        // One sha512sum run for all files keeps the test fast.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha512sum")
        process.arguments = paths
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)

        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.count, lengths.count)
        for (n, line) in zip(lengths, lines) {
            let reference = String(line.prefix(128))
            XCTAssertTrue(line.hasSuffix(paths[n]), "unexpected line order: \(line)")
            XCTAssertEqual(hex(digest(patternBytes(count: n))), reference, "length \(n)")
        }
    }

    // MARK: Digest access and comparison

    /// withUnsafeBytes exposes the 64 raw digest bytes in output order.
    func testWithUnsafeBytesGivesRawDigest() {
        let bytes = digest("abc").withUnsafeBytes { Array($0) }
        XCTAssertEqual(bytes.count, 64)
        XCTAssertEqual(Array(bytes.prefix(4)), [0xdd, 0xaf, 0x35, 0xa1])
        XCTAssertEqual(Array(bytes.suffix(4)), [0xa5, 0x4c, 0xa4, 0x9f])
    }

    /// constantTimeEquals is true for equal digests and false if any single bit differs.
    func testConstantTimeEquals() {
        let a = digest("abc")
        XCTAssertTrue(a.constantTimeEquals(digest("abc")))
        XCTAssertFalse(a.constantTimeEquals(digest("abd")))

        // Flip each bit in turn so every word of the comparison is covered.
        let bytes = a.withUnsafeBytes { Array($0) }
        for bit in 0..<512 {
            var flipped = bytes
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
                = (0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &words) { $0.copyBytes(from: flipped) }
            let b = SHA512Digest(storage: words)
            XCTAssertEqual(b.withUnsafeBytes { Array($0) }, flipped)
            XCTAssertFalse(a.constantTimeEquals(b), "bit \(bit)")
            XCTAssertFalse(a == b, "bit \(bit)")
        }
    }
}
