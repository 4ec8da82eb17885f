import Foundation
import XCTest
@testable import LwcrCoreHosted
import LwcrTestSupport

final class SignerParsingTests: XCTestCase {
    let f = Fixture()
    // An ssh-ed25519 public key blob: string "ssh-ed25519", string 32 bytes 0x01..0x20.
    let key = "AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"

    /// Base64 decodes RFC 4648 test vectors, skips whitespace, rejects junk and misplaced padding.
    func testBase64() {
        func d(_ s: String) -> String? {
            var out = [UInt8](repeating: 0, count: 64)
            return out.withUnsafeMutableBytes { b in
                Base64.decode(f.bytes(s), into: b).map { String(decoding: b[0..<$0], as: UTF8.self) }
            }
        }
        XCTAssertEqual(d(""), "")
        XCTAssertEqual(d("Zg=="), "f")
        XCTAssertEqual(d("Zm8="), "fo")
        XCTAssertEqual(d("Zm9v"), "foo")
        XCTAssertEqual(d("Zm9vYg=="), "foob")
        XCTAssertEqual(d("Zm9v\nYmFy"), "foobar")
        XCTAssertNil(d("Zm9v!"))
        XCTAssertNil(d("Zg==Zg"))
    }

    /// `signer` declares an Ed25519 key; other key types and bad keys are errors.
    func testSignerDirective() throws {
        let layer = try f.layer("signer acme ssh-ed25519 \(key) release@acme\nrequire /x signed-by=acme")
        XCTAssertEqual(layer.rules![0].facts![0].kind, .signedBy)
        XCTAssertEqual(f.string(layer.rules![0].facts![0].value), "acme")
        XCTAssertEqual(f.error("signer acme ssh-rsa \(key)"), "1: only ssh-ed25519 keys are supported, not 'ssh-rsa'")
        XCTAssertEqual(f.error("signer acme ssh-ed25519 AAAA"), "1: not an ssh-ed25519 public key: 'AAAA'")
        XCTAssertEqual(f.error("signer acme"), "1: signer needs a key type and a key after its name")
        XCTAssertEqual(f.error("require /x signed-by="), "1: signed-by= needs a signer name")
    }

    /// The facts beyond v1 parse; their values are checked.
    func testNewFacts() throws {
        let layer = try f.layer("require /x group=wheel readonly-mount immutable no-caps elf !script fsverity=\(String(repeating: "ab", count: 32)) sealed",
                                groups: ["wheel": 10])
        let r = layer.rules![0]
        XCTAssertTrue(r.sealed)
        XCTAssertEqual((0..<Int(r.factCount)).map { r.facts![$0].kind },
                       [.group, .readonlyMount, .immutable, .noCaps, .elf, .script, .fsverity])
        XCTAssertEqual(r.facts![0].uid, 10)
        XCTAssertTrue(r.facts![5].negated)
        XCTAssertEqual(f.error("require /x group=nogroup"), "1: unknown group 'nogroup'")
        XCTAssertEqual(f.error("require /x fsverity=12"), "1: fsverity= needs 64 (sha256) or 128 (sha512) hex digits, not 'fsverity=12'")
    }

    /// allowed_signers lines: principals, namespaces= honoured, other key types refused.
    func testAllowedSigners() throws {
        var out = [Signer](repeating: Signer(name: .empty, location: .none), count: 8)
        var n = 0
        let text = f.bytes("""
            # comment
            a@x,b@x \(["ssh-ed25519", key].joined(separator: " ")) c
            c@x namespaces="git,lwcr" ssh-ed25519 \(key)
            d@x namespaces="git" ssh-ed25519 \(key)
            """)
        try out.withUnsafeMutableBufferPointer { try AllowedSigners.parse(text, file: f.bytes("allowed"), into: $0.baseAddress!, capacity: 8, &n) }
        XCTAssertEqual(n, 3)
        XCTAssertEqual(out[0..<n].map { f.string($0.name) }, ["a@x", "b@x", "c@x"])
        n = 0
        func parse(_ line: String) throws(PolicyError) -> Int {
            var count = 0
            var storage = [Signer](repeating: Signer(name: .empty, location: .none), count: 4)
            let t = f.bytes(line)
            let r: PolicyError? = storage.withUnsafeMutableBufferPointer { b in
                do throws(PolicyError) { try AllowedSigners.parse(t, file: f.bytes("allowed"), into: b.baseAddress!, capacity: 4, &count); return nil }
                catch { return error }
            }
            if let r { throw r }
            return count
        }
        // Options the way OpenSSH reads them: names in any case; others refused.
        XCTAssertEqual(try parse("e@x NAMESPACES=\"git\" ssh-ed25519 \(key)"), 0)
        XCTAssertEqual(try parse("e@x Namespaces=\"git,lwcr\" ssh-ed25519 \(key)"), 1)
        XCTAssertThrowsError(try parse("e@x cert-authority ssh-ed25519 \(key)"))
        XCTAssertThrowsError(try parse("e@x valid-before=\"20000101\" ssh-ed25519 \(key)"))
        XCTAssertThrowsError(try parse("a,b,c,d,e ssh-ed25519 \(key)"), "more principals than room must not overflow")
    }
}
