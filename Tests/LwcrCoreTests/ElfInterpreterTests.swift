import Foundation
import XCTest
@testable import LwcrCoreHosted
import LwcrTestSupport

/// PT_INTERP as binfmt_elf reads it, and files opened again by path later
/// (PathWalk.openHeldByRoot).
final class ElfInterpreterTests: XCTestCase {
    let dir = TempDir()

    func interpreter(_ path: String) -> ElfInterpreter.Found {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        precondition(fd >= 0, "cannot open \(path)")
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: 4097)
        return out.withUnsafeMutableBytes { ElfInterpreter.read(fd, into: $0) }
    }

    func interpreterText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: 4097)
        return out.withUnsafeMutableBytes { b -> String? in
            guard case .path(let n) = ElfInterpreter.read(fd, into: b) else { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: b[0..<n]), as: UTF8.self)
        }
    }

    func testDynamicProgramHasTheSystemLoader() throws {
        let text = try XCTUnwrap(interpreterText("/usr/bin/true"))
        XCTAssertTrue(text.hasPrefix("/") && text.contains("ld-"), text)
    }

    func testNotElfAndTruncatedTables() {
        XCTAssertEqual(interpreter(dir.write("text", "#!/bin/sh\n")), .none)
        // "\x7fELF", 64-bit, little-endian, ET_EXEC, a table that lies past the end.
        var header = [UInt8](repeating: 0, count: 64)
        header[0] = 0x7f; header[1] = 0x45; header[2] = 0x4c; header[3] = 0x46
        header[4] = 2; header[5] = 1; header[16] = 2
        header[32] = 0x00; header[33] = 0x10  // e_phoff 4096
        header[54] = 56; header[56] = 1       // one 56-byte entry
        let truncated = dir.path + "/truncated"
        FileManager.default.createFile(atPath: truncated, contents: Data(header))
        XCTAssertEqual(interpreter(truncated), .refused)
        header[54] = 40                       // a wrong entry size: the kernel refuses
        FileManager.default.createFile(atPath: truncated, contents: Data(header))
        XCTAssertEqual(interpreter(truncated), .refused)
    }

    /// The system loader is root's all the way; a path through a directory
    /// others can write, or a symlink in one, is not.
    func testHeldByRoot() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root: the files made here must be root's") }
        var out = [UInt8](repeating: 0, count: 4097)
        let loader = try XCTUnwrap(interpreterText("/usr/bin/true"))
        func held(_ path: String) -> Bool {
            out.withUnsafeMutableBytes { b -> Bool in
                var count = 0
                guard case .file(let fd) = PathWalk.openHeldByRoot(path, flags: O_RDONLY | O_CLOEXEC, into: b, &count) else { return false }
                close(fd)
                return true
            }
        }
        XCTAssertTrue(held(loader), loader)
        let open = dir.path + "/open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true)
        chmod(dir.path, 0o755)
        chmod(open, 0o777)
        dir.write("open/lib.so", "x", mode: 0o755)
        XCTAssertFalse(held(open + "/lib.so"))
        symlink(loader, open + "/link")
        XCTAssertFalse(held(open + "/link"))
        chmod(open, 0o755)
        XCTAssertTrue(held(open + "/link"))
        XCTAssertFalse(held("relative/lib.so"))
    }
}
