import CInterpose

/// Text to standard output or error, a line at a time. The command runs
/// the same Embedded Swift core as the library, without stdio.
struct Output {
    let fd: Int32
    var buffer = InlineArray<8192, UInt8>(repeating: 0)
    var count = 0

    static var out: Output { Output(fd: 1) }
    static var err: Output { Output(fd: 2) }

    init(fd: Int32) { self.fd = fd }

    mutating func write(_ b: Bytes) {
        var i = 0
        while i < b.count {
            if count == 8192 { flush() }
            buffer[count] = b[i]
            count += 1
            i += 1
        }
    }

    mutating func write(_ s: StaticString) { write(Bytes(s)) }

    mutating func write(_ n: Int) {
        var digits = InlineArray<24, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &digits) { d in
            var m = Message(d)
            m.append(n)
            write(m.bytes)
        }
    }

    mutating func write(cString: UnsafePointer<CChar>) { write(Bytes(cString: cString)) }

    /// Outside bytes (file names, policy words) as log lines write them:
    /// non-printable bytes as \xHH (see Message.appendEscaped).
    mutating func writeEscaped(_ b: Bytes) {
        var start = 0
        while start < b.count {
            let end = start + 1024 < b.count ? start + 1024 : b.count
            var buffer = InlineArray<4100, UInt8>(repeating: 0)
            withUnsafeMutableBytes(of: &buffer) { m in
                var message = Message(m)
                message.appendEscaped(b.slice(start, end))
                write(message.bytes)
            }
            start = end
        }
    }

    /// A policy error as Message.appendPolicyError writes it.
    mutating func writePolicyError(_ e: PolicyError, in directory: Bytes) {
        var buffer = InlineArray<8192, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &buffer) { b in
            var m = Message(b)
            m.appendPolicyError(e, in: directory)
            write(m.bytes)
        }
    }

    /// A name as a policy word meaning exactly it (see PolicyText);
    /// `compiled`: a rule's pattern, wildcards kept.
    mutating func writePolicyWord(_ b: Bytes, compiled: Bool = false) {
        PolicyText.encode(b, compiled: compiled) { c in
            var one = c
            withUnsafeBytes(of: &one) { write(Bytes($0)) }
        }
    }

    /// A digest as 64 hex digits.
    mutating func write(_ d: SHA256Digest) {
        var hex = InlineArray<64, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &hex) { h in
            d.writeHex(into: h)
            write(Bytes(UnsafeRawBufferPointer(h)))
        }
    }

    mutating func flush() {
        var done = 0
        let total = count
        let fd = self.fd
        withUnsafeBytes(of: &buffer) { b in
            while done < total {
                let n = lwcr_write(fd, b.baseAddress! + done, total - done)
                if n == -Int(EINTR) { continue }
                if n <= 0 { break }
                done += n
            }
        }
        count = 0
    }
}

/// `lwcr: MESSAGE` on standard error.
func complain(_ parts: Bytes...) {
    var e = Output.err
    e.write("lwcr: ")
    for p in parts { e.write(p) }
    e.write("\n")
    e.flush()
}

func text(_ s: StaticString) -> Bytes { Bytes(s) }

/// A 1 MiB buffer for hashing whole files: the command is not the launch
/// path, and large reads make `lwcr pin` of a big file as fast as openssl.
enum ReadBuffer {
    static var shared: UnsafeMutableRawBufferPointer? {
        let size = 1 << 20
        guard let p = lwcr_mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) else { return nil }
        return UnsafeMutableRawBufferPointer(start: p, count: size)
    }
}

/// Why PathWalk.open failed, for people: an errno, or the walk's own
/// "cannot name it" result, which is no errno.
func openFailure(_ opened: Opened) -> Bytes {
    switch opened {
    case .unnamed:
        return text("cannot be named by a path that is sure to still lead to it (a directory above it can be renamed by others)")
    case .failed(let e):
        return Bytes(cString: strerror(e.code))
    case .file:
        return text("opened")
    }
}
