import CInterpose

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
