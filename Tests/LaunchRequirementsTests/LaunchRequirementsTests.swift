import Glibc
import LaunchRequirements
import LwcrCoreHosted
import LwcrTestSupport
import XCTest

/// The product's API, on real files: a copy of /usr/bin/true pinned by
/// content, and tampered with.
final class LaunchRequirementsTests: XCTestCase {
    var dir: TempDir!

    override func setUp() {
        dir = TempDir()
    }

    /// A copy of `program` at DIR/name; its SHA-256 in hex.
    func copy(_ program: String, as name: String) -> (String, String) {
        let path = dir.path + "/" + name
        let bytes = read(program)
        write(path, bytes, mode: 0o755)
        return (path, hex(bytes))
    }

    func read(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0, path)
        defer { close(fd) }
        return LaunchedProcess.readAll(fd)
    }

    func write(_ path: String, _ bytes: [UInt8], mode: mode_t) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
        XCTAssertGreaterThanOrEqual(fd, 0, path)
        bytes.withUnsafeBytes { _ = Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        chmod(path, mode)
    }

    /// The digest as sha256sum(1) prints it, so that the test does not
    /// rest on the SHA-256 code it tests.
    func hex(_ bytes: [UInt8]) -> String {
        let p = try! LaunchRequirement("trusted-path").spawn("/usr/bin/sha256sum", standardInput: .pipe, standardOutput: .pipe)
        bytes.withUnsafeBytes { b in
            var at = 0
            while at < b.count { let n = Glibc.write(p.standardInput!, b.baseAddress! + at, b.count - at); if n <= 0 { break }; at += n }
        }
        p.closeStandardInput()
        let out = String(decoding: LaunchedProcess.readAll(p.standardOutput!), as: UTF8.self)
        XCTAssertEqual(p.wait(), 0)
        return String(out.prefix(64))
    }

    func testParseErrorsNameTheWord() {
        XCTAssertThrowsError(try LaunchRequirement("sha257=1")) { e in
            guard case .invalid(let word, let message) = e as? LaunchRequirementError else { return XCTFail("\(e)") }
            XCTAssertEqual(word, "sha257=1")
            XCTAssertEqual(message, "unknown fact")
        }
        XCTAssertThrowsError(try LaunchRequirement("signed-by=acme")) { e in
            guard case .invalid(let word, _) = e as? LaunchRequirementError else { return XCTFail("\(e)") }
            XCTAssertEqual(word, "acme", "a signer the requirement was not given")
        }
        // A requirement is facts only: no second line, no rule of the caller's.
        XCTAssertThrowsError(try LaunchRequirement("trusted-path\nallow /**"))
        XCTAssertThrowsError(try LaunchRequirement("trusted-path", signers: ["acme": "ssh-ed25519 AAAA\nallow /**"]))
        XCTAssertThrowsError(try LaunchRequirement(""))
        // '#' would end the facts silently, as a comment does in a policy file.
        XCTAssertThrowsError(try LaunchRequirement("owner=nobody # trusted-path"))
        XCTAssertNoThrow(try LaunchRequirement("trusted-path | !owner=nobody"))
    }

    func testBuildersWriteTheSameWords() throws {
        let a = String(repeating: "a", count: 64), b = String(repeating: "b", count: 64)
        let r = try LaunchRequirement {
            AnyOf { SHA256(a); SHA256(b) }
            TrustedPath()
            Not(OwnedBy("nobody"))
        }
        XCTAssertEqual(r.facts, "sha256=\(a) trusted-path !owner=nobody | sha256=\(b) trusted-path !owner=nobody")
        let signed = try LaunchRequirement(signers: ["acme": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"]) {
            SignedBy("acme")
            Sealed()
        }
        XCTAssertEqual(signed.facts, "signed-by=acme sealed")
    }

    func testRunsThePinnedFileAndRefusesATamperedOne() throws {
        let (tool, digest) = copy("/usr/bin/true", as: "tool")
        let r = try LaunchRequirement { SHA256(digest) }
        XCTAssertEqual(try r.run(tool), 0)
        XCTAssertNoThrow(try r.check(path: tool))
        var bytes = read(tool)
        bytes.append(0)
        write(tool, bytes, mode: 0o755)
        XCTAssertThrowsError(try r.run(tool)) { e in
            guard case .notSatisfied(let path, let reason, let fact, let line) = e as? LaunchRequirementError else { return XCTFail("\(e)") }
            XCTAssertEqual(path, tool)
            XCTAssertEqual(reason, "sha256 mismatch")
            XCTAssertEqual(fact, "sha256=" + digest)
            XCTAssertTrue(line.hasPrefix("lwcr: deny \(tool): sha256 mismatch [requirement:1]"), line)
        }
        XCTAssertThrowsError(try r.check(path: tool))
        let fd = open(tool, O_RDONLY)
        defer { close(fd) }
        XCTAssertThrowsError(try r.check(descriptor: fd))
    }

    func testLaunchFailuresAreNotDenials() throws {
        let r = try LaunchRequirement("trusted-path")
        XCTAssertThrowsError(try r.run(dir.path + "/missing")) { e in
            guard case .launchFailed(_, let errno, _) = e as? LaunchRequirementError else { return XCTFail("\(e)") }
            XCTAssertEqual(errno, ENOENT)
        }
    }

    func testStreamsDirectoryAndEnvironment() throws {
        let r = try LaunchRequirement("trusted-path")
        let echo = try r.spawn("/usr/bin/cat", standardInput: .pipe, standardOutput: .pipe)
        let text = Array("through the pipe\n".utf8)
        text.withUnsafeBytes { _ = Glibc.write(echo.standardInput!, $0.baseAddress, $0.count) }
        echo.closeStandardInput()
        XCTAssertEqual(LaunchedProcess.readAll(echo.standardOutput!), text)
        XCTAssertEqual(echo.wait(), 0)
        let pwd = try r.spawn("/usr/bin/pwd", currentDirectory: dir.path, standardOutput: .pipe)
        XCTAssertEqual(String(decoding: LaunchedProcess.readAll(pwd.standardOutput!), as: UTF8.self), dir.path + "\n")
        XCTAssertEqual(pwd.wait(), 0)
        let env = try r.spawn("/usr/bin/env", environment: ["ONLY": "this"], standardOutput: .pipe)
        XCTAssertEqual(String(decoding: LaunchedProcess.readAll(env.standardOutput!), as: UTF8.self), "ONLY=this\n")
        XCTAssertEqual(env.wait(), 0)
        XCTAssertEqual(try r.run("/usr/bin/false"), 1)
        XCTAssertEqual(try r.run("/bin/sh", arguments: ["-c", "kill -TERM $$"]), 128 + SIGTERM)
    }

    /// A running process's executable, through its pidfd and through a
    /// socket's peer.
    func testChecksARunningProcess() throws {
        let (sleeper, digest) = copy("/usr/bin/sleep", as: "sleeper")
        let r = try LaunchRequirement { SHA256(digest) }
        let p = try r.spawn(sleeper, arguments: ["5"])
        XCTAssertGreaterThanOrEqual(p.pidfd, 0)
        XCTAssertNoThrow(try r.check(pidfd: p.pidfd))
        XCTAssertThrowsError(try LaunchRequirement { SHA256(String(repeating: "0", count: 64)) }.check(pidfd: p.pidfd))
        kill(p.pid, SIGKILL)
        _ = p.wait()
        XCTAssertThrowsError(try r.check(pidfd: p.pidfd)) { e in
            guard case .launchFailed = e as? LaunchRequirementError else { return XCTFail("\(e)") }
        }
        // The peer of a socket pair is this test process itself.
        var pair: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair), 0)
        defer { close(pair[0]); close(pair[1]) }
        let me = hex(read("/proc/self/exe"))
        do {
            try LaunchRequirement { SHA256(me) }.check(peerOf: pair[0])
        } catch {
            if case .launchFailed(_, ENOPROTOOPT, _) = error { throw XCTSkip("the kernel has no SO_PEERPIDFD (Linux 6.5)") }
            XCTFail("\(error)")
        }
        XCTAssertThrowsError(try LaunchRequirement { SHA256(digest) }.check(peerOf: pair[0]))
    }

    /// Signatures made by the stock ssh-keygen.
    func testSignedBy() throws {
        guard access("/usr/bin/ssh-keygen", X_OK) == 0 else { throw XCTSkip("ssh-keygen is not installed (openssh-client)") }
        let (tool, _) = copy("/usr/bin/true", as: "signed")
        let key = dir.path + "/key"
        XCTAssertEqual(try LaunchRequirement("trusted-path").run("/usr/bin/ssh-keygen", arguments: ["-q", "-t", "ed25519", "-N", "", "-f", key],
                                                               standardStreams: .null), 0)
        XCTAssertEqual(try LaunchRequirement("trusted-path").run("/usr/bin/ssh-keygen", arguments: ["-Y", "sign", "-f", key, "-n", "lwcr", tool],
                                                               standardStreams: .null), 0)
        let pub = String(decoding: read(key + ".pub"), as: UTF8.self).split(separator: " ").prefix(2).joined(separator: " ")
        let r = try LaunchRequirement(signers: ["release": pub]) { SignedBy("release") }
        XCTAssertEqual(try r.run(tool), 0)
        var bytes = read(tool)
        bytes.append(0)
        write(tool, bytes, mode: 0o755)
        XCTAssertThrowsError(try r.run(tool)) { e in
            guard case .notSatisfied(_, let reason, _, _) = e as? LaunchRequirementError else { return XCTFail("\(e)") }
            XCTAssertEqual(reason, "bad signature")
        }
    }
}

