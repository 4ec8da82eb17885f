import XCTest
@testable import LwcrCoreHosted
import LwcrTestSupport

final class PatternTests: XCTestCase {
    let f = Fixture()

    func check(_ pattern: String, _ path: String, _ expected: Bool, line: UInt = #line) {
        XCTAssertEqual(Pattern.matches(f.bytes(pattern), f.bytes(path)), expected, "\(pattern) vs \(path)", line: line)
    }

    /// A pattern without wildcards matches exactly that path.
    func testLiteral() {
        check("/usr/bin/ls", "/usr/bin/ls", true)
        check("/usr/bin/ls", "/usr/bin/lsx", false)
        check("/usr/bin/ls", "/usr/bin/l", false)
        check("/usr/bin/ls", "/usr/bin/ls/", false)
    }

    /// `*` matches within one component, never across `/`.
    func testStarStaysInComponent() {
        check("/usr/bin/*", "/usr/bin/ls", true)
        check("/usr/bin/*", "/usr/bin/", true)
        check("/usr/bin/*", "/usr/bin/x/y", false)
        check("/opt/*/bin/*", "/opt/acme/bin/tool", true)
        check("/opt/*/bin/*", "/opt/acme/sub/bin/tool", false)
        check("/opt/a*z", "/opt/abcz", true)
        check("/opt/a*z", "/opt/ab/z", false)
    }

    /// `**` matches any number of components, and `/**/` also matches `/`.
    func testDoubleStarCrossesComponents() {
        check("/usr/**", "/usr/bin/ls", true)
        check("/usr/**", "/usr/a/b/c/d", true)
        check("/usr/**", "/usrx/bin", false)
        check("/a/**/b", "/a/b", true)
        check("/a/**/b", "/a/x/b", true)
        check("/a/**/b", "/a/x/y/b", true)
        check("/a/**/b", "/a/xb", false)
        check("/a/**/b", "/a/x/b/c", false)
        check("/**", "/anything/at/all", true)
    }

    /// `?` matches one character other than `/`.
    func testQuestionMark() {
        check("/bin/l?", "/bin/ls", true)
        check("/bin/l?", "/bin/l", false)
        check("/bin/l?", "/bin/lss", false)
        check("/bin?ls", "/bin/ls", false)
    }

    /// Matching an attacker-chosen deep path against many stars terminates
    /// quickly (no exponential backtracking); a hang here is the failure.
    func testNoExponentialBacktracking() {
        let deep = String(repeating: "/x", count: 1500)
        check("/**/a/**/b/**/c/**/d", deep, false)
        check("/*x*x*x*x*x*x*y", "/" + String(repeating: "x", count: 250), false)
    }

    /// lint's "covers": every path the narrow pattern matches, the wide one
    /// matches too; false when unsure, never true when it is not so.
    func testCovers() {
        func covers(_ wide: String, _ narrow: String) -> Bool { Pattern.covers(f.bytes(wide), f.bytes(narrow)) }
        XCTAssertTrue(covers("/a/*", "/a/b"))
        XCTAssertTrue(covers("/a/**", "/a/b/c"))
        XCTAssertTrue(covers("/a/**", "/a/b/*.sh"))
        XCTAssertTrue(covers("/a/b/*", "/a/b/*"))
        XCTAssertFalse(covers("/a/*", "/a/b/c"))
        XCTAssertFalse(covers("/a/*", "/a/*/c"))
        XCTAssertFalse(covers("/a/**", "/ab/c"))
        XCTAssertFalse(covers("/a/b", "/a/*"))
        XCTAssertTrue(covers("/a/*/**", "/a/b/c"))  // a literal narrow: exactly whether it matches
        XCTAssertFalse(covers("/a/*/**", "/a/b/*"))  // unsure (a wildcard before **): not claimed
        // Seeded: whenever covers says yes for a literal narrow, matching agrees.
        var rng = SeededRandom()
        let parts = ["a", "b", "*", "**", "?"]
        for _ in 0..<2000 {
            let wide = "/" + (0..<Int.random(in: 1...3, using: &rng)).map { _ in parts.randomElement(using: &rng)! }.joined(separator: "/")
            let narrow = "/" + (0..<Int.random(in: 1...3, using: &rng)).map { _ in ["a", "b", "c"].randomElement(using: &rng)! }.joined(separator: "/")
            if covers(wide, narrow) {
                XCTAssertTrue(Pattern.matches(f.bytes(wide), f.bytes(narrow)), "\(wide) covers \(narrow) (\(rng.replay))")
            }
        }
    }
}
