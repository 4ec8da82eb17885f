/// How names are written in policy files, so that any file name (every
/// byte from 1 to 255) can be said, and a line means exactly what it shows.
///
/// - Words are separated by spaces and tabs (a carriage return may end a
///   line, for files written with CRLF); a word starting with `#` begins a
///   comment.
/// - Outside comments, a raw byte must be printable ASCII (0x21-0x7e);
///   inside double quotes, space and tab too. Anything else (form feed,
///   vertical tab, NUL, a no-break space, any byte >= 0x80) is an error: a
///   word must not look like two words, or like another name.
/// - In a word, `\\xHH` is the byte HH (01-ff), and `\\` before one of
///   `\\ " * ? [ #` is that character, literally.
/// - `"..."` quotes part of a word: inside, space, tab, `#`, `*`, `?` and
///   `[` are literal; backslash escapes still work.
/// - In patterns, unquoted and unescaped `*` and `?` are wildcards; `[` is
///   reserved (an error) so that a character class can be added later
///   without changing what an existing policy means.
public enum PolicyText {
    static let backslash = UInt8(ascii: "\\")
    static let quote = UInt8(ascii: "\"")

    @inline(__always)
    static func printable(_ c: UInt8) -> Bool { c >= 0x21 && c <= 0x7e }

    /// Decodes `word` into `out` (at least `word.count` bytes). With
    /// `pattern`, wildcards stay as they are and a literal `*` or `?`
    /// becomes NUL + the byte (see Pattern); without, every byte is literal.
    public static func decode(_ word: Bytes, pattern: Bool, into out: UnsafeMutablePointer<UInt8>,
                              _ here: Location) throws(PolicyError) -> Int {
        var n = 0
        var quoted = false
        var i = 0
        func literal(_ c: UInt8) {
            if pattern && (c == UInt8(ascii: "*") || c == UInt8(ascii: "?")) { out[n] = 0; n += 1 }
            out[n] = c
            n += 1
        }
        while i < word.count {
            let c = word[i]
            i += 1
            if c == quote {
                quoted.toggle()
            } else if c == backslash {
                guard i < word.count else { throw PolicyError(here, "a backslash ends the word", word) }
                let e = word[i]
                i += 1
                if e == UInt8(ascii: "x") {
                    guard i + 1 < word.count, let hi = Hex.value(word[i]), let lo = Hex.value(word[i + 1]) else {
                        throw PolicyError(here, "\\x needs two hex digits", word)
                    }
                    i += 2
                    let b = hi << 4 | lo
                    if b == 0 { throw PolicyError(here, "\\x00: no name can hold a NUL byte", word) }
                    if b == UInt8(ascii: "/") { throw PolicyError(here, "\\x2f: no name can hold a '/' (write '/' between components)", word) }
                    literal(b)
                } else if e == backslash || e == quote || e == UInt8(ascii: "*") || e == UInt8(ascii: "?")
                            || e == UInt8(ascii: "[") || e == UInt8(ascii: "#") {
                    literal(e)
                } else {
                    throw PolicyError(here, "unknown escape (write \\\\, \\\", \\*, \\?, \\[, \\# or \\xHH) in", word)
                }
            } else if quoted {
                literal(c)
            } else if c == UInt8(ascii: "[") && pattern {
                throw PolicyError(here, "'[' is reserved in patterns; write \\[ for the character, in", word)
            } else if pattern && (c == UInt8(ascii: "*") || c == UInt8(ascii: "?")) {
                out[n] = c
                n += 1
            } else {
                literal(c)
            }
        }
        if quoted { throw PolicyError(here, "a quote is not closed in", word) }
        return n
    }

    /// Writes `name` as one policy word meaning exactly those bytes: what
    /// `lwcr pin` and every other writer of policy lines use. `compiled`:
    /// `name` is a compiled pattern (wildcards kept, NUL-escaped literals
    /// written with a backslash); otherwise every byte is literal.
    public static func encode(_ name: Bytes, compiled: Bool = false, _ put: (UInt8) -> Void) {
        var i = 0
        while i < name.count {
            var c = name[i]
            i += 1
            if compiled && c == 0 && i < name.count {
                c = name[i]
                i += 1
                put(backslash)
                put(c)
                continue
            }
            if compiled && (c == UInt8(ascii: "*") || c == UInt8(ascii: "?")) {
                put(c)
            } else if c == backslash || c == quote || c == UInt8(ascii: "*") || c == UInt8(ascii: "?") || c == UInt8(ascii: "[")
                        || (c == UInt8(ascii: "#") && i == 1) {
                put(backslash)
                put(c)
            } else if printable(c) {
                put(c)
            } else {
                put(backslash)
                put(UInt8(ascii: "x"))
                put(Hex.digit(c >> 4))
                put(Hex.digit(c & 15))
            }
        }
    }

