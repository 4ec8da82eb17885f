import CInterpose

/// Reads the judged file and the verdict back from one of lwcr's log lines.
enum LogLineReader {
    enum Read {
        case entry(Seen.Entry)
        /// In lwcr's form, but naming no file a launch could have.
        case unusable
    }

    static func parse(_ line: Bytes) -> Read? {
        var start = 0
        while start < line.count && (line[start] == 32 || line[start] == 9) { start += 1 }
        if start < line.count && line[start] == UInt8(ascii: "{") { return json(line.slice(start, line.count)) }
        return textLine(line)
    }

    /// `... lwcr: VERDICT NAME: REASON ...` or `... lwcr[PID]: VERDICT ...`;
    /// with `SCRIPT: interpreter NAME: ` (or ELF interpreter, library) the
    /// file judged is NAME. A name is one word (its spaces are \x20), so
    /// the first ": " ends it.
    static func textLine(_ line: Bytes) -> Read? {
        var i = 0
        var after = -1
        while i + 5 <= line.count {
            if line.slice(i, i + 4).equals("lwcr") && (i == 0 || line[i - 1] == 32 || line[i - 1] == UInt8(ascii: ">")) {
                var j = i + 4
                if j < line.count && line[j] == UInt8(ascii: "[") {
                    while j < line.count && line[j] != UInt8(ascii: "]") { j += 1 }
                    j += 1
                }
                if j + 1 < line.count && line[j] == UInt8(ascii: ":") && line[j + 1] == 32 { after = j + 2; break }
            }
            i += 1
        }
        if after < 0 { return nil }
        var rest = line.slice(after, line.count)
        let verdict: UInt8
        if rest.hasPrefix("deny ") { verdict = UInt8(ascii: "d"); rest = rest.slice(5, rest.count) }
        else if rest.hasPrefix("audit ") { verdict = UInt8(ascii: "a"); rest = rest.slice(6, rest.count) }
        else if rest.hasPrefix("allow ") { verdict = UInt8(ascii: "l"); rest = rest.slice(6, rest.count) }
        else { return nil }
        guard var end = colonSpace(rest, from: 0) else { return nil }
        var name = rest.slice(0, end)
        let tail = rest.slice(end + 2, rest.count)
        for role in [Bytes("interpreter "), Bytes("ELF interpreter "), Bytes("library ")] where tail.hasPrefix(role) {
            if let second = colonSpace(tail, from: role.count) {
                name = tail.slice(role.count, second)
                end = second
            }
            break
        }
        guard let path = unescape(name) else { return .unusable }
        return .entry(Seen.Entry(path: path, verdict: verdict))
    }

    static func colonSpace(_ b: Bytes, from: Int) -> Int? {
        var i = from
        while i + 1 < b.count {
            if b[i] == UInt8(ascii: ":") && b[i + 1] == 32 { return i }
            i += 1
        }
        return nil
    }

    /// lwcr's JSON lines ("verdict", "path") and journalctl -o json
    /// ("LWCR_VERDICT", "LWCR_PATH").
    static func json(_ object: Bytes) -> Read? {
        guard let verdict = field(object, "\"verdict\":") ?? field(object, "\"LWCR_VERDICT\":"),
              let name = field(object, "\"path\":") ?? field(object, "\"LWCR_PATH\":") else { return nil }
        let v: UInt8
        if verdict == [UInt8](Bytes("deny")) { v = UInt8(ascii: "d") }
        else if verdict == [UInt8](Bytes("audit")) { v = UInt8(ascii: "a") }
        else if verdict == [UInt8](Bytes("allow")) { v = UInt8(ascii: "l") }
        else { return nil }
        guard let path = name.withBytes({ unescape($0) }) else { return .unusable }
        return .entry(Seen.Entry(path: path, verdict: v))
    }

    /// The string value after `key` (a top-level key of a flat object),
    /// JSON escapes undone.
    static func field(_ object: Bytes, _ key: StaticString) -> [UInt8]? {
        let k = Bytes(key)
        var i = 0
        while i + k.count < object.count {
            if object.slice(i, i + k.count).equals(k) {
                var j = i + k.count
                while j < object.count && object[j] == 32 { j += 1 }
                if j >= object.count || object[j] != UInt8(ascii: "\"") { return nil }
                j += 1
                var out: [UInt8] = []
                while j < object.count && object[j] != UInt8(ascii: "\"") {
                    var c = object[j]
                    if c == UInt8(ascii: "\\") && j + 1 < object.count {
                        j += 1
                        c = object[j]
                        if c == UInt8(ascii: "u") && j + 4 < object.count,
                           let a = Hex.value(object[j + 1]), let b = Hex.value(object[j + 2]),
                           let h = Hex.value(object[j + 3]), let l = Hex.value(object[j + 4]), a == 0 && b == 0 {
                            c = h << 4 | l
                            j += 4
                        } else if c == UInt8(ascii: "n") { c = 10 }
                        else if c == UInt8(ascii: "t") { c = 9 }
                    }
                    if c == 0 { return nil }
                    out.append(c)
                    j += 1
                }
                return j < object.count ? out : nil
            }
            i += 1
        }
        return nil
    }

    /// Log escaping undone: `\\` and `\xHH` (Message.appendEscaped).
    static func unescape(_ b: Bytes) -> [UInt8]? {
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            var c = b[i]
            if c == UInt8(ascii: "\\") {
                if i + 1 < b.count && b[i + 1] == UInt8(ascii: "\\") { i += 1 }
                else if i + 3 < b.count && b[i + 1] == UInt8(ascii: "x"), let h = Hex.value(b[i + 2]), let l = Hex.value(b[i + 3]) {
                    c = h << 4 | l
                    i += 3
                } else { return nil }
                // No name holds a NUL: a line that says one is not lwcr's.
                if c == 0 { return nil }
            }
            out.append(c)
            i += 1
        }
        if out.isEmpty || out[0] != UInt8(ascii: "/") { return nil }
        return out
    }
}
