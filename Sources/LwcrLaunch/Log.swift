import CInterpose

/// Where log lines go (LogSettings): stderr (default), syslog, journal,
/// none, or an absolute file path (appended to). Each line is one write(2)
/// or one datagram, so lines from concurrent processes do not interleave.
/// A line LogLine formatted for a socket that cannot take it goes to
/// standard error in the text form, never lost without a trace.
enum Log {
    static func emit(_ line: Bytes) {
        let target = Bytes(cString: lwcr_state_log())
        if target.isEmpty || target.equals("stderr") {
            _ = lwcr_log_write(2, line.base, line.count)
        } else if target.equals("none") {
            return
        } else if target.equals("syslog") {
            let text = line.count > 0 && line[line.count - 1] == 10 ? line.slice(0, line.count - 1) : line
            if lwcr_syslog_send(UnsafeRawPointer(text.base!).assumingMemoryBound(to: CChar.self), text.count) != 0 {
                // `<84>lwcr[PID]: deny ...` back to `lwcr: deny ...`.
                let tag = line.firstIndex(of: UInt8(ascii: " ")) ?? 0
                stderr(Bytes("lwcr:"), line.slice(tag, line.count))
            }
        } else if target.equals("journal") {
            if lwcr_journal_send(UnsafeRawPointer(line.base!).assumingMemoryBound(to: CChar.self), line.count) != 0 {
                let end = line.firstIndex(of: 10) ?? line.count
                stderr(.empty, line.slice(8, end + 1 <= line.count ? end + 1 : end))
            }
        } else if target[0] == UInt8(ascii: "/") {
            let fd = openFile(lwcr_state_log())
            if fd < 0 {
                _ = lwcr_log_write(2, line.base, line.count)
                return
            }
            // A file that takes no more (full, or a caller's RLIMIT_FSIZE
            // handed to a setuid program): standard error, not nowhere.
            if lwcr_log_write(fd, line.base, line.count) < 0 { _ = lwcr_log_write(2, line.base, line.count) }
            _ = lwcr_close(fd)
        } else {
            let warning: StaticString = "lwcr: LWCR_LOG must be stderr, syslog, journal, none or an absolute path\n"
            _ = lwcr_log_write(2, warning.utf8Start, warning.utf8CodeUnitCount)
            _ = lwcr_log_write(2, line.base, line.count)
        }
    }

    /// `first` then `rest` as one write to standard error.
    static func stderr(_ first: Bytes, _ rest: Bytes) {
        var buffer = InlineArray<8192, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &buffer) { b in
            var m = Message(b)
            m.append(first)
            m.append(rest)
            _ = lwcr_log_write(2, m.bytes.base, m.count)
        }
    }
}

extension Log {
    /// A log file fit to append to, or -errno. Defends against a sink
    /// planted where the log is written: a path through a directory others
    /// control, O_NOFOLLOW (a symlink to another file), O_NONBLOCK and regular files only (a FIFO would block every
    /// launch), one link only (a hard link to another file), and owned by
    /// this process's user or root (a file someone else planted for us to
    /// fill). Never reached in secure-execution mode, where LWCR_LOG is not
    /// read: that is what keeps a setuid program from writing where its
    /// caller chose.
    static func openFile(_ path: UnsafePointer<CChar>) -> Int32 {
        // O_NOFOLLOW covers the last component only: every directory above
        // must be a real one that no one but root or this user can change
        // (a sticky one, like /tmp, may be writable), or someone could
        // swap a directory on the path for a symlink to another.
        let euid = UInt32(bitPattern: lwcr_geteuid())
        let held = Held.ancestors(of: Bytes(cString: path)) { _, st in
            st.st_mode & Mode.typeMask == Mode.directory && (st.st_uid == 0 || st.st_uid == euid)
                && (st.st_mode & Mode.groupOrOtherWritable == 0 || st.st_mode & Mode.sticky != 0)
        }
        if !held { return -EACCES }
        let fd = lwcr_openat(AT_FDCWD, path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0o600)
        if fd < 0 { return fd }
        var st = stat()
        if lwcr_fstat(fd, &st) != 0 || st.st_mode & Mode.typeMask != Mode.regular || st.st_nlink != 1
            || (st.st_uid != 0 && st.st_uid != euid) {
            _ = lwcr_close(fd)
            return -EACCES
        }
        return fd
    }
}

/// Where a launch's log line goes: straight to the log, or, in a spawn
/// child whose descriptors the caller's file actions may have moved, into
/// memory shared with the parent, which logs it.
struct Report {
    var shared: UnsafeMutableRawBufferPointer?
    var sharedCount: UnsafeMutablePointer<Int>?
    /// A walk that only explains: lines go to it, and nothing is executed.
    var explain: Explain? = nil
    /// A program's own requirement of the launch's target (OwnRequirement).
    var requirement: UnsafePointer<Policy>? = nil
    /// Where the first denial's decision is copied, for a caller that says
    /// why (the requirement's API); its Bytes point into the policy.
    var denial: UnsafeMutablePointer<Decision>? = nil

    static var direct: Report { Report(shared: nil, sharedCount: nil) }

    func deliver(_ line: Bytes) {
        if let explain, let take = explain.line {
            take(explain.context, line.base, line.count)
            return
        }
        guard let shared, let sharedCount else {
            Log.emit(line)
            return
        }
        var n = 0
        while n < line.count && n < shared.count {
            shared[n] = line[n]
            n += 1
        }
        sharedCount.pointee = n
    }

    /// Formats and delivers the line for a decision that needs one: as
    /// the log target takes it, or, to a walk that explains, today's
    /// short line.
    func decision(_ d: Decision, path: Bytes, via script: Bytes = .empty, role: Int32 = Explain.interpreter) {
        if let denial, !d.allowed, denial.pointee.allowed { denial.pointee = d }
        var buffer = InlineArray<8192, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &buffer) { b in
            var m = Message(b)
            m.escapeSpaces = true
            if explain != nil {
                m.appendLogLine(path: path, d, via: script, as: Explain.word(role))
            } else {
                LogLine.write(&m, d, path: path, via: script, role: Explain.word(role))
            }
            deliver(m.bytes)
        }
    }
}
