import CInterpose

/// A few errno names for explanations (strerror is not async-signal-safe).
func errnoName(_ e: Int32) -> StaticString {
    switch e {
    case EOPNOTSUPP: return "EOPNOTSUPP: not supported by the kernel or filesystem"
    case ENODATA: return "ENODATA: not enabled for this file"
    case ENOTTY: return "ENOTTY: not supported by the filesystem"
    case EBADF: return "EBADF: the file could not be read"
    case EACCES: return "EACCES: permission denied"
    case ENOENT: return "ENOENT: no such file"
    case ELOOP: return "ELOOP: a symbolic link"
    case EPERM: return "EPERM: operation not permitted"
    case EISDIR: return "EISDIR: a directory"
    case ENOMEM: return "ENOMEM: out of memory"
    case EIO: return "EIO: input/output error"
    case ENXIO: return "ENXIO: no such device"
    case ENOTDIR: return "ENOTDIR: not a directory"
    case EMFILE: return "EMFILE: too many open files"
    case ENFILE: return "ENFILE: too many open files in the system"
    case ENAMETOOLONG: return "ENAMETOOLONG: name too long"
    case EFBIG: return "EFBIG: over the file-size limit"
    case ENOSPC: return "ENOSPC: no space left"
    case EAGAIN: return "EAGAIN: busy (a lease, or try again)"
    default: return "error"
    }
}

/// Text into a fixed buffer: log lines are built on the launch path, where
/// there is no allocator and no stdio. Output past the capacity is cut.
public struct Message {
    public let buffer: UnsafeMutableRawBufferPointer
    public private(set) var count = 0
    /// Log lines: a space in an outside name is `\x20` too, so that a name
    /// is one word and cannot pass for the fields that follow it.
    public var escapeSpaces = false

