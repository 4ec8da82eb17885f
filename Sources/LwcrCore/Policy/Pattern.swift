/// Path patterns: `*` matches within one component, `**` across any number
/// of components (and `/**/` also matches a single `/`), `?` one character
/// other than `/`. Everything else matches itself.
///
/// Patterns are compiled by PolicyText: a NUL byte (which no path holds)
/// escapes the byte after it, so a name's literal `*` or `?` (written
/// `\*`, `\?` or quoted in the policy) is stored as NUL + the byte.
///
/// The path is attacker-chosen (any length up to PATH_MAX), so matching must
/// not backtrack exponentially. Two early exits bound it, as in rsync's
/// wildmatch: when the text runs out, no longer star can help (abortAll);
/// when a `*` meets a `/`, only an earlier `**` can help (abortToDoubleStar).
public enum Pattern {
    public static func matches(_ pattern: Bytes, _ path: Bytes) -> Bool {
        match(pattern, 0, path, 0) == .match
    }

    enum Outcome { case match, noMatch, abortAll, abortToDoubleStar }

    static func match(_ p: Bytes, _ pStart: Int, _ s: Bytes, _ sStart: Int) -> Outcome {
        let slash = UInt8(ascii: "/")
        let star = UInt8(ascii: "*")
        var pi = pStart
        var si = sStart
        while pi < p.count {
            let c = p[pi]
            if c == star {
                let double = pi + 1 < p.count && p[pi + 1] == star
                var next = pi + (double ? 2 : 1)
                if double {
                    while next < p.count && p[next] == star { next += 1 }
                    // "/**/" may stand for "/": try skipping "**/" entirely.
                    if next < p.count && p[next] == slash && pi > 0 && p[pi - 1] == slash {
                        let r = match(p, next + 1, s, si)
                        if r == .match || r == .abortAll { return r }
                    }
                    if next == p.count { return .match }
                } else if next == p.count {
                    return s.firstIndex(of: slash, from: si) == nil ? .match : .abortToDoubleStar
                }
                var k = si
                while true {
                    let r = match(p, next, s, k)
                    if r == .match || r == .abortAll { return r }
                    if !double && r == .abortToDoubleStar { return r }
                    if k >= s.count { return .abortAll }
                    if !double && s[k] == slash { return .abortToDoubleStar }
                    k += 1
                }
            }
            if si >= s.count { return .abortAll }
            if c == 0 {
                // An escaped literal: the next byte matches only itself.
                pi += 1
                if pi >= p.count || p[pi] != s[si] { return .noMatch }
            } else if c == UInt8(ascii: "?") {
                if s[si] == slash { return .noMatch }
            } else if c != s[si] {
                return .noMatch
            }
            pi += 1
            si += 1
        }
        return si == s.count ? .match : .noMatch
    }
}

extension Pattern {
    /// No wildcard at all (an escaped `*` or `?` counts as one here: the
    /// answer errs towards "not literal", which only costs lint a warning).
    public static func isLiteral(_ p: Bytes) -> Bool {
        p.firstIndex(of: UInt8(ascii: "*")) == nil && p.firstIndex(of: UInt8(ascii: "?")) == nil
    }

    /// Whether every path `narrow` matches is matched by `wide` (lint's
    /// unreachable rules): the same pattern, a literal path `wide` matches,
    /// or `wide` = PREFIX/** with `narrow` below PREFIX. False when unsure.
    public static func covers(_ wide: Bytes, _ narrow: Bytes) -> Bool {
        if wide.equals(narrow) { return true }
        if isLiteral(narrow) { return matches(wide, narrow) }
        if wide.hasSuffix("/**") {
            let prefix = wide.slice(0, wide.count - 2)
            if isLiteral(prefix) { return narrow.hasPrefix(prefix) }
        }
        return false
    }
}
