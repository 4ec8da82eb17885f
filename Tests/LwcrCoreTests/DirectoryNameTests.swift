import XCTest
@testable import LwcrCoreHosted
import LwcrTestSupport

/// The plain form a snapshot records its directory in.
final class DirectoryNameTests: XCTestCase {
    let f = Fixture()

    func plain(_ s: String) -> String? {
        var out = [UInt8](repeating: 0, count: 64)
        return out.withUnsafeMutableBytes { b in DirectoryName.plain(f.bytes(s), into: b).map { f.string($0) } }
    }

    func testPlainForms() {
        XCTAssertEqual(plain("/etc/lwcr/policy.d"), "/etc/lwcr/policy.d")
        XCTAssertEqual(plain("/etc/lwcr/policy.d/"), "/etc/lwcr/policy.d")
        XCTAssertEqual(plain("//etc//lwcr/./policy.d//"), "/etc/lwcr/policy.d")
        XCTAssertEqual(plain("/etc/x/../lwcr/policy.d"), "/etc/lwcr/policy.d")
        XCTAssertEqual(plain("/.."), "/")
        XCTAssertEqual(plain("/"), "/")
        XCTAssertNil(plain("etc/lwcr"), "a relative name has no plain form")
        XCTAssertNil(plain("/" + String(repeating: "a", count: 100)), "too long for the buffer")
    }

    func testSame() {
        XCTAssertTrue(DirectoryName.same(f.bytes("/a/b/"), f.bytes("/a//b")))
        XCTAssertFalse(DirectoryName.same(f.bytes("/a/b"), f.bytes("/a/bc")))
        XCTAssertFalse(DirectoryName.same(f.bytes("/a/b"), f.bytes("a/b")))
    }
}
