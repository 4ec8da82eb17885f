import XCTest
@testable import LwcrCoreHosted

/// The launch engine's pure parts, compiled from the same files as the
/// library (Sources/LwcrLaunch), without the @_cdecl edge.
final class EngineTests: XCTestCase {
    var keep: [UnsafeMutablePointer<CChar>] = []

    deinit { keep.forEach { free($0) } }

    func c(_ s: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(s)!
        keep.append(p)
        return p
    }

    func bytes(_ s: String) -> Bytes { Bytes(cString: c(s)) }

    /// `#!` lines parse as the kernel's binfmt_script reads them.
    func testShebangAsTheKernelReadsIt() {
        let cases: [(String, String?, String)] = [
            ("#!/bin/sh\n", "/bin/sh", ""),
            ("#! /bin/sh -e \n", "/bin/sh", "-e"),
            ("#!/usr/bin/env  python3  -u\n", "/usr/bin/env", "python3  -u"),
            ("#!/bin/sh\t-x\t\n", "/bin/sh", "-x"),
            ("#!/bin/sh", "/bin/sh", ""),          // no newline: the zero fill ends the name
            ("#!\n", nil, ""),
            ("#!   \n", nil, ""),
            ("#!" + String(repeating: "a", count: 300), nil, ""),  // the name may be cut short
        ]
        for (line, interpreter, argument) in cases {
            var buffer = [UInt8](repeating: 0, count: 256)
            let utf8 = Array(line.utf8.prefix(256))
            buffer.replaceSubrange(0..<utf8.count, with: utf8)
            var i = Bytes.empty, a = Bytes.empty
            let ok = buffer.withUnsafeBytes { Shebang.parse(Bytes($0), &i, &a) }
            XCTAssertEqual(ok, interpreter != nil, line)
            if let interpreter, ok {
                XCTAssertEqual(String(decoding: i.raw, as: UTF8.self), interpreter, line)
                XCTAssertEqual(String(decoding: a.raw, as: UTF8.self), argument, line)
            }
        }
    }

    /// Where the loader's program is: after its options; unknown options refused.
    func testLoaderProgramIndex() {
        func index(_ words: [String]) -> Int {
            let b = words.map { bytes($0) }
            return DynamicLoader.programIndex(b.count) { b[$0] }
        }
        XCTAssertEqual(index(["ld.so", "/bin/true"]), 1)
        XCTAssertEqual(index(["ld.so", "--library-path", "/x", "/bin/true", "arg"]), 3)
        XCTAssertEqual(index(["ld.so", "--preload", "/x.so", "--audit", "/y.so", "/bin/true"]), 5)
        XCTAssertEqual(index(["ld.so", "--", "/p"]), 2)
        XCTAssertEqual(index(["ld.so", "--list"]), -1)
        XCTAssertEqual(index(["ld.so", "--frob", "/bin/true"]), -2)
    }

