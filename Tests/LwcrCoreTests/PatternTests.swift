import XCTest
@testable import LwcrCoreHosted

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
}
