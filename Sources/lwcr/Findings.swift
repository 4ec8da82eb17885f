import CInterpose

/// What lint finds, one per line: `FILE[:LINE]: [warning: |note: ]MESSAGE`,
/// or with --json one object per line, `{"severity":..., "file":...,
/// "line":..., "message":...}`, the file as a full path. Names are escaped
/// as in log lines in both forms. A note (an ignored file) is not a
/// problem; `--strict` makes a warning one.
enum Findings {
    enum Severity { case error, warning, note }

    nonisolated(unsafe) static var json = false
    nonisolated(unsafe) static var warnings = 0

    /// `file`: a name within `dir`, an absolute path, or empty for `dir` itself.
    static func report(_ severity: Severity, dir: Bytes, file: Bytes, line: Int32, _ message: (inout Message) -> Void) {
        if severity == .warning { warnings += 1 }
        var buffer = InlineArray<8192, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &buffer) { b in
            var m = Message(b)
            if json {
                m.append("{\"severity\":\"")
                m.append(severity == .error ? "error" : severity == .warning ? "warning" : "note")
                m.append("\",\"file\":\"")
                m.appendJSONEscaped { name(&$0, dir, file) }
                m.append("\",\"line\":")
                m.append(Int(line))
                m.append(",\"message\":\"")
                m.appendJSONEscaped { message(&$0) }
                m.append("\"}\n")
            } else {
                name(&m, dir, file)
                if line > 0 { m.append(":"); m.append(Int(line)) }
                m.append(": ")
                if severity == .warning { m.append("warning: ") }
                if severity == .note { m.append("note: ") }
                message(&m)
                m.append("\n")
            }
            var o = Output.out
            o.write(m.bytes)
            o.flush()
        }
    }

    static func error(_ dir: Bytes, _ e: PolicyError) {
        report(.error, dir: dir, file: e.location.file, line: e.location.line) {
            $0.appendErrorText(e.message, code: e.code, detail: e.detail)
        }
    }

    static func name(_ m: inout Message, _ dir: Bytes, _ file: Bytes) {
        if file.isEmpty || file[0] == UInt8(ascii: "/") || dir.isEmpty {
            m.appendEscaped(file.isEmpty ? dir : file)
        } else {
            m.appendEscaped(dir)
            m.append("/")
            m.appendEscaped(file)
        }
    }
}
