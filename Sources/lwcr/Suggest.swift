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
