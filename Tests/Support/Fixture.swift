import Foundation
@testable import LwcrCoreHosted

/// An arena and helpers to turn Swift strings into the core's `Bytes`,
/// which point into memory the fixture keeps alive.
public final class Fixture {
    public let size = 8 << 20
    public let memory: UnsafeMutableRawPointer
    public var arena: Arena

    public init() {
        memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        arena = Arena(base: memory, capacity: size)
    }

    deinit { memory.deallocate() }

    public func bytes(_ s: String) -> Bytes {
        var s = s
        return s.withUTF8 { arena.copy(Bytes(UnsafeRawBufferPointer($0)))! }
    }

    public func string(_ b: Bytes) -> String { String(decoding: b.raw, as: UTF8.self) }

    /// Parses `text` as one policy file of a fresh layer.
    public func layer(_ text: String, file: String = "10-test.policy", users: [String: UInt32] = [:],
               groups: [String: UInt32] = [:]) throws(PolicyError) -> Layer {
        try layer(files: [(file, text)], users: users, groups: groups)
    }

    /// Parses several files, in order, into one layer, with the loader's own
    /// builder (the mode of each file applies to its own rules; the rule
    /// index is built; every signed-by= must name a signer).
    public func layer(files: [(String, String)], users: [String: UInt32] = [:], groups: [String: UInt32] = [:]) throws(PolicyError) -> Layer {
        let texts = arena.allocate(Bytes.self, count: files.count)!
        for (i, f) in files.enumerated() { texts[i] = bytes(f.1) }
        var builder = LayerBuilder.start(bytes("/test"), texts: texts, count: files.count, &arena)!
        var first: PolicyError? = nil
        for (i, f) in files.enumerated() where first == nil {
            builder.add(texts[i], file: bytes(f.0), names: { name, kind in
                kind == .user ? users[self.string(name)] : groups[self.string(name)]
            }) { e in if first == nil { first = e } }
        }
        if let first { throw first }
        return try builder.finish(nil, nil, &arena)
    }

    /// The error `text` produces, as "LINE: message 'detail'".
    public func error(_ text: String, users: [String: UInt32] = [:]) -> String? {
        do {
            _ = try layer(text, users: users)
            return nil
        } catch {
            let detail = error.detail.isEmpty ? "" : " '\(string(error.detail))'"
            return "\(error.location.line): \(error.message)\(detail)"
        }
    }

    public func policy(_ layers: [Layer]) -> Policy {
        var p = Policy()
        let slots = arena.allocate(Layer.self, count: layers.count)!
        for (i, l) in layers.enumerated() { slots[i] = l }
        p.layers = slots
        p.layerCount = layers.count
        return p
    }

    /// Decides a launch of the real file at `path`.
    public func decide(_ policy: Policy, _ path: String) -> Decision {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        precondition(fd >= 0, "cannot open \(path)")
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        var subject = Subject(fd: fd, path: bytes(URL(fileURLWithPath: path).resolvingSymlinksInPath().path), status: st)
        return Decider.decide(policy, &subject)
    }

    /// The log line for a decision.
    public func line(_ d: Decision, _ path: String) -> String {
        var buffer = [UInt8](repeating: 0, count: 8192)
        return buffer.withUnsafeMutableBytes { b in
            var m = Message(b)
            m.appendLogLine(path: bytes(path), d)
            return string(m.bytes)
        }
    }
}

/// A scratch directory removed at deinit.
public final class TempDir {
    public let path: String
    public init() {
        path = NSTemporaryDirectory() + "lwcr-unit-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    public func write(_ name: String, _ content: String, mode: Int = 0o644) -> String {
        let p = path + "/" + name
        FileManager.default.createFile(atPath: p, contents: Data(content.utf8), attributes: [.posixPermissions: mode])
        return p
    }
}

public func sha256Hex(_ s: String) -> String {
    var h = SHA256()
    Array(s.utf8).withUnsafeBytes { h.update($0) }
    var out = [UInt8](repeating: 0, count: 64)
    out.withUnsafeMutableBytes { h.finalize().writeHex(into: $0) }
    return String(decoding: out, as: UTF8.self)
}

/// Random tests that can be repeated: SplitMix64 from a seed, LWCR_TEST_SEED
/// or a new one, which the failing assertion's message names.
public struct SeededRandom: RandomNumberGenerator {
    public let seed: UInt64
    private var state: UInt64

    public init() {
        let given = ProcessInfo.processInfo.environment["LWCR_TEST_SEED"].flatMap { UInt64($0) }
        seed = given ?? UInt64.random(in: 0...UInt64.max)
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// For assertion messages: how to run the same test again.
    public var replay: String { "LWCR_TEST_SEED=\(seed)" }
}
