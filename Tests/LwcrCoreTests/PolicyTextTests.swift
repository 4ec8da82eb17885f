import XCTest
@testable import LwcrCoreHosted
import LwcrTestSupport

/// The policy language's quoting (PolicyText) and the rules that make a
/// policy mean what it shows.
final class PolicyTextTests: XCTestCase {
    let f = Fixture()
    let dir = TempDir()

    /// The word `lwcr pin` would write for a name.
    func encoded(_ name: [UInt8], compiled: Bool = false) -> String {
        var out: [UInt8] = []
        name.withUnsafeBytes { PolicyText.encode(Bytes($0), compiled: compiled) { out.append($0) } }
        return String(decoding: out, as: UTF8.self)
    }

    func decoded(_ word: String, pattern: Bool) throws(PolicyError) -> [UInt8] {
        let w = f.bytes(word)
        var out = [UInt8](repeating: 0, count: w.count + 1)
        let n = try out.withUnsafeMutableBufferPointer { (b) throws(PolicyError) -> Int in
            try PolicyText.decode(w, pattern: pattern, into: b.baseAddress!, .none)
        }
        return Array(out[0..<n])
    }

    /// Every byte from 1 to 255 survives encode then decode, and the encoded
    /// word is printable ASCII only.
    func testEveryByteRoundTrips() throws {
        for b in 1...255 {
            let name: [UInt8] = Array("/opt/a".utf8) + [UInt8(b)] + Array("z".utf8)
            let word = encoded(name)
            XCTAssertTrue(word.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7e }, "byte \(b): \(word)")
            XCTAssertEqual(try decoded(word, pattern: false), name, "byte \(b): \(word)")
            // As a pattern, the name matches itself and nothing a wildcard would.
            let compiled = try decoded(word, pattern: true)
            var sibling = name
            sibling[6] = b == 0x41 ? 0x42 : 0x41
            compiled.withUnsafeBytes { c in
                name.withUnsafeBytes { XCTAssertTrue(Pattern.matches(Bytes(c), Bytes($0)), "byte \(b)") }
                sibling.withUnsafeBytes { XCTAssertFalse(Pattern.matches(Bytes(c), Bytes($0)), "byte \(b) admits a sibling") }
            }
        }
    }

    /// Names with wildcard characters match only themselves once pinned.
    func testLiteralWildcardsMatchOnlyThemselves() throws {
        let p = try decoded(encoded(Array("/x/st*r?".utf8)), pattern: true)
        p.withUnsafeBytes { c in
            XCTAssertTrue(Pattern.matches(Bytes(c), f.bytes("/x/st*r?")))
            XCTAssertFalse(Pattern.matches(Bytes(c), f.bytes("/x/stXrY")))
        }
        // Unescaped, they stay wildcards; a compiled pattern prints as it was written.
        let w = try decoded("/x/\\*/st*", pattern: true)
        XCTAssertEqual(encoded(w, compiled: true), "/x/\\*/st*")
        w.withUnsafeBytes { c in
            XCTAssertTrue(Pattern.matches(Bytes(c), f.bytes("/x/*/stuff")))
            XCTAssertFalse(Pattern.matches(Bytes(c), f.bytes("/x/a/stuff")))
        }
    }

    /// Quotes and escapes decode as documented.
    func testQuotesAndEscapes() throws {
        XCTAssertEqual(try decoded("\"/opt/a b\"/tool", pattern: false), Array("/opt/a b/tool".utf8))
        XCTAssertEqual(try decoded("/a\\x41\\x7e", pattern: false), Array("/aA~".utf8))
        XCTAssertEqual(try decoded("\"/x/#[*]\"", pattern: true), [47, 120, 47, 35, 91, 0, 42, 93])
        XCTAssertEqual(try decoded("/x/\\\\\\\"", pattern: false), Array("/x/\\\"".utf8))
    }

    /// Malformed quoting is an error naming the line and the word.
    func testQuotingErrors() {
        XCTAssertEqual(f.error("deny /x/[ab]"), "1: '[' is reserved in patterns; write \\[ for the character, in '/x/[ab]'")
        XCTAssertEqual(f.error("deny /x/\\q"), "1: unknown escape (write \\\\, \\\", \\*, \\?, \\[, \\# or \\xHH) in '/x/\\q'")
        XCTAssertEqual(f.error("deny \"/x/a b"), "1: a quote is not closed in '\"/x/a b'")
        XCTAssertEqual(f.error("deny /x/\\x00"), "1: \\x00: no name can hold a NUL byte '/x/\\x00'")
        XCTAssertEqual(f.error("deny /x/\\x4"), "1: \\x needs two hex digits '/x/\\x4'")
        XCTAssertEqual(f.error("deny /x/a\\x2fb"), "1: \\x2f: no name can hold a '/' (write '/' between components) '/x/a\\x2fb'")
    }

    /// Bytes that would make a word look like two, or like another name,
    /// are errors: form feed, vertical tab, NUL, a no-break space.
    func testInvisibleSeparatorsAreErrors() {
        for sep in ["\u{0C}", "\u{0B}", "\u{00}", "\u{A0}"] {
            let e = f.error("# ok\ndeny /x/evil\(sep)/y")
            XCTAssertNotNil(e, "separator \(sep.unicodeScalars.first!.value)")
            XCTAssertTrue(e?.hasPrefix("2: a byte that is not printable ASCII") ?? false, e ?? "")
        }
        // A carriage return ends a CRLF line, and separates nothing else: in
        // the middle it would hide the words before it on a terminal.
        XCTAssertNil(f.error("deny /x/evil\r\nallow /y\r\n"))
        XCTAssertTrue(f.error("allow /x/bad\r# nothing here")?.hasPrefix("1: a byte that is not printable ASCII") ?? false)
        XCTAssertTrue(f.error("deny\r/x/evil")?.hasPrefix("1: a byte that is not printable ASCII") ?? false)
        // In comments anything goes.
        XCTAssertNil(f.error("deny /x/evil # J\u{FC}rgen's \u{0C} rule"))
    }

    /// A pattern must name paths as the kernel names open files.
    func testNonCanonicalPatternsAreErrors() {
        for p in ["/x//evil", "/x/./evil", "/x/y/../evil", "/x/evil/", "/", "/x/.", "/x/.."] {
            let e = f.error("deny \(p)")
            XCTAssertTrue(e?.hasPrefix("1: a pattern must be a canonical path") ?? false, "\(p): \(e ?? "accepted")")
        }
        XCTAssertNil(f.error("deny /x/.hidden/..evil/**"))
    }

    /// `**` is a whole component: inside a name it would match across `/`.
    func testDoubleStarIsAComponent() {
        for p in ["/x/b**", "/x/**x", "/x/a**/b", "/x/a\\***"] {
            XCTAssertTrue(f.error("deny \(p)")?.hasPrefix("1: '**' must be a whole component") ?? false, p)
        }
        for p in ["/**", "/x/**", "/x/**/b", "/x/***", "/x/a*", "/x/\\*\\*"] {
            XCTAssertNil(f.error("deny \(p)"), p)
        }
    }

    /// `mode audit` covers the rules of its own file only: an added trial
    /// file neither switches off nor weakens the enforced files.
    func testModeBelongsToItsFile() throws {
        let t = dir.path + "/tmp-tool"
        let b = dir.path + "/bin-tool"
        FileManager.default.createFile(atPath: t, contents: Data("x".utf8))
        FileManager.default.createFile(atPath: b, contents: Data("x".utf8))
        let layer = try f.layer(files: [("10-base.policy", "deny \(t)"),
                                        ("20-trial.policy", "mode audit\nrequire \(b) never\nallow \(t)")])
        let p = f.policy([layer])
        let dt = f.decide(p, t)
        XCTAssertFalse(dt.allowed, "an audit file's allow weakened an enforced deny")
        XCTAssertEqual(f.string(dt.location.file), "10-base.policy")
        let db = f.decide(p, b)
        XCTAssertTrue(db.allowed)
        XCTAssertTrue(db.audited)
        XCTAssertEqual(f.string(db.location.file), "20-trial.policy")
        // An earlier audit file is audited even when a later one says enforce.
        let l2 = try f.layer(files: [("05-trial.policy", "mode audit\ndeny \(b)"), ("10-base.policy", "mode enforce\ndeny \(t)")])
        let d2 = f.decide(f.policy([l2]), b)
        XCTAssertTrue(d2.allowed)
        XCTAssertTrue(d2.audited)
        XCTAssertFalse(l2.auditOnly)
    }

    /// One default per layer; an audit file's default is audited only.
    func testDefaults() throws {
        let tool = dir.path + "/tool"
        FileManager.default.createFile(atPath: tool, contents: Data("x".utf8))
        XCTAssertThrowsError(try f.layer(files: [("10-a.policy", "default allow"), ("20-b.policy", "\ndefault deny")])) { e in
            let e = e as! PolicyError
            XCTAssertEqual(e.location.line, 2)
            XCTAssertEqual(f.string(e.location.file), "20-b.policy")
            XCTAssertEqual(f.string(e.detail), "10-a.policy")
        }
        XCTAssertNoThrow(try f.layer(files: [("10-a.policy", "default deny"), ("20-b.policy", "default deny")]))
        let audited = try f.layer(files: [("10-a.policy", "allow /nothing"), ("20-b.policy", "mode audit\ndefault deny")])
        let d = f.decide(f.policy([audited]), tool)
        XCTAssertTrue(d.allowed)
        XCTAssertTrue(d.audited)
        XCTAssertEqual(d.finding.reason, .defaultDeny)
        XCTAssertEqual(f.error("mode audit\nmode enforce"), "2: conflicting mode: this file already says the opposite")
        // mode covers the whole file, so it must come first: written below a
        // rule it would change what that line seems to say.
        XCTAssertEqual(f.error("deny /x\nmode audit"), "2: mode must come before the rules and default of its file (it applies to the whole file)")
        XCTAssertEqual(f.error("default deny\nmode audit"), "2: mode must come before the rules and default of its file (it applies to the whole file)")
    }

    /// Log lines escape what came from outside: one line per decision.
    func testLogLinesEscapeNames() {
        var d = Decision()
        d.allowed = false
        d.finding.reason = .deniedByRule
        d.location = Location(file: f.bytes("10\n.policy"), line: 3)
        let line = f.line(d, "/x/evil: x [10.policy:1]\nlwcr: audit /usr/bin/ok\\\u{1b}")
        XCTAssertEqual(line, "lwcr: deny /x/evil: x [10.policy:1]\\x0alwcr: audit /usr/bin/ok\\\\\\x1b: denied by rule [10\\x0a.policy:3]\n")
        XCTAssertEqual(line.filter { $0 == "\n" }.count, 1)
    }
}
