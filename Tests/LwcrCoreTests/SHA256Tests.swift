import Foundation
import XCTest

@testable import LwcrCoreHosted

final class SHA256Tests: XCTestCase {
    // MARK: Helpers

    private func digest(_ bytes: [UInt8]) -> SHA256Digest {
        bytes.withUnsafeBytes { SHA256.hash($0) }
    }

    private func digest(_ text: String) -> SHA256Digest {
        digest(Array(text.utf8))
    }

    private func hex(_ d: SHA256Digest) -> String {
        var out = [UInt8](repeating: 0, count: 64)
        out.withUnsafeMutableBytes { d.writeHex(into: $0) }
        return String(decoding: out, as: UTF8.self)
    }

    private func parse(_ text: String) -> SHA256Digest? {
        Array(text.utf8).withUnsafeBytes { SHA256Digest(hex: $0) }
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
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// The 448-bit message forces the length into a second padding block.
    func testTwoBlockPadding448Bits() {
        XCTAssertEqual(
            hex(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// The empty message hashes to the well-known empty-string digest.
    func testEmpty() {
        XCTAssertEqual(
            hex(digest([])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// One million 'a' bytes hash to the NIST long-message digest.
    func testOneMillionA() {
        XCTAssertEqual(
            hex(digest([UInt8](repeating: 0x61, count: 1_000_000))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// The 896-bit message spans two full blocks of data plus padding.
    func testTwoBlockMessage896Bits() {
        // Fourteen 8-letter windows sliding over "abc...u": 112 bytes = 896 bits.
        let message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
            + "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        XCTAssertEqual(message.utf8.count * 8, 896)
        XCTAssertEqual(
            hex(digest(message)),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    // MARK: Incremental hashing

    /// Splitting the input into two updates at any point gives the one-shot digest.
    func testIncrementalEqualsOneShotAtEverySplit() {
        let message = patternBytes(count: 300)
        let expected = digest(message)
        message.withUnsafeBytes { all in
            for split in 0...all.count {
                var hasher = SHA256()
                hasher.update(UnsafeRawBufferPointer(rebasing: all[..<split]))
                hasher.update(UnsafeRawBufferPointer(rebasing: all[split...]))
                XCTAssertEqual(hasher.finalize(), expected, "split at \(split)")
            }
        }
    }

    /// Feeding one byte at a time gives the one-shot digest.
    func testByteAtATimeEqualsOneShot() {
        let message = patternBytes(count: 300)
        var hasher = SHA256()
        message.withUnsafeBytes { all in
            for i in 0..<all.count {
                hasher.update(UnsafeRawBufferPointer(rebasing: all[i..<(i + 1)]))
            }
        }
        XCTAssertEqual(hasher.finalize(), digest(message))
    }

    /// Whole blocks read from an unaligned input pointer hash correctly.
    func testUnalignedInput() {
        let message = patternBytes(count: 64 * 5 + 3)
        let expected = digest(Array(message[1...]))
        message.withUnsafeBytes { all in
            XCTAssertEqual(SHA256.hash(UnsafeRawBufferPointer(rebasing: all[1...])), expected)
        }
    }

    // MARK: Cross-check against coreutils

    /// Every length 0...130 (all padding cases around 1 and 2 blocks) matches sha256sum.
    func testLengths0To130MatchSha256sum() throws {
        let lengths = Array(0...130)
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("sha256tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var paths: [String] = []
        for n in lengths {
            let url = dir.appendingPathComponent("m\(n)")
            try Data(patternBytes(count: n)).write(to: url)
            paths.append(url.path)
        }

        // One sha256sum run for all files keeps the test fast.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
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
            let reference = String(line.prefix(64))
            XCTAssertTrue(line.hasSuffix(paths[n]), "unexpected line order: \(line)")
            XCTAssertEqual(hex(digest(patternBytes(count: n))), reference, "length \(n)")
        }
    }

    // MARK: Hex parsing and formatting

    /// Parsing the hex that writeHex produced returns the same digest.
    func testHexRoundTrip() {
        let d = digest("abc")
        XCTAssertEqual(parse(hex(d)), d)
    }

    /// Upper-case and mixed-case hex digits are accepted.
    func testHexAcceptsUpperCase() {
        let lower = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        XCTAssertEqual(parse(lower.uppercased()), digest("abc"))
        XCTAssertEqual(parse("BA7816BF8F01CFEA414140DE5DAE2223b00361a396177a9cb410ff61f20015ad"),
                       digest("abc"))
    }

    /// Exactly 64 digits are required; 63 and 65 (and empty) are rejected.
    func testHexRejectsWrongLength() {
        let valid = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        XCTAssertNotNil(parse(valid))
        XCTAssertNil(parse(String(valid.dropLast())))
        XCTAssertNil(parse(valid + "0"))
        XCTAssertNil(parse(""))
    }

    /// Any non-hex character anywhere in the 64 digits is rejected.
    func testHexRejectsNonHexCharacters() {
        let valid = Array("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".utf8)
        // Neighbours of the accepted ranges catch off-by-one range checks.
        let bad: [UInt8] = Array("gGzZ /:@`-x\n".utf8) + [0x00, 0x80, 0xFF]
        for position in [0, 1, 31, 62, 63] {
            for c in bad {
                var text = valid
                text[position] = c
                XCTAssertNil(text.withUnsafeBytes { SHA256Digest(hex: $0) },
                             "byte \(c) at \(position)")
            }
        }
    }

    /// writeHex emits exactly 64 lowercase digits and leaves the rest of the buffer alone.
    func testWriteHexLeavesTrailingBytes() {
        var out = [UInt8](repeating: 0x2A, count: 70)
        out.withUnsafeMutableBytes { digest("abc").writeHex(into: $0) }
        XCTAssertEqual(String(decoding: out[..<64], as: UTF8.self),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Array(out[64...]), [UInt8](repeating: 0x2A, count: 6))
    }

    /// withUnsafeBytes exposes the 32 raw digest bytes in output order.
    func testWithUnsafeBytesGivesRawDigest() {
        let bytes = digest("abc").withUnsafeBytes { Array($0) }
        XCTAssertEqual(bytes.count, 32)
        XCTAssertEqual(Array(bytes.prefix(4)), [0xba, 0x78, 0x16, 0xbf])
        XCTAssertEqual(Array(bytes.suffix(4)), [0xf2, 0x00, 0x15, 0xad])
    }

    // MARK: Comparison

    /// constantTimeEquals is true for equal digests and false if any single bit differs.
    func testConstantTimeEquals() {
        let a = digest("abc")
        XCTAssertTrue(a.constantTimeEquals(digest("abc")))
        XCTAssertFalse(a.constantTimeEquals(digest("abd")))

        // Flip each bit in turn so every word of the comparison is covered.
        let bytes = a.withUnsafeBytes { Array($0) }
        for bit in 0..<256 {
            var flipped = bytes
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            let b = parse(flipped.map { String(format: "%02x", $0) }.joined())!
            XCTAssertFalse(a.constantTimeEquals(b), "bit \(bit)")
            XCTAssertFalse(a == b, "bit \(bit)")
        }
    }
}
