import CInterpose

/// `lwcr suggest [LOGFILE]...`: lwcr's own audit and deny lines (text, as
/// a file, stderr or syslog has them; or JSON, lwcr's own or journalctl's
/// `-o json`), from standard input by default, turned into policy lines
/// that would admit them, each file once, with how often it was seen.
/// Facts are chosen from the file as it is on this machine (Choice).
enum Suggest {
    static func run(_ args: inout Arguments) -> Int32 {
        if let w = args.peek(), w.equals("--") { _ = args.next() }
        var seen = Seen()
        var status: Int32 = 0
        var files = 0
        while args.next() != nil {
            let w = Bytes(cString: args.previous)
            if w.count > 1 && w[0] == UInt8(ascii: "-") && files == 0 {
                complain(text("suggest: unknown option '"), w, text("' (see lwcr suggest --help)"))
                return 2
            }
            files += 1
            warnIfOthersWrite(args.previous)
            guard let log = WholeFile.read(args.previous, "suggest") else { status = 2; continue }
            seen.read(log)
        }
        if files == 0 {
            guard let log = WholeFile.read(nil, "suggest") else { return 2 }
            seen.read(log)
        }
        if seen.entries.isEmpty {
            seen.noteUnusable("suggest")
            complain(text("suggest: no lwcr deny, audit or allow lines in the input"))
            return status == 0 ? 1 : status
        }
        var o = Output.out
        o.write("# Suggested by lwcr suggest from ")
        o.write(seen.lines)
        o.write(seen.lines == 1 ? " log line" : " log lines")
        o.write(". Facts are chosen from each file as it is on this machine:\n")
        o.write(Bytes(Choice.legend))
        for (g, made) in seen.decided() { Choice.emit(g, made, &o) }
        o.flush()
        seen.noteUnusable("suggest")
        return status
    }
}

extension Suggest {
    /// A log file someone else owns or may write holds what they chose:
    /// lwcr itself never writes such a file (Log.openFile), so its lines
    /// may all be forged.
    static func warnIfOthersWrite(_ path: UnsafePointer<CChar>) {
        var st = stat()
        if lwcr_fstatat(AT_FDCWD, path, &st, 0) != 0 || st.st_mode & Mode.typeMask != Mode.regular { return }
        let euid = UInt32(bitPattern: lwcr_geteuid())
        let foreign = st.st_uid != 0 && st.st_uid != euid
        let writable = st.st_mode & Mode.groupOrOtherWritable != 0
        if !foreign && !writable { return }
        var e = Output.err
        e.write("lwcr: suggest: warning: "); e.writeEscaped(Bytes(cString: path))
        if foreign { e.write(" is owned by uid "); e.write(Int(st.st_uid)) }
        if foreign && writable { e.write(" and") }
        if writable { e.write(" is writable by group or others") }
        e.write(": lwcr writes no such log file, so its lines may all be someone else's\n")
        e.flush()
    }
}

/// The files that log lines name, with how often and how each was decided.
struct Seen {
    struct Entry {
        var path: [UInt8]
        var verdict: UInt8  // d(eny), a(udit), l (allow)
    }

    struct Group {
        var path: [UInt8]
        var deny = 0, audit = 0, allow = 0
        var total: Int { deny + audit + allow }
    }

    var entries: [Entry] = []
    var lines = 0

    /// Lines in lwcr's form whose name could not be used (relative, a NUL).
    var unusable = 0

    mutating func read(_ log: [UInt8]) {
        log.withBytes { all in
            all.forEachPart(separatedBy: 10) { (line: Bytes) -> Bool in
                switch LogLineReader.parse(line) {
                case .entry(let e):
                    entries.append(e)
                    lines += 1
                case .unusable: unusable += 1
                case .none: break
                }
                return true
            }
        }
    }

    /// The facts for each file, the groups of names that lead to the same
    /// file (a symlink, a `..`, an escaped spelling) merged: each file once.
    func decided() -> [(Group, Choice.Made)] {
        var made: [(Group, Choice.Made)] = groups().map { ($0, Choice.choose($0.path)) }
        made.sort { [UInt8].precedes($0.1.canonical.isEmpty ? $0.0.path : $0.1.canonical, $1.1.canonical.isEmpty ? $1.0.path : $1.1.canonical) }
        var out: [(Group, Choice.Made)] = []
        for (g, m) in made {
            if let last = out.last, !m.canonical.isEmpty, last.1.canonical == m.canonical {
                out[out.count - 1].0.deny += g.deny
                out[out.count - 1].0.audit += g.audit
                out[out.count - 1].0.allow += g.allow
                continue
            }
            out.append((g, m))
        }
        return out
    }

    /// Says on standard error how many lines were left out, if any.
    func noteUnusable(_ command: StaticString) {
        if unusable == 0 { return }
        var e = Output.err
        e.write("lwcr: "); e.write(Bytes(command)); e.write(": "); e.write(unusable)
        e.write(unusable == 1 ? " line in lwcr's form names" : " lines in lwcr's form name")
        e.write(" no absolute path a file can have: left out\n")
        e.flush()
    }

