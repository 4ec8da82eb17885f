import CInterpose

/// A decision's log line, in the form its target takes (LogSettings):
///
///   text     lwcr: deny PATH: REASON [FILE:LINE] pid=N uid=N program=EXE layer=DIR time=T
///   syslog   <84>lwcr[PID]: deny PATH: REASON [FILE:LINE] pid=N uid=N program=EXE layer=DIR time=T
///   json     {"time":T,"pid":N,"uid":N,"program":EXE,"verdict":"deny","path":PATH,...}
///   journal  MESSAGE=the text line, then LWCR_VERDICT=deny and the other fields, one per line
///            (the text line is what standard error gets when no journald listens)
///
/// Every outside byte (names, policy words) is written as Message.appendEscaped
/// writes it with escapeSpaces, printable ASCII and no space, in every
/// form: a JSON string holds that same text, so a name is one word and
/// cannot end a field, pass for the fields after it, forge a line or a
/// journal field. Built on the launch path: no allocation, one readlink of
/// /proc/self/exe and one clock read.
enum LogLine {
    static func write(_ m: inout Message, _ d: Decision, path: Bytes, via script: Bytes, role: StaticString) {
        m.escapeSpaces = true
        let target = Bytes(cString: lwcr_state_log())
        var exe = InlineArray<4097, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &exe) { e in
            let n = lwcr_readlink(cString("/proc/self/exe"), e.baseAddress!.assumingMemoryBound(to: CChar.self), e.count - 1)
            let program = n > 0 ? Bytes(UnsafeRawPointer(e.baseAddress!).assumingMemoryBound(to: UInt8.self), count: n) : Bytes("?")
            if target.equals("journal") {
                journal(&m, d, path: path, via: script, role: role, program: program)
            } else if target.equals("syslog") {
                m.append("<84>lwcr[")
                m.append(Int(lwcr_getpid()))
                m.append("]: ")
                m.appendDecision(path: path, d, via: script, as: role)
                fields(&m, d, program: program)
                m.append("\n")
            } else if lwcr_state_log_format().pointee == LogSettings.Format.json.rawValue {
                json(&m, d, path: path, via: script, role: role, program: program)
            } else {
                m.append("lwcr: ")
                m.appendDecision(path: path, d, via: script, as: role)
                fields(&m, d, program: program)
                m.append("\n")
            }
        }
        // A line cut at the buffer's end still ends as a line.
        if m.count == m.buffer.count { m.buffer[m.count - 1] = 10 }
    }

    /// ` pid=N uid=N program=EXE layer=DIR time=T`, logfmt: values hold no space.
    static func fields(_ m: inout Message, _ d: Decision, program: Bytes) {
        m.append(" pid=")
        m.append(Int(lwcr_getpid()))
        m.append(" uid=")
        m.append(UInt64(UInt32(bitPattern: lwcr_getuid())))
        m.append(" program=")
        m.appendEscaped(program)
        if !d.directory.isEmpty {
            m.append(" layer=")
            m.appendEscaped(d.directory)
        }
        m.append(" time=")
        appendTime(&m)
    }

    static func json(_ m: inout Message, _ d: Decision, path: Bytes, via script: Bytes, role: StaticString, program: Bytes) {
        m.append("{\"time\":\"")
        appendTime(&m)
        m.append("\",\"pid\":")
        m.append(Int(lwcr_getpid()))
        m.append(",\"uid\":")
        m.append(UInt64(UInt32(bitPattern: lwcr_getuid())))
        m.append(",\"euid\":")
        m.append(UInt64(UInt32(bitPattern: lwcr_geteuid())))
        m.append(",\"program\":")
        m.appendJSONString(program)
        m.append(",\"verdict\":\"")
        m.append(d.verdict)
        m.append("\",\"path\":")
        m.appendJSONString(path)
        if !script.isEmpty {
            m.append(",\"launch\":")
            m.appendJSONString(script)
            m.append(",\"role\":\"")
            m.append(role)
            m.append("\"")
        }
        m.append(",\"reason\":")
        withReason(d) { m.appendJSONString(escapedText: $0) }
        m.append(",\"rule\":")
        if d.location.file.isEmpty {
            m.append("null")
        } else {
            m.append("\"")
            m.appendJSONEscaped { fullFile(&$0, d) }
            if d.location.line > 0 {
                m.append(":")
                m.append(Int(d.location.line))
            }
            m.append("\",\"file\":\"")
            m.appendJSONEscaped { fullFile(&$0, d) }
            m.append("\",\"line\":")
            m.append(Int(d.location.line))
        }
        m.append(",\"layer\":")
        if d.directory.isEmpty { m.append("null") } else { m.appendJSONString(d.directory) }
        m.append("}\n")
    }

    /// Native journal fields (systemd's protocol: KEY=VALUE lines in one
    /// datagram). Values are escaped, so none holds a newline.
    static func journal(_ m: inout Message, _ d: Decision, path: Bytes, via script: Bytes, role: StaticString, program: Bytes) {
        m.append("MESSAGE=lwcr: ")
        m.appendDecision(path: path, d, via: script, as: role)
        fields(&m, d, program: program)
        m.append("\nPRIORITY=")
        m.append(!d.allowed ? "4" : d.audited ? "5" : "6")
        m.append("\nSYSLOG_FACILITY=10\nSYSLOG_IDENTIFIER=lwcr\nLWCR_VERDICT=")
        m.append(d.verdict)
        m.append("\nLWCR_PATH=")
        m.appendEscaped(path)
        if !script.isEmpty {
            m.append("\nLWCR_LAUNCH=")
            m.appendEscaped(script)
            m.append("\nLWCR_ROLE=")
            m.append(role)
        }
        m.append("\nLWCR_REASON=")
        withReason(d) { m.append($0) }
        if !d.location.file.isEmpty {
            m.append("\nLWCR_RULE=")
            fullFile(&m, d)
            if d.location.line > 0 {
                m.append(":")
                m.append(Int(d.location.line))
            }
        }
        if !d.directory.isEmpty {
            m.append("\nLWCR_LAYER=")
            m.appendEscaped(d.directory)
        }
        m.append("\nLWCR_PROGRAM=")
        m.appendEscaped(program)
        m.append("\nLWCR_UID=")
        m.append(UInt64(UInt32(bitPattern: lwcr_getuid())))
        m.append("\n")
    }

    /// The reason as the text line gives it (already escaped).
    static func withReason(_ d: Decision, _ body: (Bytes) -> Void) {
        var buffer = InlineArray<1024, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &buffer) { b in
            var r = Message(b)
            r.escapeSpaces = true
            r.append(reason: d)
            body(r.bytes)
        }
    }

    /// The deciding policy file as a full path: a rule's file is named
    /// within its layer.
    static func fullFile(_ m: inout Message, _ d: Decision) {
        let file = d.location.file
        if !d.directory.isEmpty && !file.isEmpty && file[0] != UInt8(ascii: "/") {
            m.appendEscaped(d.directory)
            m.append("/")
        }
        m.appendEscaped(file)
    }


    /// RFC 3339, UTC, milliseconds: 2026-12-02T16:40:01.123Z.
    static func appendTime(_ m: inout Message) {
        var t = timespec()
        _ = lwcr_clock_realtime(&t)
        let c = CivilTime(seconds: Int64(t.tv_sec))
        appendPadded(&m, c.year, 4); m.append("-")
        appendPadded(&m, c.month, 2); m.append("-")
        appendPadded(&m, c.day, 2); m.append("T")
        appendPadded(&m, c.hour, 2); m.append(":")
        appendPadded(&m, c.minute, 2); m.append(":")
        appendPadded(&m, c.second, 2); m.append(".")
        appendPadded(&m, Int(t.tv_nsec / 1_000_000), 3); m.append("Z")
    }

    static func appendPadded(_ m: inout Message, _ n: Int, _ width: Int) {
        var digits = 1
        var v = n
        while v >= 10 { v /= 10; digits += 1 }
        while digits < width { m.append("0"); digits += 1 }
        m.append(n)
    }
}

/// A count of seconds since 1970 as a UTC calendar date and time, by the
/// proleptic Gregorian calendar (days to civil date, 400-year eras).
public struct CivilTime {
    public var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0

    public init(seconds: Int64) {
        var days = seconds / 86400
        var rest = seconds % 86400
        if rest < 0 { rest += 86400; days -= 1 }
        hour = Int(rest / 3600)
        minute = Int(rest % 3600 / 60)
        second = Int(rest % 60)
        // Days from 0000-03-01, so that a leap day ends its year.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
    }
}