    /// Whether a compiled pattern names paths as the kernel names an open
    /// file: absolute, no empty, `.` or `..` component, no trailing `/`.
    /// Anything else could never match a canonical path, and would deny or
    /// allow nothing while looking as if it did.
    public static func isCanonical(_ p: Bytes) -> Bool {
        if p.count < 2 || p[0] != UInt8(ascii: "/") || p[p.count - 1] == UInt8(ascii: "/") { return false }
        var start = 1
        var i = 1
        while i <= p.count {
            if i == p.count || p[i] == UInt8(ascii: "/") {
                let component = p.slice(start, i)
                if component.isEmpty || component.equals(".") || component.equals("..") { return false }
                start = i + 1
            }
            i += 1
        }
        return true
    }
}

extension PolicyText {
    /// Whether every `**` (a run of two or more unescaped stars) of a
    /// compiled pattern is a whole component: `**` matches any number of
    /// components, so `/opt/tool**` would also match /opt/tools/x/y.
    public static func doubleStarsAreComponents(_ p: Bytes) -> Bool {
        var i = 0
        while i < p.count {
            if p[i] == 0 { i += 2; continue }
            if p[i] == UInt8(ascii: "*") && i + 1 < p.count && p[i + 1] == UInt8(ascii: "*") {
                var end = i
                while end < p.count && p[end] == UInt8(ascii: "*") { end += 1 }
                if i == 0 || p[i - 1] != UInt8(ascii: "/") || (end < p.count && p[end] != UInt8(ascii: "/")) { return false }
                i = end
                continue
            }
            i += 1
        }
        return true
    }
}

@inline(__always)
func isSpace(_ c: UInt8) -> Bool {
    c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n")
}

/// Separators between the words of a policy line: a carriage return counts
/// only as the end of a CRLF line (the parser drops it there), since one in
/// the middle makes a terminal hide what comes before it.
@inline(__always)
func isSeparator(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") }

/// The words of one line as written (quotes and escapes still in them,
/// see PolicyText); a word starting with `#` ends the line. A byte no word
/// may hold is an error naming the line.
///
/// `strict: false` splits at spaces only, for OpenSSH's allowed_signers
/// files, which have a syntax of their own (and free-text key comments).
struct Words {
    var line: Bytes
    var at = 0
    let here: Location
    let strict: Bool

    init(_ line: Bytes, _ here: Location, strict: Bool = true) {
        self.line = line
        self.here = here
        self.strict = strict
    }

    mutating func next() throws(PolicyError) -> Bytes? {
        if !strict {
            while at < line.count && isSpace(line[at]) { at += 1 }
            if at >= line.count || line[at] == UInt8(ascii: "#") { return nil }
            let start = at
            while at < line.count && !isSpace(line[at]) { at += 1 }
            return line.slice(start, at)
        }
        while at < line.count && isSeparator(line[at]) { at += 1 }
        if at >= line.count || line[at] == UInt8(ascii: "#") { return nil }
        let start = at
        var quoted = false
        while at < line.count {
            let c = line[at]
            if !quoted && isSeparator(c) { break }
            if c == PolicyText.quote {
                quoted.toggle()
            } else if c == PolicyText.backslash && at + 1 < line.count && PolicyText.printable(line[at + 1]) {
                at += 1
            } else if !(PolicyText.printable(c) || (quoted && (c == UInt8(ascii: " ") || c == UInt8(ascii: "\t")))) {
                throw PolicyError(here, "a byte that is not printable ASCII (write it as \\xHH) in", line.slice(start, at + 1))
            }
            at += 1
        }
        return line.slice(start, at)
    }

    mutating func expectOne(_ message: StaticString) throws(PolicyError) -> Bytes {
        guard let w = try next() else { throw PolicyError(here, message) }
        if let extra = try next() { throw PolicyError(here, message, extra) }
        return w
    }
}
