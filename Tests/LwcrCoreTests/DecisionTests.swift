import XCTest
@testable import LwcrCoreHosted
import LwcrTestSupport

final class DecisionTests: XCTestCase {
    let f = Fixture()
    let dir = TempDir()

    /// Within a layer the last matching rule decides.
    func testLastMatchingRuleDecides() throws {
        let tool = dir.write("tool", "hello")
        let p = f.policy([try f.layer("deny \(dir.path)/**\nallow \(dir.path)/tool")])
        XCTAssertTrue(f.decide(p, tool).allowed)
        let q = f.policy([try f.layer("allow \(dir.path)/tool\ndeny \(dir.path)/**")])
        let d = f.decide(q, tool)
        XCTAssertFalse(d.allowed)
        XCTAssertEqual(d.finding.reason, .deniedByRule)
        XCTAssertEqual(d.location.line, 2)
    }

    /// Without a matching rule, the default decides and is cited.
    func testDefault() throws {
        let tool = dir.write("tool", "hello")
        XCTAssertTrue(f.decide(f.policy([try f.layer("allow /nowhere")]), tool).allowed)
        let d = f.decide(f.policy([try f.layer("\ndefault deny")]), tool)
        XCTAssertFalse(d.allowed)
        XCTAssertEqual(d.finding.reason, .defaultDeny)
        XCTAssertEqual(d.location.line, 2)
        XCTAssertEqual(f.line(d, tool), "lwcr: deny \(tool): no rule matches and the default is deny [10-test.policy:2]\n")
    }

    /// sha256 pins hold on the file's content and fail otherwise, with the
    /// log line of the design.
    func testSha256() throws {
        let tool = dir.write("tool", "hello")
        let good = f.policy([try f.layer("require \(tool) sha256=\(sha256Hex("hello"))")])
        XCTAssertTrue(f.decide(good, tool).allowed)
        let bad = f.policy([try f.layer("\n\nrequire \(tool) sha256=\(sha256Hex("hellO"))")])
        let d = f.decide(bad, tool)
        XCTAssertFalse(d.allowed)
        XCTAssertEqual(f.line(d, tool), "lwcr: deny \(tool): sha256 mismatch [10-test.policy:3]\n")
    }

    /// An alternative passes when all its facts hold; `!` negates.
    func testAlternativesAndNegation() throws {
        let tool = dir.write("tool", "hello")
        let wrong = sha256Hex("x")
        XCTAssertTrue(f.decide(f.policy([try f.layer("require \(tool) sha256=\(wrong) | always")]), tool).allowed)
        XCTAssertFalse(f.decide(f.policy([try f.layer("require \(tool) always never")]), tool).allowed)
        XCTAssertTrue(f.decide(f.policy([try f.layer("require \(tool) !never")]), tool).allowed)
        let d = f.decide(f.policy([try f.layer("require \(tool) !always")]), tool)
        XCTAssertEqual(d.finding.reason, .negatedHolds)
        XCTAssertEqual(f.line(d, tool), "lwcr: deny \(tool): !always does not hold [10-test.policy:1]\n")
    }

    /// owner= compares the file's uid.
    func testOwner() throws {
        let tool = dir.write("tool", "hello")
        let uid = getuid()
        XCTAssertTrue(f.decide(f.policy([try f.layer("require \(tool) owner=\(uid)")]), tool).allowed)
        let d = f.decide(f.policy([try f.layer("require \(tool) owner=\(uid + 1)")]), tool)
        XCTAssertEqual(d.finding.reason, .ownerMismatch)
        XCTAssertEqual(d.finding.uid, uid)
    }

    /// no-setid fails on a setuid or setgid file.
    func testNoSetid() throws {
        let plain = dir.write("plain", "x", mode: 0o755)
        let setuid = dir.write("setuid", "x", mode: 0o4755)
        let setgid = dir.write("setgid", "x", mode: 0o2755)
        let p = f.policy([try f.layer("require \(dir.path)/* no-setid")])
        XCTAssertTrue(f.decide(p, plain).allowed)
        XCTAssertEqual(f.decide(p, setuid).finding.reason, .setid)
        XCTAssertEqual(f.decide(p, setgid).finding.reason, .setid)
    }

    /// trusted-path holds for root-owned system files and fails, naming the
    /// directory, where a directory above is writable by others.
    func testTrustedPath() throws {
        let p = f.policy([try f.layer("require /usr/bin/** trusted-path")])
        XCTAssertTrue(f.decide(p, "/usr/bin/env").allowed)
        let tool = dir.write("tool", "x", mode: 0o755)
        chmod(dir.path, 0o777)
        let q = f.policy([try f.layer("require \(dir.path)/** trusted-path")])
        let d = f.decide(q, tool)
        XCTAssertFalse(d.allowed)
        // The temporary directory itself or one above it is at fault.
        XCTAssertTrue(d.finding.reason == .pathWritable || d.finding.reason == .pathOwner)
        XCTAssertTrue(dir.path.hasPrefix(f.string(d.finding.at)) || f.string(d.finding.at) == tool)
        chmod(tool, 0o777)
        let e = f.decide(q, tool)
        XCTAssertEqual(e.finding.reason, .pathWritable)
        XCTAssertEqual(f.string(e.finding.at), tool)
    }

