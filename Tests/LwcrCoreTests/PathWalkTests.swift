import Foundation
import XCTest
@testable import LwcrCoreHosted
import LwcrTestSupport

final class PathWalkTests: XCTestCase {
    let dir = TempDir()
    lazy var root = URL(fileURLWithPath: dir.path).resolvingSymlinksInPath().path

    /// Opens `path`; returns the canonical name, or "errno N".
    func walk(_ path: String, noFollow: Bool = false, dirfd: Int32 = AT_FDCWD, slow: Bool = false) -> String {
        var out = [UInt8](repeating: 0, count: 4097)
        return out.withUnsafeMutableBytes { b in
            var count = 0
            let opened = slow ? PathWalk.walk(dirfd, path, flags: O_RDONLY | O_CLOEXEC, noFollow: noFollow, into: b, &count)
                              : PathWalk.open(dirfd, path, flags: O_RDONLY | O_CLOEXEC, noFollow: noFollow, into: b, &count)
            switch opened {
            case .failed(let e): return "errno \(e.code)"
            case .unnamed: return "unnamed"
            case .file(let fd): close(fd)
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: b[0..<count]), as: UTF8.self)
        }
    }

    /// A plain absolute path is its own name.
    func testPlainPath() {
        dir.write("tool", "x")
        XCTAssertEqual(walk(root + "/tool"), root + "/tool")
        XCTAssertEqual(walk("/"), "/")
        XCTAssertEqual(walk("//" + root + "/./tool"), root + "/tool")
    }

    /// The one-call path (openat2 without symlinks) and the component walk
    /// name and refuse alike.
    func testFastPathAgreesWithWalk() throws {
        dir.write("tool", "x")
        try FileManager.default.createDirectory(atPath: root + "/d", withIntermediateDirectories: true)
        let saved = FileManager.default.currentDirectoryPath
        defer { FileManager.default.changeCurrentDirectoryPath(saved) }
        FileManager.default.changeCurrentDirectoryPath(root)
        for path in [root + "/tool", root + "//./tool", "/", root + "/d/", "tool", "./d/../tool", root + "/missing", root + "/tool/"] {
            XCTAssertEqual(walk(path), walk(path, slow: true), path)
        }
        XCTAssertEqual(walk(root + "/d/"), root + "/d")
    }

    /// Symlinks, relative and absolute, anywhere in the path, are followed
    /// and do not appear in the name.
    func testSymlinksResolved() throws {
        dir.write("tool", "x")
        try FileManager.default.createDirectory(atPath: root + "/sub/deeper", withIntermediateDirectories: true)
        symlink("../tool", root + "/sub/rel")
        symlink(root + "/tool", root + "/sub/abs")
        symlink("sub", root + "/dirlink")
        symlink("rel", root + "/sub/chain")
        XCTAssertEqual(walk(root + "/sub/rel"), root + "/tool")
        XCTAssertEqual(walk(root + "/sub/abs"), root + "/tool")
        XCTAssertEqual(walk(root + "/dirlink/rel"), root + "/tool")
        XCTAssertEqual(walk(root + "/dirlink/chain"), root + "/tool")
        XCTAssertEqual(walk(root + "/dirlink/deeper/../../tool"), root + "/tool")
    }

    /// Opened with O_PATH, a final symlink is still followed (O_PATH with
    /// O_NOFOLLOW would otherwise open the link itself).
    func testPathFlagFollowsFinalSymlink() {
        dir.write("tool", "x")
        symlink("tool", root + "/link")
        var out = [UInt8](repeating: 0, count: 4097)
        let name = out.withUnsafeMutableBytes { b -> String in
            var count = 0
            guard case .file(let fd) = PathWalk.open(AT_FDCWD, root + "/link", flags: O_RDONLY | O_CLOEXEC | 0o10000000,
                                                     noFollow: false, into: b, &count) else { return "not opened" }
            close(fd)
            return String(decoding: UnsafeRawBufferPointer(rebasing: b[0..<count]), as: UTF8.self)
        }
        XCTAssertEqual(name, root + "/tool")
    }

    /// `..` goes to the physical parent, as the kernel resolves it.
    func testDotDotIsPhysical() throws {
        try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
        dir.write("a/tool", "x")
        symlink(root + "/a/b", root + "/blink")
        // blink/.. is the parent of a/b, i.e. a, not the directory holding blink.
        XCTAssertEqual(walk(root + "/blink/../tool"), root + "/a/tool")
    }

    /// Relative paths start at the working directory or the given directory.
    func testRelativePaths() {
        dir.write("tool", "x")
        let saved = FileManager.default.currentDirectoryPath
        defer { FileManager.default.changeCurrentDirectoryPath(saved) }
        FileManager.default.changeCurrentDirectoryPath(root)
        XCTAssertEqual(walk("tool"), root + "/tool")
        XCTAssertEqual(walk("./tool"), root + "/tool")
        let d = open(root, O_RDONLY | O_DIRECTORY)
        defer { close(d) }
        FileManager.default.changeCurrentDirectoryPath("/")
        XCTAssertEqual(walk("tool", dirfd: d), root + "/tool")
    }

    /// The kernel's errors: missing, not a directory, loops, AT_SYMLINK_NOFOLLOW.
    func testErrors() {
        dir.write("tool", "x")
        symlink("loop2", root + "/loop1")
        symlink("loop1", root + "/loop2")
        symlink("tool", root + "/link")
        XCTAssertEqual(walk(root + "/missing"), "errno \(ENOENT)")
        XCTAssertEqual(walk(root + "/tool/x"), "errno \(ENOTDIR)")
        XCTAssertEqual(walk(root + "/tool/"), "errno \(ENOTDIR)")
        XCTAssertEqual(walk(root + "/loop1"), "errno \(ELOOP)")
        XCTAssertEqual(walk(root + "/link", noFollow: true), "errno \(ELOOP)")
        XCTAssertEqual(walk(""), "errno \(ENOENT)")
    }

    /// A descriptor is named by /proc/self/fd only while that name still
    /// leads to the same file: renamed over, it has no usable name.
    func testNameOfRejectsStaleNames() {
        let tool = dir.write("tool", "x")
        let other = dir.write("other", "y")
        let fd = open(tool, O_RDONLY)
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: 4097)
        let before = out.withUnsafeMutableBytes { PathWalk.nameOf(fd, $0) }
        XCTAssertEqual(before, (root + "/tool").utf8.count)
        rename(other, tool)
        let after = out.withUnsafeMutableBytes { PathWalk.nameOf(fd, $0) }
        XCTAssertEqual(after, -1)
    }
}
