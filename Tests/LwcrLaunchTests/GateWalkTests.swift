import Foundation
import XCTest
@testable import LwcrCoreHosted
import LwcrTestSupport

/// The gate's walk over a fixture tree, in its explaining mode (what `lwcr
/// check` runs): which files are judged, by which names and roles, and the
/// verdict. Nothing is executed; the kernel is asked at the end.
final class GateWalkTests: XCTestCase {
    let dir = TempDir()
    lazy var root = URL(fileURLWithPath: dir.path).resolvingSymlinksInPath().path
    let f = Fixture()
    var keep: [UnsafeMutablePointer<CChar>?] = []

    deinit { keep.forEach { free($0) } }

    /// What the walk was told, in order.
    final class Recorder {
        var judged: [(String, Int32)] = []
    }

    override func setUp() {
        let fm = FileManager.default
        for d in ["bin", "bin/dir", "evil", "links/sub"] {
            try! fm.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
        }
        dir.write("bin/tool", "binary", mode: 0o755)
        dir.write("bin/noexec", "binary", mode: 0o644)
        dir.write("bin/good-script", "#!\(root)/bin/tool -x\n", mode: 0o755)
        dir.write("bin/bad-script", "#!\(root)/evil/interp\n", mode: 0o755)
        dir.write("bin/nested", "#!\(root)/bin/good-script\n", mode: 0o755)
        dir.write("evil/interp", "binary", mode: 0o755)
        symlink("../evil/interp", root + "/bin/alias")
        symlink("../bin/tool", root + "/links/l1")
    }

    func policy() -> Policy {
        let layer = try! f.layer("default deny\nallow /usr/**\nallow \(root)/bin/**\ndeny \(root)/evil/**\n")
        return f.policy([layer])
    }

    /// Runs the explaining walk on `path` (with `argv` for the loader);
    /// returns the errno and what was judged.
    func check(_ path: String, argv: [String]? = nil) -> (Int32, [(String, Int32)]) {
        let recorder = Recorder()
        let context = Unmanaged.passUnretained(recorder).toOpaque()
        var report = Report.direct
        report.explain = Explain(context: context, judging: { context, _, name, count, role, _ in
            let r = Unmanaged<Recorder>.fromOpaque(context!).takeUnretainedValue()
            r.judged.append((String(decoding: UnsafeBufferPointer(start: name, count: count), as: UTF8.self), role))
        }, line: { _, _, _ in })
        var args: [UnsafeMutablePointer<CChar>?] = (argv ?? [path]).map { strdup($0) }
        keep.append(contentsOf: args)
        args.append(nil)
        let e = args.withUnsafeMutableBufferPointer { a -> Int32 in
            let launch = Launch(argv: a.baseAddress!, envp: nil, report: report, shellFallback: false)
            return path.withCString { Gate.run(.path(AT_FDCWD, $0, false), policy(), launch) }
        }
        return (e, recorder.judged)
    }

    func names(_ judged: [(String, Int32)]) -> [String] { judged.map { $0.0 } }

    func testAllowedFileIsJudgedByItsName() {
        let (e, judged) = check(root + "/bin/tool")
        XCTAssertEqual(e, 0)
        XCTAssertEqual(names(judged), [root + "/bin/tool"])
        XCTAssertEqual(judged.map { $0.1 }, [Explain.target])
    }

    /// The kernel's refusals come last: no x bit, a directory.
    func testKernelRefusalsAreTheVerdict() {
        XCTAssertEqual(check(root + "/bin/noexec").0, EACCES)
        XCTAssertEqual(check(root + "/bin/dir").0, EACCES)
        XCTAssertEqual(check(root + "/bin/missing").0, ENOENT)
    }

    /// Each interpreter is a launch of its own; nesting is followed.
    func testInterpretersAreJudgedInTurn() {
        let (ok, judged) = check(root + "/bin/nested")
        XCTAssertEqual(ok, 0)
        XCTAssertEqual(names(judged), [root + "/bin/nested", root + "/bin/good-script", root + "/bin/tool"])
        XCTAssertEqual(judged.map { $0.1 }, [Explain.target, Explain.interpreter, Explain.interpreter])
        let (bad, badJudged) = check(root + "/bin/bad-script")
        XCTAssertEqual(bad, EACCES)
        XCTAssertEqual(names(badJudged), [root + "/bin/bad-script", root + "/evil/interp"])
    }

    /// Symlinks and `..` resolve to the name the file was reached by, and
    /// that name is what the rules see.
    func testSymlinksAndDotDotAreJudgedByTheResolvedName() {
        let (e, judged) = check(root + "/bin/alias")
        XCTAssertEqual(e, EACCES)
        XCTAssertEqual(names(judged), [root + "/evil/interp"])
        let (ok, okJudged) = check(root + "/links/sub/../l1")
        XCTAssertEqual(ok, 0)
        XCTAssertEqual(names(okJudged), [root + "/bin/tool"])
    }

    /// The dynamic loader run directly: its program is judged as a launch;
    /// an option lwcr does not know is refused before anything else.
    func testLoaderProgramIsJudged() throws {
        let loader = "/lib64/ld-linux-x86-64.so.2"
        guard FileManager.default.fileExists(atPath: loader) else { throw XCTSkip("no \(loader) on this machine") }
        let (denied, judged) = check(loader, argv: [loader, root + "/evil/interp"])
        XCTAssertEqual(denied, EACCES)
        XCTAssertEqual(judged.map { $0.1 }, [Explain.target, Explain.loaderProgram])
        XCTAssertEqual(judged.last?.0, root + "/evil/interp")
        let (unknown, unknownJudged) = check(loader, argv: [loader, "--no-such-option", root + "/bin/tool"])
        XCTAssertEqual(unknown, EACCES)
        XCTAssertEqual(unknownJudged.map { $0.1 }, [Explain.target])
    }
}
