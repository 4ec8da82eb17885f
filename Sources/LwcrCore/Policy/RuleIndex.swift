/// Finding the last rule of a layer that matches a path without trying
/// every rule: a 10,000-rule policy must cost a launch what a 10-rule one
/// does.
///
/// A pattern can only match paths below its fixed prefix: the part before
/// its first wildcard, cut back to a directory ("/usr/bin/*" and
/// "/usr/bin/ls" → "/usr/bin", "/opt/**" → "/opt", "/**" → ""). Rules are
/// hashed by that directory; a launch looks up each directory above its
/// path (a handful) and tries only those rules, newest first in each
/// bucket, keeping the latest rule that matches.
public struct RuleIndex {
    var buckets: UnsafeMutablePointer<Int32>   // head rule index + 1, 0 = empty
    var next: UnsafeMutablePointer<Int32>      // per rule: the previous rule in its bucket + 1
    var mask: Int

    /// Builds the index in `arena`; nil when there is no room (then the
    /// layer is searched rule by rule).
    public static func build(_ rules: UnsafeMutablePointer<Rule>, _ count: Int, _ arena: inout Arena) -> RuleIndex? {
        var size = 16
        while size < count * 2 { size <<= 1 }
        guard let buckets = arena.allocate(Int32.self, count: size),
              let next = arena.allocate(Int32.self, count: max(count, 1)) else { return nil }
        buckets.initialize(repeating: 0, count: size)
        let index = RuleIndex(buckets: buckets, next: next, mask: size - 1)
        var r = 0
        while r < count {
            let slot = Int(hash(prefix(rules[r].pattern))) & index.mask
            next[r] = buckets[slot]
            buckets[slot] = Int32(r + 1)
            r += 1
        }
        return index
    }

    /// The directory part of a pattern before its first wildcard.
    static func prefix(_ pattern: Bytes) -> Bytes {
        var i = 0
        // An escaped literal (NUL, then the byte) ends the prefix too: the
        // bucket is then a directory further up, which is still above every
        // path the pattern matches.
        while i < pattern.count && pattern[i] != UInt8(ascii: "*") && pattern[i] != UInt8(ascii: "?") && pattern[i] != 0 { i += 1 }
        var end = i == pattern.count ? pattern.count : i
        // Back to the last "/" before the first wildcard (or the last "/" of a literal path).
        while end > 0 && pattern[end - 1] != UInt8(ascii: "/") { end -= 1 }
        return pattern.slice(0, end > 0 ? end - 1 : 0)
    }

    static func hash(_ b: Bytes) -> UInt32 {
        var h: UInt32 = 2_166_136_261  // FNV-1a
        var i = 0
        while i < b.count { h = (h ^ UInt32(b[i])) &* 16_777_619; i += 1 }
        return h
    }

    /// The index of the last rule matching `path`, or -1.
    public func lastMatch(_ path: Bytes, _ rules: UnsafeMutablePointer<Rule>, enforcedOnly: Bool = false) -> Int {
        var best = -1
        // Each directory above the path: "", "/a", "/a/b" for "/a/b/c".
        var end = 0
        while end < path.count {
            if path[end] == UInt8(ascii: "/") {
                let dir = path.slice(0, end)
                var r = Int(buckets[Int(RuleIndex.hash(dir)) & mask]) - 1
                while r > best {
                    let rule = rules[r]
                    if !(enforcedOnly && rule.audit) && RuleIndex.prefix(rule.pattern).equals(dir) && Pattern.matches(rule.pattern, path) {
                        best = r
                        break
                    }
                    r = Int(next[r]) - 1
                }
            }
            end += 1
        }
        return best
    }

    /// Calls `body` with every rule after `r` (-1: every rule) whose fixed
    /// directory is that of `pattern` or one above it: the only rules that
    /// can match every path `pattern` matches (lwcr lint's unreachable-rule
    /// check, without trying every pair).
    public func forEachLaterRule(above r: Int, _ rules: UnsafeMutablePointer<Rule>, pattern: Bytes, _ body: (Int) -> Void) {
        let own = RuleIndex.prefix(pattern)
        var end = 0
        while end <= own.count {
            if end == own.count || own[end] == UInt8(ascii: "/") {
                let dir = own.slice(0, end)
                var c = Int(buckets[Int(RuleIndex.hash(dir)) & mask]) - 1
                while c > r {
                    if RuleIndex.prefix(rules[c].pattern).equals(dir) { body(c) }
                    c = Int(next[c]) - 1
                }
            }
            end += 1
        }
    }
}
