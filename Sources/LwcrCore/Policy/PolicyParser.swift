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
    /// Signers, one per line at most (capacity: the rule capacity).
    public var signers: UnsafeMutablePointer<Signer>?
    public var signerCount = 0
    /// Room for signers (nil: as many as rules).
    public var signerCapacity: Int? = nil
    /// Decoded names (patterns, file names), each with a NUL: never longer
    /// than their words, so twice the texts' total size is enough.
    public var literals: UnsafeMutablePointer<UInt8>?
    public var literalCapacity = 0
    public var literalCount = 0
    /// The current file's `mode`, and whether it stated the default.
    var fileMode: Bool? = nil
    var fileStatedDefault = false
    var fileFirstRule = 0

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

    /// Parses `text`, the content of the file named `file`, into `layer`;
    /// throws the first error.
    public mutating func parse(_ text: Bytes, file: Bytes, into layer: inout Layer, names: (Bytes, NameKind) -> UInt32?) throws(PolicyError) {
        var first: PolicyError? = nil
        lint(text, file: file, into: &layer, names: names) { e in if first == nil { first = e } }
        if let first { throw first }
    }

    /// Like `parse`, but reports every faulty line to `report` and goes on:
    /// for `lwcr lint`, which lists all problems at once.
    ///
    /// `mode` belongs to the file that says it: its rules (and its default)
    /// are marked audit, wherever in the file the line is, and no other
    /// file's rules change. One default per layer: a second that disagrees
    /// is an error, since which file was read last would otherwise decide.
    public mutating func lint(_ text: Bytes, file: Bytes, into layer: inout Layer, names: (Bytes, NameKind) -> UInt32?,
                              report: (PolicyError) -> Void) {
        fileFirstRule = ruleCount
        fileMode = nil
        fileStatedDefault = false
        var lineNumber: Int32 = 0
        var start = 0
        while start <= text.count {
            lineNumber += 1
            let end = text.firstIndex(of: UInt8(ascii: "\n"), from: start) ?? text.count
            // A CRLF line ends in a carriage return: not part of the line.
            let cut = end > start && text[end - 1] == UInt8(ascii: "\r") ? end - 1 : end
            do throws(PolicyError) {
                try parseLine(text.slice(start, cut), at: Location(file: file, line: lineNumber), into: &layer, names: names)
            } catch {
                report(error)
            }
            start = end + 1
        }
        let audit = fileMode == true
        if audit {
            layer.auditFiles += 1
            var r = fileFirstRule
            while r < ruleCount { rules[r].audit = true; r += 1 }
            if ruleCount > fileFirstRule || fileStatedDefault { layer.hasAuditStatements = true }
        } else {
            layer.enforcedStatements += ruleCount - fileFirstRule
            if fileStatedDefault {
                layer.defaultEnforced = true
                layer.enforcedStatements += 1
            }
        }
    }

    private mutating func parseLine(_ line: Bytes, at here: Location, into layer: inout Layer, names: (Bytes, NameKind) -> UInt32?) throws(PolicyError) {
        var words = Words(line, here)
        guard let directive = try words.next() else { return }
        if directive.equals("default") {
            let v = try words.expectOne("default takes one word: allow or deny")
            let verdict: RuleKind
            if v.equals("allow") { verdict = .allow }
            else if v.equals("deny") { verdict = .deny }
            else { throw PolicyError(here, "default takes allow or deny, not", v) }
            if layer.defaultStated && layer.defaultVerdict != verdict {
                throw PolicyError(here, "conflicting default: one layer has one default, and another line says the opposite at",
                                  layer.defaultLocation.file)
            }
            if !layer.defaultStated { layer.defaultLocation = here }
            layer.defaultVerdict = verdict
            layer.defaultStated = true
            fileStatedDefault = true
        } else if directive.equals("mode") {
            let v = try words.expectOne("mode takes one word: enforce or audit")
            let audit: Bool
            if v.equals("enforce") { audit = false }
            else if v.equals("audit") { audit = true }
            else { throw PolicyError(here, "mode takes enforce or audit, not", v) }
            if let m = fileMode, m != audit { throw PolicyError(here, "conflicting mode: this file already says the opposite") }
            // It covers the whole file: written below rules, it would
            // silently change what the lines above it seem to say.
            if ruleCount > fileFirstRule || fileStatedDefault {
                throw PolicyError(here, "mode must come before the rules and default of its file (it applies to the whole file)")
            }
            fileMode = audit
        } else if directive.equals("allow") || directive.equals("deny") {
            let pattern = try pattern(try words.next(), here)
            if let extra = try words.next() { throw PolicyError(here, "allow and deny take only a pattern; unexpected", extra) }
            try append(Rule(kind: directive.equals("allow") ? .allow : .deny, pattern: pattern, location: here,
                            facts: nil, factCount: 0, groupCount: 0), here)
        } else if directive.equals("require") {
            let pattern = try pattern(try words.next(), here)
            let first = factCount
            var group: Int32 = 0
            var groupHasFact = false
            var sealed = false
            while let w = try words.next() {
                if w.equals("sealed") {
                    sealed = true
                    continue
                }
                if w.equals("|") {
                    if !groupHasFact { throw PolicyError(here, "an alternative is empty: '|' needs facts on both sides") }
                    group += 1
                    groupHasFact = false
                    continue
                }
                guard factCount < factCapacity else { throw PolicyError(here, "too many facts") }
                facts[factCount] = try Self.fact(w, group: group, here, names: names)
                factCount += 1
                groupHasFact = true
            }
            if factCount == first { throw PolicyError(here, "require needs at least one fact, e.g. sha256=HEX") }
            if !groupHasFact { throw PolicyError(here, "an alternative is empty: '|' needs facts on both sides") }
            try append(Rule(kind: .require, pattern: pattern, location: here, facts: facts + first,
                            factCount: Int32(factCount - first), groupCount: group + 1, sealed: sealed), here)
        } else if directive.equals("signer") {
            guard let name = try words.next() else { throw PolicyError(here, "signer needs a name, a key type and a key") }
            guard let type = try words.next(), let key = try words.next() else { throw PolicyError(here, "signer needs a key type and a key after its name") }
            var signer = Signer(name: name, location: here)
            try Self.decodeKey(type, key, into: &signer, here)
            try appendSigner(signer, here)
        } else if directive.equals("signers") {
            let file = try literal(try words.expectOne("signers takes one word: an allowed_signers file"), here)
            var signer = Signer(name: .empty, location: here)
            signer.file = file
            try appendSigner(signer, here)
        } else if directive.equals("signatures") {
            layer.signatures = try literal(try words.expectOne("signatures takes one word: a directory"), here)
        } else {
            throw PolicyError(here, "unknown directive", directive)
        }
    }

    private mutating func appendSigner(_ signer: Signer, _ here: Location) throws(PolicyError) {
        guard let signers, signerCount < (signerCapacity ?? ruleCapacity) else { throw PolicyError(here, "too many signers") }
        signers[signerCount] = signer
        signerCount += 1
    }

    /// An OpenSSH public key: `ssh-ed25519 BASE64`, whose blob is the wire
    /// string "ssh-ed25519" then the 32-byte key.
    public static func decodeKey(_ type: Bytes, _ base64: Bytes, into signer: inout Signer, _ here: Location) throws(PolicyError) {
        if !type.equals("ssh-ed25519") { throw PolicyError(here, "only ssh-ed25519 keys are supported, not", type) }
        var blob = InlineArray<128, UInt8>(repeating: 0)
        let ok = withUnsafeMutableBytes(of: &blob) { b -> Bool in
            guard let n = Base64.decode(base64, into: b) else { return false }
            var r = WireReader(Bytes(UnsafeRawBufferPointer(rebasing: b[0..<n])))
            guard let t = r.string(), t.equals("ssh-ed25519"), let key = r.string(), key.count == 32, r.atEnd else { return false }
            signer.setKey(key)
            return true
        }
        if !ok { throw PolicyError(here, "not an ssh-ed25519 public key:", base64) }
    }

    private mutating func append(_ rule: Rule, _ here: Location) throws(PolicyError) {
        guard ruleCount < ruleCapacity else { throw PolicyError(here, "too many rules") }
        rules[ruleCount] = rule
        ruleCount += 1
    }

    /// A rule's pattern, compiled (see PolicyText): it must name canonical
    /// paths, since rules match the name the kernel gives the open file.
    mutating func pattern(_ word: Bytes?, _ here: Location) throws(PolicyError) -> Bytes {
        guard let w = word else { throw PolicyError(here, "a rule needs a path pattern") }
        let p = try decode(w, pattern: true, here)
        if p.isEmpty || p[0] != UInt8(ascii: "/") { throw PolicyError(here, "a pattern must be an absolute path, not", w) }
        if !PolicyText.isCanonical(p) {
            throw PolicyError(here, "a pattern must be a canonical path: no '//', '.' or '..' component and no trailing '/' (for a directory's files write DIR/**), not", w)
        }
        if !PolicyText.doubleStarsAreComponents(p) {
            throw PolicyError(here, "'**' must be a whole component (/a/** or /a/**/b): inside a name it would match across '/', in", w)
        }
        return p
    }

    /// A name with no wildcards (a signers file, a signatures directory).
    mutating func literal(_ word: Bytes, _ here: Location) throws(PolicyError) -> Bytes {
        let b = try decode(word, pattern: false, here)
        if b.isEmpty { throw PolicyError(here, "an empty name") }
        return b
    }

    mutating func decode(_ word: Bytes, pattern: Bool, _ here: Location) throws(PolicyError) -> Bytes {
        // Room for the bytes and a NUL, so a name can go to the kernel as it is.
        guard let literals, literalCount + word.count + 1 <= literalCapacity else { throw PolicyError(here, "no room for names") }
        let out = literals + literalCount
        let n = try PolicyText.decode(word, pattern: pattern, into: out, here)
        out[n] = 0
        literalCount += n + 1
        return Bytes(UnsafePointer(out), count: n)
    }

    static func fact(_ word: Bytes, group: Int32, _ here: Location, names: (Bytes, NameKind) -> UInt32?) throws(PolicyError) -> Fact {
        var w = word
        let negated = w[0] == UInt8(ascii: "!")
        if negated { w = w.slice(1, w.count) }
        var fact = Fact(kind: .always, negated: negated, group: group, uid: 0, digest: nil, word: word, value: .empty)
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
            } else if let uid = names(name, .user) {
                fact.uid = uid
            } else {
                throw PolicyError(here, "unknown user", name)
            }
            fact.kind = .owner
        } else if w.hasPrefix("group=") {
            let name = w.slice(6, w.count)
            if name.isEmpty { throw PolicyError(here, "group= needs a group name or gid") }
            if let gid = name.decimalUInt32 {
                fact.uid = gid
            } else if let gid = names(name, .group) {
                fact.uid = gid
            } else {
                throw PolicyError(here, "unknown group", name)
            }
            fact.kind = .group
        } else if w.hasPrefix("fsverity=") {
            let hex = w.slice(9, w.count)
            if !(hex.count == 64 || hex.count == 128) || !Hex.isHex(hex.raw) {
                throw PolicyError(here, "fsverity= needs 64 (sha256) or 128 (sha512) hex digits, not", w)
            }
            fact.kind = .fsverity
            fact.value = hex
        } else if w.hasPrefix("signed-by=") {
            let name = w.slice(10, w.count)
            if name.isEmpty { throw PolicyError(here, "signed-by= needs a signer name") }
            fact.kind = .signedBy
            fact.value = name
        } else if w.equals("readonly-mount") {
            fact.kind = .readonlyMount
        } else if w.equals("immutable") {
            fact.kind = .immutable
        } else if w.equals("no-caps") {
            fact.kind = .noCaps
        } else if w.equals("elf") {
            fact.kind = .elf
        } else if w.equals("script") {
            fact.kind = .script
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
