import XCTest
@testable import LwcrCoreHosted
import LwcrTestSupport

final class PolicyParserTests: XCTestCase {
    let f = Fixture()
    let hexA = String(repeating: "a", count: 64)
    let hexB = String(repeating: "b", count: 64)

    /// Directives, comments and blank lines parse into the layer and rules.
    func testDirectivesAndRules() throws {
        let layer = try f.layer("""
            # comment
            mode audit
            default deny   # trailing comment

            require /opt/tool sha256=\(hexA) | sha256=\(hexB) owner=0
            allow /usr/libexec/**
            deny /tmp/**
            """)
        XCTAssertEqual(layer.defaultVerdict, .deny)
        XCTAssertEqual(layer.defaultLocation.line, 3)
        XCTAssertTrue(layer.auditOnly)
        XCTAssertTrue(layer.hasAuditStatements)
        XCTAssertFalse(layer.defaultEnforced)
        XCTAssertEqual(layer.ruleCount, 3)
        XCTAssertTrue(layer.rules![0].audit)
        let r = layer.rules![0]
        XCTAssertEqual(r.kind, .require)
        XCTAssertEqual(f.string(r.pattern), "/opt/tool")
        XCTAssertEqual(r.location.line, 5)
        XCTAssertEqual(f.string(r.location.file), "10-test.policy")
        XCTAssertEqual(r.factCount, 3)
        XCTAssertEqual(r.groupCount, 2)
        XCTAssertEqual(r.facts![0].group, 0)
        XCTAssertEqual(r.facts![1].group, 1)
        XCTAssertEqual(r.facts![2].kind, .owner)
        XCTAssertEqual(r.facts![2].group, 1)
        XCTAssertEqual(layer.rules![1].kind, .allow)
        XCTAssertEqual(layer.rules![2].kind, .deny)
    }

    /// Every fact word of v1 parses, with `!` negating.
    func testFactWords() throws {
        let layer = try f.layer("require /x trusted-path no-setid always never !owner=7 owner=alice",
                                users: ["alice": 1001])
        let facts = layer.rules![0].facts!
        XCTAssertEqual(facts[0].kind, .trustedPath)
        XCTAssertEqual(facts[1].kind, .noSetid)
        XCTAssertEqual(facts[2].kind, .always)
        XCTAssertEqual(facts[3].kind, .never)
        XCTAssertEqual(facts[4].kind, .owner)
        XCTAssertTrue(facts[4].negated)
        XCTAssertEqual(facts[4].uid, 7)
        XCTAssertEqual(facts[5].uid, 1001)
    }

    /// Each malformed line is an error naming its line and the word at fault.
    func testErrorsNameLineAndWord() {
        XCTAssertEqual(f.error("default allow\nfrobnicate /x"), "2: unknown directive 'frobnicate'")
        XCTAssertEqual(f.error("require /x sha256=\(hexA) frob"), "1: unknown fact 'frob'")
        XCTAssertEqual(f.error("\n\nallow usr/bin/x"), "3: a pattern must be an absolute path, not 'usr/bin/x'")
        XCTAssertEqual(f.error("require /x sha256=abc"), "1: sha256= needs 64 hex digits, not 'sha256=abc'")
        XCTAssertEqual(f.error("require /x sha256=\(hexA)0"), "1: sha256= needs 64 hex digits, not 'sha256=\(hexA)0'")
        XCTAssertEqual(f.error("require /x"), "1: require needs at least one fact, e.g. sha256=HEX")
        XCTAssertEqual(f.error("require /x always |"), "1: an alternative is empty: '|' needs facts on both sides")
        XCTAssertEqual(f.error("require /x | always"), "1: an alternative is empty: '|' needs facts on both sides")
        XCTAssertEqual(f.error("default maybe"), "1: default takes allow or deny, not 'maybe'")
        XCTAssertEqual(f.error("default"), "1: default takes one word: allow or deny")
        XCTAssertEqual(f.error("mode loud"), "1: mode takes enforce or audit, not 'loud'")
        XCTAssertEqual(f.error("allow /x extra"), "1: allow and deny take only a pattern; unexpected 'extra'")
        XCTAssertEqual(f.error("deny"), "1: a rule needs a path pattern")
        XCTAssertEqual(f.error("require /x owner=nobody-here"), "1: unknown user 'nobody-here'")
        XCTAssertEqual(f.error("require /x owner="), "1: owner= needs a user name or uid")
    }

    /// Names in /etc/passwd format resolve to uids; others do not.
    func testUserDatabase() {
        let db = UserDatabase(text: f.bytes("root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001::/home/alice:/bin/sh\n"))
        XCTAssertEqual(db.lookup(f.bytes("root")), 0)
        XCTAssertEqual(db.lookup(f.bytes("alice")), 1001)
        XCTAssertNil(db.lookup(f.bytes("ali")))
        XCTAssertNil(db.lookup(f.bytes("bob")))
    }
}