    public init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    public var bytes: Bytes {
        Bytes(UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self), count: count)
    }

    public mutating func append(_ b: Bytes) {
        var i = 0
        while i < b.count && count < buffer.count {
            buffer[count] = b[i]
            count += 1
            i += 1
        }
    }

    public mutating func append(_ s: StaticString) { append(Bytes(s)) }

    public mutating func append(_ n: Int) {
        if n < 0 {
            append("-")
            append(UInt64(-n))
        } else {
            append(UInt64(n))
        }
    }

    public mutating func append(_ n: UInt64) {
        var digits = InlineArray<20, UInt8>(repeating: 0)
        var v = n
        var i = 0
        repeat {
            digits[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
            i += 1
        } while v > 0
        while i > 0 {
            i -= 1
            if count < buffer.count {
                buffer[count] = digits[i]
                count += 1
            }
        }
    }

    /// Bytes that came from outside (file names, policy words) as one
    /// unambiguous line: a byte outside printable ASCII (0x20-0x7e) is
    /// written `\xHH` and a backslash `\\`, so a name holding a newline
    /// cannot forge a second log line, nor a control sequence reach a
    /// terminal. Other bytes, spaces included, are written as they are.
    public mutating func appendEscaped(_ b: Bytes) {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\\") {
                append("\\\\")
            } else if c < 0x20 || c > 0x7e || (c == 0x20 && escapeSpaces) {
                var pair = (Hex.digit(c >> 4), Hex.digit(c & 15))
                append("\\x")
                withUnsafeBytes(of: &pair) { append(Bytes($0)) }
            } else {
                append(Bytes(b.base! + i, count: 1))
            }
            i += 1
        }
    }

    /// What `body` appends, as the inside of a JSON string: `"` and `\`
    /// escaped. Meant for appendEscaped's text, which is printable ASCII,
    /// so nothing else needs escaping. Output past the capacity is cut.
    public mutating func appendJSONEscaped(_ body: (inout Message) -> Void) {
        let start = count
        body(&self)
        var extra = 0
        var i = start
        while i < count {
            if buffer[i] == UInt8(ascii: "\"") || buffer[i] == UInt8(ascii: "\\") { extra += 1 }
            i += 1
        }
        if extra == 0 { return }
        var to = count + extra
        var from = count
        count = to < buffer.count ? to : buffer.count
        while from > start {
            from -= 1
            let c = buffer[from]
            to -= 1
            if to < buffer.count { buffer[to] = c }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                to -= 1
                if to < buffer.count { buffer[to] = UInt8(ascii: "\\") }
            }
        }
    }

    /// Outside bytes as a JSON string holding their escaped text.
    public mutating func appendJSONString(_ b: Bytes) {
        append("\"")
        appendJSONEscaped { $0.appendEscaped(b) }
        append("\"")
    }

    /// Text that is printable ASCII already (a log line) as a JSON string.
    public mutating func appendJSONString(escapedText b: Bytes) {
        append("\"")
        appendJSONEscaped { $0.append(b) }
        append("\"")
    }

    /// `[FILE:LINE]`, `[FILE]`, or nothing.
    public mutating func append(_ location: Location) {
        if location.file.isEmpty { return }
        append(" [")
        appendEscaped(location.file)
        if location.line > 0 {
            append(":")
            append(Int(location.line))
        }
        append("]")
    }

    /// The reason part of a denial: `sha256 mismatch`, `policy error: ...`.
    public mutating func append(reason d: Decision) {
        let f = d.finding
        switch f.reason {
        case .allowed: append("allowed")
        case .sha256Mismatch: append("sha256 mismatch")
        case .unreadable: append("cannot read the file to check ")
                          append(f.fact)
        case .ownerMismatch:
            append("owned by uid ")
            append(UInt64(f.uid))
            append(", policy requires ")
            append(f.fact)
        case .pathOwner:
            append("not trusted-path: ")
            append(f.at)
            append(" is owned by uid ")
            append(UInt64(f.uid))
        case .pathWritable:
            append("not trusted-path: ")
            append(f.at)
            append(" is writable by group or others")
        case .setid: append("no-setid: the file is setuid or setgid")
        case .never: append("the rule says never")
        case .negatedHolds:
            append(f.fact)
            append(" does not hold")
        case .deniedByRule: append("denied by rule")
        case .defaultDeny: append("no rule matches and the default is deny")
        case .groupMismatch:
            append("group is gid ")
            append(UInt64(f.gid))
            append(", policy requires ")
            append(f.fact)
        case .writableMount: append("not on a read-only mount")
        case .notImmutable: append("not immutable (chattr +i)")
        case .hasCaps: append("the file has capabilities")
        case .notElf: append("not an ELF file")
        case .notScript: append("not a #! script")
        case .noVerity:
            append("no fs-verity digest for the file (")
            append(errnoName(f.errno))
            append(")")
        case .verityMismatch: append("fs-verity digest mismatch")
        case .factUnreadable:
            append("cannot read ")
            append(f.fact)
            append(" (")
            append(errnoName(f.errno))
            append(")")
        case .signatureMissing: append("signature missing")
        case .signedByOther: append("signed by another key")
        case .badSignature: append("bad signature")
        case .wrongNamespace: append("wrong namespace")
        case .unknownSigner:
            append("unknown signer in ")
            append(f.fact)
        case .loaderProgramName: append("given to the dynamic loader without a path, which lwcr cannot check")
        case .loaderProgramUnopened: append("given to the dynamic loader, and lwcr cannot open it to check it")
        case .loaderOption: append("run with a loader option lwcr does not know, which could hide the program")
        case .sealedCopy:
            append("cannot make the sealed copy the rule asks to run (")
            append(errnoName(f.errno))
            append(")")
        case .unnamed: append("cannot name the file by a path that still leads to it (renamed, deleted, or no /proc)")
        case .contentUnreadable: append("lwcr cannot read the file (execute-only, or no /proc to reopen it), so cannot see what it would run")
        case .notHeldByRoot: append("opened again by path after the check, and someone other than root can change the file or a directory on the way")
        case .sealedByPath: append("sealed, but the kernel or loader opens it by path, so no sealed copy can be what runs")
        case .libraryToken: append("named with $ORIGIN, $LIB or $PLATFORM, which the loader expands and lwcr does not")
        case .libraryUnopened:
            append("lwcr cannot open it to check it (")
            append(errnoName(f.errno))
            append(")")
        case .environmentScrubbed: append("the shell would start without lwcr (LD_PRELOAD or LWCR_POLICY removed from the environment)")
        case .policyError:
            append("policy error: ")
            appendErrorText(d.errorMessage, code: d.errorCode, detail: d.errorDetail)
        }
    }

    /// `MESSAGE (ERRNO) 'DETAIL'`: the one way a policy error reads, in a
    /// log line, in `lwcr lint` and in the command's errors.
    public mutating func appendErrorText(_ message: StaticString, code: Int32, detail: Bytes) {
        append(message)
        if code != 0 {
            append(" (")
            append(errnoName(code))
            append(")")
        }
        if !detail.isEmpty {
            append(" '")
            appendEscaped(detail)
            append("'")
        }
    }

    /// `FILE[:LINE]: MESSAGE (ERRNO) 'DETAIL'`, as lint lists problems: a
    /// file named within its layer is prefixed with `directory`.
    public mutating func appendPolicyError(_ e: PolicyError, in directory: Bytes) {
        let file = e.location.file
        if file.isEmpty || file[0] == UInt8(ascii: "/") || directory.isEmpty {
            appendEscaped(file.isEmpty ? directory : file)
        } else {
            appendEscaped(directory)
            append("/")
            appendEscaped(file)
        }
        if e.location.line > 0 {
            append(":")
            append(Int(e.location.line))
        }
        append(": ")
        appendErrorText(e.message, code: e.code, detail: e.detail)
    }

    /// `lwcr: deny PATH: REASON [FILE:LINE]` (or `audit`, `allow`), with a newline.
    public mutating func appendLogLine(path: Bytes, _ d: Decision, via interpreterOf: Bytes = .empty,
                                       as role: StaticString = "interpreter") {
        append("lwcr: ")
        appendDecision(path: path, d, via: interpreterOf, as: role)
        append("\n")
    }

    /// `deny PATH: REASON [FILE:LINE]`. `as`: what the file is to the
    /// launch of `interpreterOf`.
    public mutating func appendDecision(path: Bytes, _ d: Decision, via interpreterOf: Bytes = .empty,
                                        as role: StaticString = "interpreter") {
        append(d.verdict)
        append(" ")
        if !interpreterOf.isEmpty {
            appendEscaped(interpreterOf)
            append(": ")
            append(role)
            append(" ")
        }
        appendEscaped(path)
        append(": ")
        append(reason: d)
        append(d.location)
    }
}