/// The swap race: while another process exchanges the pinned file with a
/// different one (renameat2 RENAME_EXCHANGE, so both names always exist),
/// thousands of launches by name; the other file never runs.
extension LaunchRequirementsTests {
    func testSwappedFileNeverRuns() throws {
        guard access("/usr/bin/python3", X_OK) == 0 else { throw XCTSkip("/usr/bin/python3 is missing") }
        let (pinned, digest) = copy("/usr/bin/true", as: "pinned")
        _ = copy("/usr/bin/touch", as: "other")
        let marker = dir.path + "/ran-other"
        let r = try LaunchRequirement { SHA256(digest) }
        let swapper = """
            import ctypes, os, sys, time
            libc = ctypes.CDLL(None, use_errno=True)
            a, b = sys.argv[1].encode(), sys.argv[2].encode()
            end = time.time() + float(sys.argv[3])
            while time.time() < end:
                libc.renameat2(-100, a, -100, b, 2)
            """
        var pid: pid_t = 0
        let argv: [String] = ["python3", "-c", swapper, pinned, dir.path + "/other", "3.5"]
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        XCTAssertEqual(posix_spawn(&pid, "/usr/bin/python3", nil, nil, &cArgs, environ), 0)
        var ran = 0, refused = 0, failed = 0
        let start = time(nil)
        while time(nil) - start < 3 {
            do {
                if try r.run(pinned, arguments: [marker]) == 0 { ran += 1 }
            } catch {
                if case .notSatisfied = error { refused += 1 } else { failed += 1 }
            }
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        print("swap race: \(ran) ran the pinned file, \(refused) refused the other, \(failed) failed otherwise")
        XCTAssertNotEqual(access(marker, F_OK), 0, "the swapped-in file ran")
        XCTAssertGreaterThan(ran, 100, "the pinned file should have run often")
        XCTAssertGreaterThan(refused, 100, "the race should have offered the other file often")
        XCTAssertGreaterThan(ran + refused, 1000)
    }
}

extension LaunchRequirement {
    /// run with every stream at one place (the tests' ssh-keygen).
    func run(_ path: String, arguments: [String], standardStreams: StandardStream) throws(LaunchRequirementError) -> Int32 {
        try spawn(path, arguments: arguments, standardInput: standardStreams, standardOutput: standardStreams,
                  standardError: standardStreams).wait()
    }
}
