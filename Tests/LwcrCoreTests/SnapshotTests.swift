import XCTest
@testable import LwcrCoreHosted
import LwcrTestSupport

/// Compiled snapshots: the same decisions as the text they come from, at
/// their own address and relocated; and a reader that refuses, never
/// crashes on, anything but a whole, current snapshot of its directory.
final class SnapshotTests: XCTestCase {
    let f = Fixture()

    /// A directory with `files`, and its built, sealed snapshot.
    func compiled(_ files: [(String, String)]) throws -> (TempDir, SnapshotWriter.Built) {
        let d = TempDir()
        for (name, text) in files { d.write(name, text) }
        let built = try SnapshotWriter.build(f.bytes(d.path), owner: UInt32(geteuid()))
        _ = SnapshotWriter.seal(built, generation: 7)
        return (d, built)
    }

    /// The file at another address, as a process whose `base` is taken reads it.
    func copy(_ b: SnapshotWriter.Built, count: Int? = nil) -> UnsafeMutableRawBufferPointer {
        let n = count ?? b.size
        let m = UnsafeMutableRawBufferPointer.allocate(byteCount: max(n, 1), alignment: 4096)
        m.copyMemory(from: UnsafeRawBufferPointer(rebasing: b.bytes[0..<n]))
        return UnsafeMutableRawBufferPointer(rebasing: m[0..<n])
    }

    func adopt(_ file: UnsafeMutableRawBufferPointer, _ dir: String) throws(PolicyError) -> Layer {
        try Snapshot.adopt(file, directory: f.bytes(dir), verified: false, .none).0
    }

    func message(_ e: PolicyError) -> String {
        var s = "\(e.message)"
        if !e.detail.isEmpty { s += " " + f.string(e.detail) }
        return s
    }

    /// What a launch of each path would log, by the layer.
    func verdicts(_ layer: Layer, _ paths: [String]) -> [String] {
        let p = f.policy([layer])
        return paths.map { path in
            let d = f.decide(p, path)
            return "\(d.allowed) \(f.line(d, path))"
        }
    }

    func testCompiledDecidesAsText() throws {
        let sh = URL(fileURLWithPath: "/bin/sh").resolvingSymlinksInPath().path
        let files = [
            ("10-base.policy", "default deny\nallow /usr/**\nallow /bin/**\ndeny \(sh)\nrequire /usr/bin/env owner=root !script\n"),
            ("20-audit.policy", "mode audit\ndeny /usr/bin/true\nrequire /usr/bin/env group=root\n"),
            ("30-more.policy", "require /usr/bin/env elf | script\nsigner acme ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"),
        ]
        let (d, built) = try compiled(files)
        defer { SnapshotWriter.release(built) }
        var arena = f.arena
        let text = PolicyLoader.load(layers: f.bytes(d.path), system: .empty, into: &arena, compiled: false)
        f.arena = arena
        XCTAssertNil(text.error)
        let paths = ["/usr/bin/env", "/usr/bin/true", sh, "/usr/bin/ls", d.path + "/10-base.policy"]
        let expected = verdicts(text.layers![0], paths)
        // At its own address: nothing to relocate.
        let inPlace = try Snapshot.adopt(built.bytes, directory: f.bytes(d.path), verified: false, .none).0
        XCTAssertEqual(verdicts(inPlace, paths), expected)
        // Elsewhere: every pointer relocated.
        let moved = copy(built)
        defer { moved.deallocate() }
        let relocated = try adopt(moved, d.path)
        XCTAssertEqual(verdicts(relocated, paths), expected)
        XCTAssertEqual(relocated.ruleCount, text.layers![0].ruleCount)
        XCTAssertEqual(relocated.signerCount, 1)
        XCTAssertEqual(relocated.defaultVerdict, .deny)
        XCTAssertTrue(relocated.hasAuditStatements)
        XCTAssertEqual(f.string(relocated.rules![3].location.file), "10-base.policy")
        // No word of the relocated image still points into the original.
        let low = UInt(bitPattern: built.file), high = low + UInt(built.size)
        var stale = 0
        var o = Snapshot.headerSize
        while o + 8 <= moved.count {
            let w = moved.load(fromByteOffset: o, as: UInt.self)
            if w >= low && w < high { stale += 1 }
            o += 8
        }
        XCTAssertEqual(stale, 0)
    }

