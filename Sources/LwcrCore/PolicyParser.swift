/// Parses one policy file (policy language v1, see README) into a layer.
///
/// The parser is strict: an unknown word, a relative pattern or a malformed
/// fact is an error naming the file and line, because a policy that means
/// something other than what its author wrote must not silently allow.
public struct PolicyParser {
    /// Rules and facts are appended here; capacities come from `Capacity`.
    public var rules: UnsafeMutablePointer<Rule>
    public var ruleCapacity: Int
    public var ruleCount = 0
    public var facts: UnsafeMutablePointer<Fact>
    public var factCapacity: Int
    public var factCount = 0

    public init(rules: UnsafeMutablePointer<Rule>, ruleCapacity: Int, facts: UnsafeMutablePointer<Fact>, factCapacity: Int) {
        self.rules = rules
        self.ruleCapacity = ruleCapacity
        self.facts = facts
        self.factCapacity = factCapacity
    }

    /// Upper bounds on what `text` can produce: a rule per line, a fact per word.
    public static func capacity(of text: Bytes) -> (rules: Int, facts: Int) {
        var lines = 1
        var words = 0
        var inWord = false
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: "\n") { lines += 1 }
            let space = isSpace(c)
            if !space && !inWord { words += 1 }
            inWord = !space
            i += 1
        }
        return (lines, words)
    }

    /// Parses `text`, the content of the file named `file`, into `layer`.
    public mutating func parse(_ text: Bytes, file: Bytes, into layer: inout Layer, users: (Bytes) -> UInt32?) throws(PolicyError) {
        var lineNumber: Int32 = 0
        var start = 0
        while start <= text.count {
            lineNumber += 1
            let end = text.firstIndex(of: UInt8(ascii: "\n"), from: start) ?? text.count
            let here = Location(file: file, line: lineNumber)
            try parseLine(text.slice(start, end), at: here, into: &layer, users: users)
            start = end + 1
        }
    }

    /// Like `parse`, but reports every faulty line to `report` and goes on:
    /// for `lwcr lint`, which lists all problems at once.
    public mutating func lint(_ text: Bytes, file: Bytes, into layer: inout Layer, users: (Bytes) -> UInt32?,
                              report: (PolicyError) -> Void) {
        var lineNumber: Int32 = 0
        var start = 0
        while start <= text.count {
            lineNumber += 1
            let end = text.firstIndex(of: UInt8(ascii: "\n"), from: start) ?? text.count
            do throws(PolicyError) {
                try parseLine(text.slice(start, end), at: Location(file: file, line: lineNumber), into: &layer, users: users)
            } catch {
                report(error)
            }
            start = end + 1
        }
    }

    private mutating func parseLine(_ line: Bytes, at here: Location, into layer: inout Layer, users: (Bytes) -> UInt32?) throws(PolicyError) {
        var words = Words(line)
        guard let directive = words.next() else { return }
        if directive.equals("default") {
            let v = try words.expectOne(here, "default takes one word: allow or deny")
            if v.equals("allow") { layer.defaultVerdict = .allow }
            else if v.equals("deny") { layer.defaultVerdict = .deny }
            else { throw PolicyError(here, "default takes allow or deny, not", v) }
            layer.defaultLocation = here
        } else if directive.equals("mode") {
            let v = try words.expectOne(here, "mode takes one word: enforce or audit")
            if v.equals("enforce") { layer.audit = false }
            else if v.equals("audit") { layer.audit = true }
            else { throw PolicyError(here, "mode takes enforce or audit, not", v) }
        } else if directive.equals("allow") || directive.equals("deny") {
            let pattern = try Self.pattern(words.next(), here)
            if let extra = words.next() { throw PolicyError(here, "allow and deny take only a pattern; unexpected", extra) }
            try append(Rule(kind: directive.equals("allow") ? .allow : .deny, pattern: pattern, location: here,
                            facts: nil, factCount: 0, groupCount: 0), here)
        } else if directive.equals("require") {
            let pattern = try Self.pattern(words.next(), here)
            let first = factCount
            var group: Int32 = 0
            var groupHasFact = false
            while let w = words.next() {
                if w.equals("|") {
                    if !groupHasFact { throw PolicyError(here, "an alternative is empty: '|' needs facts on both sides") }
                    group += 1
                    groupHasFact = false
                    continue
                }
                guard factCount < factCapacity else { throw PolicyError(here, "too many facts") }
                facts[factCount] = try Self.fact(w, group: group, here, users: users)
                factCount += 1
                groupHasFact = true
            }
            if factCount == first { throw PolicyError(here, "require needs at least one fact, e.g. sha256=HEX") }
            if !groupHasFact { throw PolicyError(here, "an alternative is empty: '|' needs facts on both sides") }
            try append(Rule(kind: .require, pattern: pattern, location: here, facts: facts + first,
                            factCount: Int32(factCount - first), groupCount: group + 1), here)
        } else {
            throw PolicyError(here, "unknown directive", directive)
        }
    }

    private mutating func append(_ rule: Rule, _ here: Location) throws(PolicyError) {
        guard ruleCount < ruleCapacity else { throw PolicyError(here, "too many rules") }
        rules[ruleCount] = rule
        ruleCount += 1
    }

    static func pattern(_ word: Bytes?, _ here: Location) throws(PolicyError) -> Bytes {
        guard let p = word else { throw PolicyError(here, "a rule needs a path pattern") }
        if p[0] != UInt8(ascii: "/") { throw PolicyError(here, "a pattern must be an absolute path, not", p) }
        return p
    }

    static func fact(_ word: Bytes, group: Int32, _ here: Location, users: (Bytes) -> UInt32?) throws(PolicyError) -> Fact {
        var w = word
        let negated = w[0] == UInt8(ascii: "!")
        if negated { w = w.slice(1, w.count) }
        var fact = Fact(kind: .always, negated: negated, group: group, uid: 0, digest: nil, word: word)
        if w.hasPrefix("sha256=") {
            guard let d = SHA256Digest(hex: w.slice(7, w.count).raw) else {
                throw PolicyError(here, "sha256= needs 64 hex digits, not", w)
            }
            fact.kind = .sha256
            fact.digest = d
        } else if w.hasPrefix("owner=") {
            let name = w.slice(6, w.count)
            if name.isEmpty { throw PolicyError(here, "owner= needs a user name or uid") }
            if let uid = name.decimalUInt32 {
                fact.uid = uid
            } else if let uid = users(name) {
                fact.uid = uid
            } else {
                throw PolicyError(here, "unknown user", name)
            }
            fact.kind = .owner
        } else if w.equals("trusted-path") {
            fact.kind = .trustedPath
        } else if w.equals("no-setid") {
            fact.kind = .noSetid
        } else if w.equals("always") {
            fact.kind = .always
        } else if w.equals("never") {
            fact.kind = .never
        } else {
            throw PolicyError(here, "unknown fact", word)
        }
        return fact
    }
}

@inline(__always)
func isSpace(_ c: UInt8) -> Bool {
    c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n")
}

/// The words of one line; a word starting with `#` ends the line.
struct Words {
    var line: Bytes
    var at = 0

    init(_ line: Bytes) { self.line = line }

    mutating func next() -> Bytes? {
        while at < line.count && isSpace(line[at]) { at += 1 }
        if at >= line.count || line[at] == UInt8(ascii: "#") { return nil }
        let start = at
        while at < line.count && !isSpace(line[at]) { at += 1 }
        return line.slice(start, at)
    }

    mutating func expectOne(_ here: Location, _ message: StaticString) throws(PolicyError) -> Bytes {
        guard let w = next() else { throw PolicyError(here, message) }
        if let extra = next() { throw PolicyError(here, message, extra) }
        return w
    }
}
