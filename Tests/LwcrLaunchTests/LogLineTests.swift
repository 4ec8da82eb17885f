import XCTest
@testable import LwcrCoreHosted

/// The log line's own parts: the calendar, JSON string escaping, and the
/// lwcr.conf parser, from the same files as the library.
final class LogLineTests: XCTestCase {
    func civil(_ seconds: Int64) -> String {
        let c = CivilTime(seconds: seconds)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute, c.second)
    }

    /// Against Python's datetime.fromtimestamp(t, timezone.utc), including
    /// leap days, the 2100 non-leap year, before 1970 and year 9999.
    func testCivilTimeAgreesWithTheGregorianCalendar() {
        let cases: [(Int64, String)] = [
            (0, "1970-01-01T00:00:00"), (951_782_400, "2000-02-29T00:00:00"), (951_868_799, "2000-02-29T23:59:59"),
            (4_107_542_399, "2100-02-28T23:59:59"), (4_107_542_400, "2100-03-01T00:00:00"), (-1, "1969-12-31T23:59:59"),
            (1_796_225_000, "2026-12-02T15:23:20"), (253_402_300_799, "9999-12-31T23:59:59"),
        ]
        for (t, want) in cases { XCTAssertEqual(civil(t), want, "\(t)") }
        // Every day boundary of 1969-2101 is a valid date one day after the last.
        var last = civil(-86_400 * 366)
        var t: Int64 = -86_400 * 365
        while t < 4_133_894_400 {
            let now = civil(t)
            XCTAssertTrue(now > last, "\(t): \(now) after \(last)")
            XCTAssertTrue(now.hasSuffix("T00:00:00"))
            last = now
            t += 86_400
        }
    }

    func escaped(_ s: String) -> String {
        var storage = [UInt8](repeating: 0, count: 256)
        return storage.withUnsafeMutableBytes { b in
            var m = Message(b)
            m.append("[")
            var bytes = Array(s.utf8)
            bytes.withUnsafeMutableBufferPointer { p in
                let text = Bytes(UnsafePointer(p.baseAddress!), count: p.count)
                m.appendJSONEscaped { $0.appendEscaped(text) }
            }
            m.append("]")
            return String(decoding: UnsafeRawBufferPointer(rebasing: b[0..<m.count]), as: UTF8.self)
        }
    }

    /// A JSON string holds the log's escaped text: quote and backslash
    /// escaped once more, nothing else, so json.loads gives that text back.
    func testJSONStringsHoldTheEscapedText() {
        XCTAssertEqual(escaped("/bin/ls"), "[/bin/ls]")
        XCTAssertEqual(escaped("a\"b"), "[a\\\"b]")
        XCTAssertEqual(escaped("a\\b"), "[a\\\\\\\\b]")
        XCTAssertEqual(escaped("a\nb\"}"), "[a\\\\x0ab\\\"}]")
        XCTAssertEqual(escaped("\"\"\""), "[\\\"\\\"\\\"]")
    }

    /// Cut at the buffer's end, never past it.
    func testJSONEscapingIsCutAtCapacity() {
        var storage = [UInt8](repeating: 0xAA, count: 12)
        storage.withUnsafeMutableBytes { b in
            var m = Message(UnsafeMutableRawBufferPointer(rebasing: b[0..<8]))
            m.append("ab")
            m.appendJSONEscaped { $0.append("\"\"\"\"\"") }
            XCTAssertEqual(m.count, 8)
            XCTAssertEqual(Array(b[0..<8]), Array("ab\\\"\\\"\\\"".utf8))
            XCTAssertEqual(Array(b[8..<12]), [0xAA, 0xAA, 0xAA, 0xAA])
        }
    }

    func parse(_ text: String) -> (String, LogSettings.Format, [Int32]) {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { p in
            var target = Bytes.empty
            var format = LogSettings.Format.text
            var problems: [Int32] = []
            LogSettings.parse(Bytes(UnsafePointer(p.baseAddress!), count: p.count), target: &target, format: &format) { problems.append($0.line) }
            return (String(decoding: UnsafeRawBufferPointer(start: target.base, count: target.count), as: UTF8.self), format, problems)
        }
    }

    func testSettingsFile() {
        let (t1, f1, p1) = parse("# comment\nlog = journal   # trailing\n\n  format=json\r\n")
        XCTAssertEqual(t1, "journal"); XCTAssertEqual(f1, .json); XCTAssertEqual(p1, [])
        let (t2, f2, p2) = parse("log = /var/log/lwcr.log\nformat = xml\nlog = relative\nverbose = 1\nno equals\n")
        XCTAssertEqual(t2, "/var/log/lwcr.log", "an invalid later line keeps the valid value")
        XCTAssertEqual(f2, .text)
        XCTAssertEqual(p2, [2, 3, 4, 5])
        let (t3, _, p3) = parse("log = /\n")
        XCTAssertEqual(t3, "", "'/' alone is no file")
        XCTAssertEqual(p3, [1])
    }
}
