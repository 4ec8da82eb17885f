import CInterpose

/// `lwcr pin --refresh [--keep-missing] [--dry-run] FILE...`: after an
/// upgrade, the `sha256=` pins of `require` rules whose file changed are
/// rewritten with the file's digest now. Each change is shown (old and new
/// digest); every other byte of the file stays as it was. A pin whose file
/// is gone stops the whole run before anything is written, unless
/// --keep-missing leaves such pins as they are. A rule whose pattern is
/// not one file (a wildcard), or with several pins of which none matches,
/// is left alone and named. A FILE is read and replaced only through a
/// path with no symlink on it (NoLinks): refreshing pins is trusting the
/// files they name as they are now, so it is done only to the policy file
/// the admin named, never to one a planted link leads to.
enum Refresh {
    struct Change {
        var offset: Int
        var digest: InlineArray<64, UInt8>
    }

    struct Edited {
        var path: UnsafePointer<CChar>
        var text: [UInt8]
        var changes: [Change]
    }

    static func run(_ args: inout Arguments) -> Int32 {
        var keepMissing = false
        var dryRun = false
        while let w = args.peek() {
            if w.equals("--keep-missing") { _ = args.next(); keepMissing = true }
            else if w.equals("--dry-run") || w.equals("-n") { _ = args.next(); dryRun = true }
            else if w.equals("--") { _ = args.next(); break }
            else if w.count > 1 && w[0] == UInt8(ascii: "-") {
                complain(text("pin --refresh: unknown option '"), w, text("' (see lwcr pin --help)"))
                return 2
            } else { break }
        }
        guard args.peek() != nil else {
            complain(text("pin --refresh: which policy files? usage: lwcr pin --refresh [--keep-missing] [--dry-run] FILE..."))
            return 2
        }
        var edits: [Edited] = []
        var missing = 0
        var status: Int32 = 0
        var o = Output.out
        while args.next() != nil {
            let path = args.previous
            guard let text = WholeFile.read(path, "pin --refresh", regularOnly: true) else { status = 2; continue }
            var edit = Edited(path: path, text: text, changes: [])
            scan(&edit, &missing, keepMissing: keepMissing, &o)
            edits.append(edit)
        }
        o.flush()
        if missing > 0 && !keepMissing {
            complain(text("pin --refresh: "), text(missing == 1 ? "a pinned file is gone" : "pinned files are gone"),
                     text(": nothing written (--keep-missing leaves such pins as they are)"))
            return 2
        }
        var changed = 0
        for edit in edits where !edit.changes.isEmpty {
            changed += edit.changes.count
            if dryRun { continue }
            if write(edit) != 0 { status = 2 }
        }
        var e = Output.err
        e.write("lwcr: pin --refresh: ")
        e.write(changed)
        e.write(changed == 1 ? " pin " : " pins ")
        e.write(dryRun ? "would change (nothing written)\n" : "changed\n")
        if changed > 0 && !dryRun { e.write("lwcr: pin --refresh: a compiled directory obeys the change after 'lwcr compile DIR'\n") }
        e.flush()
        return status
    }

