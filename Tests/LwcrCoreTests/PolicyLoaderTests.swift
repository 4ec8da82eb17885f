import XCTest
@testable import LwcrCoreHosted
import LwcrTestSupport

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

    func message(_ p: Policy) -> String? { p.error.map { "\($0.message)" } }

    /// Only regular files are policy; a FIFO is refused at once, never waited on.
    func testOnlyRegularFiles() {
        let d = TempDir()
        XCTAssertEqual(mkfifo(d.path + "/10.policy", 0o644), 0)
        let started = Date()
        XCTAssertEqual(message(load(d.path)), "policy file is not a regular file")
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        let e = TempDir()
        symlink("/proc/self/status", e.path + "/10.policy")
        XCTAssertEqual(message(load(e.path))?.hasPrefix("policy file is a symbolic link"), true)
    }

    /// A layer others could change is refused, naming what is at fault;
    /// errors name the file by its full path.
    func testOthersWritablePolicyRefused() {
        let d = TempDir()
        let file = d.write("10.policy", "allow /**", mode: 0o666)
        chmod(file, 0o666)
        let p = load(d.path)
        XCTAssertEqual(message(p), "untrusted policy: the file is writable by group or others")
        XCTAssertEqual(p.error.map { f.string($0.location.file) }, file)
        chmod(file, 0o644)
        XCTAssertNil(load(d.path).error)
        chmod(d.path, 0o775)
        XCTAssertEqual(message(load(d.path)), "untrusted policy: the directory is writable by group or others")
        chmod(d.path, 0o755)
        if getuid() == 0 {
            chown(file, 4242, 4242)
            XCTAssertEqual(message(load(d.path)), "untrusted policy: the file is owned by neither root nor the user launching")
        }
    }

    /// An empty policy file is an error: a file rewritten in place is empty
    /// between its truncation and its write.
    func testEmptyFileIsAnError() {
        let d = TempDir()
        d.write("10.policy", "")
        XCTAssertEqual(message(load(d.path))?.hasPrefix("policy file is empty"), true)
        d.write("10.policy", "# nothing yet\n")
        XCTAssertNil(load(d.path).error)
    }
}