    func testEveryFlippedByteIsRefused() throws {
        let (d, built) = try compiled([("10.policy", "allow /usr/**\ndeny /usr/bin/yes\n")])
        defer { SnapshotWriter.release(built) }
        let good = copy(built)
        XCTAssertNoThrow(try adopt(good, d.path))
        good.deallocate()
        var accepted: [Int] = []
        for i in 0..<built.size {
            let c = copy(built)
            c[i] ^= 0xff
            do {
                _ = try adopt(c, d.path)
                accepted.append(i)
            } catch {}
            c.deallocate()
        }
        XCTAssertEqual(accepted, [], "a snapshot with one byte flipped was accepted (size \(built.size))")
    }

    func testEveryTruncationIsRefused() throws {
        let (d, built) = try compiled([("10.policy", "allow /usr/**\n")])
        defer { SnapshotWriter.release(built) }
        var accepted: [Int] = []
        for n in 0..<built.size {
            let c = copy(built, count: n)
            if (try? adopt(c, d.path)) != nil { accepted.append(n) }
            c.deallocate()
        }
        XCTAssertEqual(accepted, [])
        let c = copy(built, count: Snapshot.headerSize - 1)
        defer { c.deallocate() }
        XCTAssertThrowsError(try adopt(c, d.path)) { XCTAssertTrue(self.message($0 as! PolicyError).contains("truncated")) }
    }

    /// Random files, and random files behind a header that passes its own checks.
    func testRandomSnapshotsAreRefused() throws {
        let (d, built) = try compiled([("10.policy", "allow /usr/**\n")])
        defer { SnapshotWriter.release(built) }
        var rng = SeededRandom()
        for round in 0..<300 {
            let n = round % 2 == 0 ? Int.random(in: 0..<(3 * built.size), using: &rng) : built.size
            let c = UnsafeMutableRawBufferPointer.allocate(byteCount: max(n, 1), alignment: 4096)
            let file = UnsafeMutableRawBufferPointer(rebasing: c[0..<n])
            for i in 0..<n { file[i] = UInt8.random(in: 0...255, using: &rng) }
            if round % 2 == 1 {
                // A real header: only the checksum stands between this and a crash.
                file.copyMemory(from: UnsafeRawBufferPointer(rebasing: built.bytes[0..<Snapshot.headerSize]))
                file.storeBytes(of: 0, toByteOffset: Snapshot.liveAt, as: UInt32.self)
            }
            XCTAssertThrowsError(try adopt(file, d.path), "\(rng.replay) round \(round)")
            c.deallocate()
        }
    }

    func testAnotherDirectoryAndSupersededAreRefused() throws {
        let (d, built) = try compiled([("10.policy", "allow /usr/**\n")])
        defer { SnapshotWriter.release(built) }
        let c = copy(built)
        defer { c.deallocate() }
        XCTAssertThrowsError(try adopt(c, d.path + "x")) { XCTAssertTrue(self.message($0 as! PolicyError).contains("another directory")) }
        let s = copy(built)
        defer { s.deallocate() }
        s.storeBytes(of: 1, toByteOffset: Snapshot.liveAt, as: UInt32.self)
        XCTAssertThrowsError(try adopt(s, d.path)) { XCTAssertTrue(self.message($0 as! PolicyError).contains("superseded")) }
    }

    /// The loader prefers a directory's snapshot, and refuses one it may not trust.
    func testLoaderReadsTheSnapshotAndChecksItsOwner() throws {
        let (d, built) = try compiled([("10.policy", "deny /usr/bin/yes\n")])
        defer { SnapshotWriter.release(built) }
        // The text now says something else: the snapshot is what counts.
        d.write("10.policy", "allow /usr/bin/yes\n")
        let path = d.path + "/" + "\(Snapshot.fileName)"
        FileManager.default.createFile(atPath: path, contents: Data(UnsafeRawBufferPointer(built.bytes)),
                                       attributes: [.posixPermissions: 0o644])
        var arena = f.arena
        var p = PolicyLoader.load(layers: f.bytes(d.path), system: .empty, into: &arena)
        XCTAssertNil(p.error)
        XCTAssertNotNil(p.layers![0].compiled)
        XCTAssertEqual(p.layers![0].compiled?.generation, 7)
        XCTAssertFalse(f.decide(p, "/usr/bin/yes").allowed)
        PolicyLoader.releaseSnapshots(p)
        chmod(path, 0o664)
        p = PolicyLoader.load(layers: f.bytes(d.path), system: .empty, into: &arena)
        XCTAssertTrue(p.error.map { message($0).contains("writable by group") } ?? false)
        chmod(path, 0o644)
        if geteuid() == 0 {
            chown(path, 65534, 65534)
            p = PolicyLoader.load(layers: f.bytes(d.path), system: .empty, into: &arena)
            XCTAssertTrue(p.error.map { message($0).contains("owned by neither") } ?? false)
        }
        f.arena = arena
    }
}