    /// Finds each pin of `edit.text` that no longer matches its file.
    static func scan(_ edit: inout Edited, _ missing: inout Int, keepMissing: Bool, _ o: inout Output) {
        let file = Bytes(cString: edit.path)
        var changes: [Change] = []
        edit.text.withBytes { all in
            var number: Int32 = 0
            all.forEachPart(separatedBy: 10, keepEmpty: true) { (line: Bytes) -> Bool in
                number += 1
                let here = Location(file: file, line: number)
                var words = Words(line, here)
                guard let first = try? words.next(), first.equals("require"), let pattern = try? words.next() else { return true }
                var pins: [Bytes] = []
                while let w = try? words.next() {
                    if w.hasPrefix("sha256=") { pins.append(w) }
                }
                if pins.isEmpty { return true }
                var decoded = InlineArray<4097, UInt8>(repeating: 0)
                withUnsafeMutableBytes(of: &decoded) { d in
                    let out = d.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    guard pattern.count < d.count, let n = try? PolicyText.decode(pattern, pattern: true, into: out, here) else { return }
                    let name = Bytes(out, count: n)
                    if !Pattern.isLiteral(name) {
                        note(here, name, "a pattern, not one file: its pins are left as they are", &o)
                        return
                    }
                    // The NUL-escaped literal form back to plain bytes.
                    var plain = 0
                    var i = 0
                    while i < n { if out[i] != 0 { out[plain] = out[i]; plain += 1 }; i += 1 }
                    out[plain] = 0
                    let target = Bytes(out, count: plain)
                    guard let now = digest(UnsafeRawPointer(out).assumingMemoryBound(to: CChar.self), here, target, &o) else {
                        missing += 1
                        return
                    }
                    var hex = InlineArray<64, UInt8>(repeating: 0)
                    withUnsafeMutableBytes(of: &hex) { now.writeHex(into: $0) }
                    var matches = false
                    for p in pins where p.count == 71 {
                        var same = true
                        var k = 0
                        while k < 64 { if p[7 + k] | 0x20 != hex[k] { same = false }; k += 1 }
                        if same { matches = true }
                    }
                    if matches { return }
                    if pins.count > 1 {
                        note(here, target, "several sha256= pins and none matches the file: left as it is", &o)
                        return
                    }
                    let offset = all.base!.distance(to: pins[0].base!) + 7
                    changes.append(Change(offset: offset, digest: hex))
                    o.writeEscaped(file); o.write(":"); o.write(Int(number)); o.write(": "); o.writeEscaped(target)
                    o.write(": sha256 "); o.write(pins[0].slice(7, pins[0].count)); o.write(" -> ")
                    withUnsafeBytes(of: &hex) { o.write(Bytes($0)) }
                    o.write("\n")
                }
                return true
            }
        }
        edit.changes = changes
    }

    /// The file's digest now, or nil when it is gone or cannot be read (said).
    static func digest(_ path: UnsafePointer<CChar>, _ here: Location, _ name: Bytes, _ o: inout Output) -> SHA256Digest? {
        var failure = Opened.failed(Errno(0))
        let file = OpenedFile.open(path, &failure)
        defer { file?.close() }
        let why: Bytes
        if let file {
            if file.isRegular, let digest = file.sha256() { return digest }
            why = file.isRegular ? text("pinned file cannot be read") : text("pinned file is not a regular file")
        } else {
            why = text("pinned file is gone or cannot be opened")
        }
        o.flush()
        var e = Output.err
        e.write("lwcr: "); e.writeEscaped(here.file); e.write(":"); e.write(Int(here.line)); e.write(": ")
        e.writeEscaped(name); e.write(": "); e.write(why)
        if file == nil { e.write(": "); e.write(openFailure(failure)) }
        e.write("\n")
        e.flush()
        return nil
    }

    static func note(_ here: Location, _ name: Bytes, _ message: StaticString, _ o: inout Output) {
        o.flush()
        var e = Output.err
        e.write("lwcr: "); e.writeEscaped(here.file); e.write(":"); e.write(Int(here.line)); e.write(": ")
        e.writePolicyWord(name, compiled: true); e.write(": "); e.write(message); e.write("\n")
        e.flush()
    }

    /// The text with each change made, written over the file atomically.
    static func write(_ edit: Edited) -> Int32 {
        var bytes = edit.text
        for c in edit.changes {
            var k = 0
            while k < 64 { bytes[c.offset + k] = c.digest[k]; k += 1 }
        }
        let path = Bytes(cString: edit.path)
        var slash = path.count
        while slash > 0 && path[slash - 1] != UInt8(ascii: "/") { slash -= 1 }
        let dir: [UInt8] = slash == 0 ? [UInt8(ascii: ".")] : [UInt8](path.slice(0, slash))
        let dirfd = dir.withCString { NoLinks.open(AT_FDCWD, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        var st = stat()
        var e: Int32 = 0
        if dirfd < 0 { e = -dirfd } else if lwcr_fstatat(AT_FDCWD, edit.path, &st, AT_SYMLINK_NOFOLLOW) != 0 { e = ENOENT }
        if e == 0 {
            e = [UInt8](path.slice(slash, path.count)).withCString { WholeFile.replace(dirfd, $0, bytes, like: st) }
        }
        if dirfd >= 0 { _ = lwcr_close(dirfd) }
        if e != 0 { complain(text("pin --refresh: "), path, text(": not written: "), Bytes(cString: strerror(e))) }
        return e
    }
}