    /// One group per file, in byte order of their names.
    func groups() -> [Group] {
        var sorted = entries
        sorted.sort { [UInt8].precedes($0.path, $1.path) }
        var out: [Group] = []
        for e in sorted {
            if out.isEmpty || out[out.count - 1].path != e.path { out.append(Group(path: e.path)) }
            if e.verdict == UInt8(ascii: "d") { out[out.count - 1].deny += 1 }
            else if e.verdict == UInt8(ascii: "a") { out[out.count - 1].audit += 1 }
            else { out[out.count - 1].allow += 1 }
        }
        return out
    }
}

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

/// Which facts admit a file, from what this machine shows of it:
///   trusted-path  root's file in directories only root can change;
///   sha256=       a file someone else could change (by content, then);
///   nothing       a file in a world-writable place, such as /tmp: anyone
///                 could put another file there, so no rule is written.
enum Choice {
    static let legend: StaticString = """
    #   trusted-path  root's file, in directories only root can change
    #   sha256=       a file someone other than root could change: pinned by its content now
    #   (no rule)     a file in a world-writable directory such as /tmp, or not on this machine

    """

    enum Kind { case trusted, pinned, worldWritable, absent, unreadable }

    struct Made {
        var kind: Kind
        var digest: SHA256Digest? = nil
        /// The world-writable directory or file, for `worldWritable`.
        var at: [UInt8] = []
        /// The canonical name, when the file could be opened.
        var canonical: [UInt8] = []
    }

    static func choose(_ path: [UInt8]) -> Made {
        var failure = Opened.failed(Errno(0))
        guard let file = path.withCString({ OpenedFile.open($0, &failure) }) else {
            if case .failed(let e) = failure, e.code == ENOENT || e.code == ENOTDIR { return Made(kind: .absent) }
            return Made(kind: .unreadable)
        }
        defer { file.close() }
        if !file.isRegular { return Made(kind: .unreadable) }
        let st = file.status
        return file.canonical.withBytes { canonical -> Made in
            // World-writable: the file, its own directory, or a directory
            // above without the sticky bit. Below a sticky one, as
            // /tmp/app/tool, an entry can be renamed only by its owner, and
            // a sha256= pin holds whoever that is.
            var open: [UInt8] = []
            if st.st_mode & 0o002 != 0 { open = file.canonical }
            var slash = canonical.count
            while slash > 0 && canonical[slash - 1] != UInt8(ascii: "/") { slash -= 1 }
            let parentLength = slash > 1 ? slash - 1 : 1
            _ = Held.ancestors(of: canonical) { dir, dst in
                let own = dir.count == parentLength
                if open.isEmpty && dst.st_mode & 0o002 != 0 && (own || dst.st_mode & Mode.sticky == 0) { open = [UInt8](dir) }
                return true
            }
            if !open.isEmpty { return Made(kind: .worldWritable, at: open, canonical: file.canonical) }
            var why = Finding()
            if TrustedPath.holds(canonical, st, nil, &why) { return Made(kind: .trusted, canonical: file.canonical) }
            guard let digest = file.sha256() else { return Made(kind: .unreadable, canonical: file.canonical) }
            return Made(kind: .pinned, digest: digest, canonical: file.canonical)
        }
    }

    /// The group's comment and rule (or, where none can be made, a comment saying why).
    static func emit(_ g: Seen.Group, _ made: Made, _ o: inout Output) {
        o.write("# seen ")
        o.write(g.total)
        o.write(g.total == 1 ? " time" : " times")
        var parts = 0
        for (count, word) in [(g.deny, Bytes("deny")), (g.audit, Bytes("audit")), (g.allow, Bytes("allow"))] where count > 0 {
            o.write(parts == 0 ? " (" : ", ")
            o.write(word); o.write(" "); o.write(count)
            parts += 1
        }
        if parts > 0 { o.write(")") }
        write(made, g.path, &o)
    }

    /// `: why\nRULE\n`, or `: why, no rule\n# NAME\n`.
    static func write(_ made: Made, _ path: [UInt8], _ o: inout Output) {
        switch made.kind {
        case .trusted:
            o.write(": root's, in root's directories\nrequire ")
            made.canonical.withBytes { o.writePolicyWord($0) }
            o.write(" trusted-path\n")
        case .pinned:
            o.write(": others could change it, so pinned by content\nrequire ")
            made.canonical.withBytes { o.writePolicyWord($0) }
            o.write(" sha256=")
            o.write(made.digest!)
            o.write("\n")
        case .worldWritable:
            o.write(": no rule, ")
            made.at.withBytes { o.writePolicyWord($0) }
            o.write(" is world-writable\n# ")
            path.withBytes { o.writePolicyWord($0) }
            o.write("\n")
        case .absent:
            o.write(": no rule, the file is not on this machine (pin it where it is: lwcr pin PATH)\n# ")
            path.withBytes { o.writePolicyWord($0) }
            o.write("\n")
        case .unreadable:
            o.write(": no rule, the file cannot be read here\n# ")
            path.withBytes { o.writePolicyWord($0) }
            o.write("\n")
        }
    }
}
