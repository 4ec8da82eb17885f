import CInterpose

/// Where log lines go and how they read. SYSCONFDIR/lwcr/lwcr.conf sets it
/// for the machine, so a system-wide preload does not write into every
/// program's standard error; LWCR_LOG and LWCR_LOG_FORMAT then override it
/// for one process and its children, except in secure-execution mode,
/// where the environment is an unprivileged caller's.
///
///     # SYSCONFDIR/lwcr/lwcr.conf
///     log = journal        # stderr, syslog, journal, none, or /absolute/file
///     format = json        # text or json (files and stderr)
///
/// The file counts only when root holds it (see `trusted`): whoever could
/// write it could send every log line to /dev/null. A line that is not
/// understood is left out and the default kept; `lwcr lint` names it.
public enum LogSettings {
    public enum Format: Int32 {
        case text = 0
        case json = 1
    }

    public static func format(_ word: Bytes) -> Format? {
        if word.equals("text") { return .text }
        if word.equals("json") { return .json }
        return nil
    }

    public static func validTarget(_ word: Bytes) -> Bool {
        word.equals("stderr") || word.equals("syslog") || word.equals("journal") || word.equals("none")
            || (word.count > 1 && word[0] == UInt8(ascii: "/"))
    }

    /// One line of the file that could not be used.
    public struct Problem {
        public var line: Int32
        public var message: StaticString
        public var detail: Bytes
    }

    /// Applies each valid `key = value` line of `text` to `target` and
    /// `format`; every other line that is not blank or a comment goes to
    /// `problem`.
    public static func parse(_ text: Bytes, target: inout Bytes, format: inout Format, problem: (Problem) -> Void) {
        var number: Int32 = 0
        text.forEachPart(separatedBy: 10, keepEmpty: true) { (raw: Bytes) -> Bool in
            number += 1
            var line = raw
            if let hash = line.firstIndex(of: UInt8(ascii: "#")) { line = line.slice(0, hash) }
            line = trimmed(line)
            if line.isEmpty { return true }
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else {
                problem(Problem(line: number, message: "expected key = value", detail: line))
                return true
            }
            let key = trimmed(line.slice(0, equals))
            let value = trimmed(line.slice(equals + 1, line.count))
            if key.equals("log") {
                if validTarget(value) { target = value }
                else { problem(Problem(line: number, message: "log must be stderr, syslog, journal, none or an absolute path", detail: value)) }
            } else if key.equals("format") {
                if let f = Self.format(value) { format = f }
                else { problem(Problem(line: number, message: "format must be text or json", detail: value)) }
            } else {
                problem(Problem(line: number, message: "unknown setting (log and format are known)", detail: key))
            }
            return true
        }
    }

    static func trimmed(_ b: Bytes) -> Bytes {
        var start = 0
        var end = b.count
        while start < end && (b[start] == 32 || b[start] == 9 || b[start] == 13) { start += 1 }
        while end > start && (b[end - 1] == 32 || b[end - 1] == 9 || b[end - 1] == 13) { end -= 1 }
        return b.slice(start, end)
    }

    /// Why the system file is not used, when it is there.
    public enum Refusal {
        case none, absent, notRegular, notRoots, writableByOthers, directoryNotRoots, unreadable, tooLarge
    }

    /// Reads SYSCONFDIR/lwcr/lwcr.conf into `buffer` when root holds it:
    /// a regular file owned by root, writable by no one else, in
    /// directories only root can change. Never follows a symlink, and
    /// never waits on a FIFO planted in its place.
    public static func readSystemFile(into buffer: UnsafeMutableRawBufferPointer, _ refusal: inout Refusal) -> Bytes {
        let path = lwcr_config_file()!
        refusal = .none
        let fd = lwcr_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0)
        if fd < 0 {
            refusal = fd == -ENOENT ? .absent : .unreadable
            return .empty
        }
        defer { _ = lwcr_close(fd) }
        var st = stat()
        if lwcr_fstat(fd, &st) != 0 { refusal = .unreadable; return .empty }
        if st.st_mode & Mode.typeMask != Mode.regular { refusal = .notRegular; return .empty }
        if st.st_uid != 0 { refusal = .notRoots; return .empty }
        if st.st_mode & Mode.groupOrOtherWritable != 0 { refusal = .writableByOthers; return .empty }
        let held = Held.ancestors(of: Bytes(cString: path)) { _, dir in
            dir.st_mode & Mode.typeMask == Mode.directory && dir.st_uid == 0 && dir.st_mode & Mode.groupOrOtherWritable == 0
        }
        if !held { refusal = .directoryNotRoots; return .empty }
        if st.st_size >= Int(buffer.count) { refusal = .tooLarge; return .empty }
        var total = 0
        while total < buffer.count {
            let n = lwcr_read(fd, buffer.baseAddress! + total, buffer.count - total)
            if n == -Int(EINTR) { continue }
            if n < 0 { refusal = .unreadable; return .empty }
            if n == 0 { break }
            total += n
        }
        return Bytes(UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self), count: total)
    }

    /// What the constructor records: the file's settings, then the
    /// environment's where it may be read.
    public static func capture(secure: Bool) {
        var buffer = InlineArray<4096, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &buffer) { b in
            var refusal = Refusal.none
            let text = readSystemFile(into: b, &refusal)
            let log = getenv(cString("LWCR_LOG")).map { Bytes(cString: $0) }
            let format = getenv(cString("LWCR_LOG_FORMAT")).map { Bytes(cString: $0) }
            let (target, chosen) = resolve(file: text, log: log, format: format, secure: secure)
            copy(target, into: lwcr_state_log()!, lwcr_state_capacity())
            lwcr_state_log_format()!.pointee = chosen.rawValue
        }
    }

    /// The target (empty: standard error) and format a process records,
    /// from the file's text and its LWCR_LOG and LWCR_LOG_FORMAT; also what
    /// lwcr status infers for a running process.
    public static func resolve(file text: Bytes, log: Bytes?, format word: Bytes?, secure: Bool) -> (Bytes, Format) {
        var target = Bytes.empty
        var format = Format.text
        parse(text, target: &target, format: &format) { _ in }
        if !secure, let log { target = log }
        if !secure, let word, let f = Self.format(word) { format = f }
        return (target, format)
    }
}
