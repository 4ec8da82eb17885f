import XCTest
@testable import LwcrCoreHosted
import LwcrTestSupport

final class RuleIndexTests: XCTestCase {
    let f = Fixture()

    /// The index finds exactly the rule a scan from the last rule backwards
    /// finds, for random patterns (literal, *, **, ?) and random paths.
    func testIndexAgreesWithScan() throws {
        var rng = SeededRandom()
        let parts = ["usr", "bin", "opt", "a", "b", "tmp", "x"]
        func component() -> String {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: return "*"
            case 1: return "**"
            case 2: return "b?n"
            case 3: return "a*"
            default: return parts.randomElement(using: &rng)!
            }
        }
        var lines: [String] = []
        for _ in 0..<400 {
            let depth = Int.random(in: 1...4, using: &rng)
            let pattern = "/" + (0..<depth).map { _ in component() }.joined(separator: "/")
            lines.append(Bool.random(using: &rng) ? "allow \(pattern)" : "deny \(pattern)")
        }
        let layer = try f.layer(lines.joined(separator: "\n"))
        var indexed = layer
        indexed.index = RuleIndex.build(layer.rules!, layer.ruleCount, &f.arena)
        XCTAssertNotNil(indexed.index)
        var unindexed = layer
        unindexed.index = nil
        for _ in 0..<3000 {
            let depth = Int.random(in: 1...5, using: &rng)
            let path = "/" + (0..<depth).map { _ in parts.randomElement(using: &rng)! }.joined(separator: "/")
            let p = f.bytes(path)
            let a = Decider.rule(for: p, in: indexed).map { $0.location.line } ?? 0
            let b = Decider.rule(for: p, in: unindexed).map { $0.location.line } ?? 0
            XCTAssertEqual(a, b, "\(path) (\(rng.replay))")
            if a != b { return }
        }
    }
}