    func environment(_ entries: [String?], _ env: ChildEnvironment) -> [String]? {
        var envp: [UnsafeMutablePointer<CChar>?] = entries.map { $0.map { c($0) } }
        envp.append(nil)
        return envp.withUnsafeBufferPointer { e -> [String]? in
            let p = UnsafePointer(e.baseAddress!)
            if env.unchanged(p) { return nil }
            let space = env.space(p)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: space, alignment: 16)
            defer { buffer.deallocate() }
            let out = env.build(p, into: buffer)
            var result: [String] = []
            var i = 0
            while let s = out[i] { result.append(String(cString: s)); i += 1 }
            return result
        }
    }

    /// The child gets the library and the layers in force, whatever envp
    /// says; everything else as it was, in order.
    func testChildEnvironment() {
        let env = ChildEnvironment(library: bytes("/lib/liblwcr.so"), layers: bytes("/etc/a:/home/u/b"), layersGiven: .empty)
        XCTAssertNil(environment(["HOME=/root", "LD_PRELOAD=/lib/liblwcr.so", "LWCR_POLICY=/etc/a:/home/u/b"], env))
        XCTAssertEqual(environment([], env), ["LD_PRELOAD=/lib/liblwcr.so", "LWCR_POLICY=/etc/a:/home/u/b"])
        XCTAssertEqual(environment(["A=1", "LD_PRELOAD=/x.so", "B=2", "LWCR_POLICY=/tmp/c"], env),
                       ["A=1", "LD_PRELOAD=/lib/liblwcr.so:/x.so", "B=2", "LWCR_POLICY=/etc/a:/home/u/b:/tmp/c"])
        // A child may add layers after ours, never drop them.
        XCTAssertNil(environment(["LD_PRELOAD=/lib/liblwcr.so", "LWCR_POLICY=/etc/a:/home/u/b:/extra"], env))
        XCTAssertEqual(environment(["LD_PRELOAD=/lib/liblwcr.so", "LWCR_POLICY=/etc/a"], env),
                       ["LD_PRELOAD=/lib/liblwcr.so", "LWCR_POLICY=/etc/a:/home/u/b:/etc/a"])
        // Duplicates are folded into one entry of each.
        XCTAssertEqual(environment(["LD_PRELOAD=/lib/liblwcr.so", "LWCR_POLICY=/etc/a:/home/u/b", "LWCR_POLICY=/tmp"], env),
                       ["LD_PRELOAD=/lib/liblwcr.so", "LWCR_POLICY=/etc/a:/home/u/b"])
        // Nothing in force (secure-execution mode, /etc/ld.so.preload): nothing changes.
        let none = ChildEnvironment(library: .empty, layers: .empty, layersGiven: .empty)
        XCTAssertNil(environment(["LWCR_POLICY=/tmp/evil"], none))
    }
}

/// The PATH search of execvp and posix_spawnp, driven through the gate in
/// its explaining mode (nothing is executed; the kernel is asked at the
/// end), over a fixture tree. Without a policy (none in this process) the
/// gate passes through, as a launch would.
final class PathSearchTests: XCTestCase {
    var root = ""
    var savedPath: String?

    override func setUp() {
        root = NSTemporaryDirectory() + "lwcr-path-" + UUID().uuidString
        let fm = FileManager.default
        for d in ["a", "b", "c"] { try! fm.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
        fm.createFile(atPath: root + "/a/tool", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o644])
        fm.createFile(atPath: root + "/b/tool", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        fm.createFile(atPath: root + "/c/plain", contents: Data("x".utf8), attributes: [.posixPermissions: 0o644])
        fm.createFile(atPath: root + "/file", contents: Data("x".utf8), attributes: [.posixPermissions: 0o644])
        savedPath = ProcessInfo.processInfo.environment["PATH"]
    }

    override func tearDown() {
        if let savedPath { setenv("PATH", savedPath, 1) } else { unsetenv("PATH") }
        try? FileManager.default.removeItem(atPath: root)
    }

    func search(_ name: String, path: String) -> Int32 {
        setenv("PATH", path, 1)
        var report = Report.direct
        report.explain = Explain(context: nil, judging: nil, line: nil)
        let launch = Launch(argv: nil, envp: nil, report: report, shellFallback: false)
        return name.withCString { PathSearch.execute($0, launch) }
    }

    /// A file without x is remembered as EACCES and the search goes on.
    func testEaccesRememberedAndSearchContinues() {
        XCTAssertEqual(search("tool", path: "\(root)/a:\(root)/b"), 0)
        XCTAssertEqual(search("tool", path: "\(root)/a"), EACCES)
        XCTAssertEqual(search("plain", path: "\(root)/a:\(root)/c"), EACCES)
    }

    /// Missing entries, and entries that are not directories, are skipped.
    func testMissingAndNonDirectoryEntriesSkipped() {
        XCTAssertEqual(search("tool", path: "\(root)/none:\(root)/file:\(root)/b"), 0)
        XCTAssertEqual(search("absent", path: "\(root)/a:\(root)/b"), ENOENT)
    }

    /// A name with a slash is not searched; an empty name is ENOENT; an
    /// empty PATH entry is the working directory.
    func testSlashEmptyNameAndEmptyEntry() {
        XCTAssertEqual(search("\(root)/b/tool", path: "/nonexistent"), 0)
        XCTAssertEqual(search("", path: "\(root)/b"), ENOENT)
        let cwd = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(root + "/b")
        defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
        XCTAssertEqual(search("tool", path: "/nonexistent::"), 0)
    }
}
