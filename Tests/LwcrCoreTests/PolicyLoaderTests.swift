import XCTest
@testable import LwcrCoreHosted

final class PolicyLoaderTests: XCTestCase {
    let f = Fixture()

    func load(_ layers: String, system: String = "") -> Policy {
        PolicyLoader.load(layers: f.bytes(layers), system: f.bytes(system), into: &f.arena)
    }

    /// Files are read in byte order of their names; only visible *.policy files count.
    func testFilesInByteOrder() {
        let d = TempDir()
        d.write("20-b.policy", "deny /b")
        d.write("10-a.policy", "deny /a")
        d.write("README", "not a policy")
        d.write(".hidden.policy", "frobnicate")
        d.write("99-z.policy.bak", "frobnicate")
        let p = load(d.path)
        XCTAssertNil(p.error)
        XCTAssertEqual(p.layerCount, 1)
        let layer = p.layers![0]
        XCTAssertEqual(layer.ruleCount, 2)
        XCTAssertEqual(f.string(layer.rules![0].pattern), "/a")
        XCTAssertEqual(f.string(layer.rules![1].location.file), "20-b.policy")
    }

    /// Each directory of LWCR_POLICY is a layer; empty entries are ignored.
    func testLayers() {
        let a = TempDir(), b = TempDir()
        a.write("10.policy", "allow /x")
        b.write("10.policy", "deny /x")
        let p = load(a.path + "::" + b.path)
        XCTAssertNil(p.error)
        XCTAssertEqual(p.layerCount, 2)
    }

    /// A missing or relative layer directory is an error, never an allow.
    func testMissingAndRelativeDirectories() {
        let missing = load("/nonexistent/lwcr-test")
        XCTAssertEqual(missing.error.map { "\($0.message)" }, "policy directory does not exist")
        XCTAssertEqual(missing.error.map { f.string($0.location.file) }, "/nonexistent/lwcr-test")
        let relative = load("relative/dir")
        XCTAssertEqual(relative.error.map { "\($0.message)" }, "policy directory must be an absolute path")
    }

    /// The system directory counts only when it exists.
    func testSystemDirectoryOptional() {
        XCTAssertTrue(load("", system: "/nonexistent/lwcr-system").isEmpty)
        let s = TempDir()
        s.write("10.policy", "default deny")
        let p = load("", system: s.path)
        XCTAssertEqual(p.layerCount, 1)
        XCTAssertEqual(p.layers![0].defaultVerdict, .deny)
    }

    /// A parse error anywhere is the policy's error, with file and line.
    func testParseErrorSurfaces() {
        let d = TempDir()
        d.write("10.policy", "allow /x\nrequire /y nonsense")
        let p = load(d.path)
        XCTAssertEqual(p.error.map { "\(f.string($0.location.file)):\($0.location.line): \($0.message)" },
                       "10.policy:2: unknown fact")
    }
}