    /// trusted-path accepts the owner= user in place of root.
    func testTrustedPathWithOwner() throws {
        if getuid() != 0 { throw XCTSkip("needs root to chown") }
        // /tmp is world-writable, so this test builds its tree under /run.
        let base = "/run/lwcr-unit-\(getpid())"
        mkdir(base, 0o755)
        defer { try? FileManager.default.removeItem(atPath: base) }
        chmod(base, 0o755)
        let tool = base + "/tool"
        FileManager.default.createFile(atPath: tool, contents: Data("x".utf8), attributes: [.posixPermissions: 0o755])
        chown(tool, 4242, 4242)
        let d = f.decide(f.policy([try f.layer("require \(tool) trusted-path")]), tool)
        XCTAssertEqual(d.finding.reason, .pathOwner)
        XCTAssertEqual(d.finding.uid, 4242)
        XCTAssertEqual(f.string(d.finding.at), tool)
        XCTAssertTrue(f.decide(f.policy([try f.layer("require \(tool) trusted-path owner=4242")]), tool).allowed)
        XCTAssertFalse(f.decide(f.policy([try f.layer("require \(tool) trusted-path owner=4243")]), tool).allowed)
    }

    /// Every layer must pass; an audit layer reports without denying.
    func testLayersAndAudit() throws {
        let tool = dir.write("tool", "x")
        let allow = try f.layer("allow \(tool)")
        let deny = try f.layer("deny \(tool)", file: "20-user.policy")
        let d = f.decide(f.policy([allow, deny]), tool)
        XCTAssertFalse(d.allowed)
        XCTAssertEqual(d.layer, 1)
        XCTAssertEqual(f.string(d.location.file), "20-user.policy")
        let audit = try f.layer("mode audit\ndeny \(tool)")
        let a = f.decide(f.policy([allow, audit]), tool)
        XCTAssertTrue(a.allowed)
        XCTAssertTrue(a.audited)
        XCTAssertEqual(f.line(a, tool), "lwcr: audit \(tool): denied by rule [10-test.policy:2]\n")
    }

    /// A policy with an error denies everything, citing the error.
    func testPolicyErrorDenies() throws {
        let tool = dir.write("tool", "x")
        var p = Policy()
        p.error = PolicyError(Location(file: f.bytes("10-x.policy"), line: 4), "unknown fact", f.bytes("frob"))
        let d = f.decide(p, tool)
        XCTAssertFalse(d.allowed)
        XCTAssertEqual(f.line(d, tool), "lwcr: deny \(tool): policy error: unknown fact 'frob' [10-x.policy:4]\n")
    }
}

final class MoreFactTests: XCTestCase {
    let f = Fixture()
    let dir = TempDir()

    func decide(_ rule: String, _ path: String) throws -> Decision {
        f.decide(f.policy([try f.layer("require \(path) \(rule)")]), path)
    }

    /// elf and script look at the first bytes of the content.
    func testElfAndScript() throws {
        let script = dir.write("s", "#!/bin/sh\n")
        XCTAssertTrue(try decide("elf", "/usr/bin/env").allowed)
        XCTAssertEqual(try decide("elf", script).finding.reason, .notElf)
        XCTAssertTrue(try decide("script", script).allowed)
        XCTAssertEqual(try decide("script", "/usr/bin/env").finding.reason, .notScript)
    }

    /// group= compares the file's gid.
    func testGroup() throws {
        let file = dir.write("g", "x")
        let gid = getgid()
        XCTAssertTrue(try decide("group=\(gid)", file).allowed)
        let d = try decide("group=\(gid + 1)", file)
        XCTAssertEqual(d.finding.reason, .groupMismatch)
        XCTAssertEqual(d.finding.uid, gid)
    }

    /// readonly-mount, no-caps and fsverity= ask the kernel; each says why it fails.
    func testKernelFacts() throws {
        let file = dir.write("k", "x")
        XCTAssertEqual(try decide("readonly-mount", file).finding.reason, .writableMount)
        XCTAssertTrue(try decide("no-caps", file).allowed)
        let v = try decide("fsverity=\(String(repeating: "0", count: 64))", file)
        XCTAssertFalse(v.allowed)
        XCTAssertTrue(v.finding.reason == .noVerity || v.finding.reason == .verityMismatch)
    }
}
