import CInterpose

/// The C API of a program's own requirements (lwcr.h): thin edges over
/// OwnRequirement, which the Swift product LaunchRequirements uses too.

/// Copies lines into the caller's WHY buffer (NUL-terminated, cut to fit).
struct WhyBuffer {
    var base: UnsafeMutablePointer<CChar>?
    var size: Int

    static let sink: OwnRequirement.LineSink = { context, line, count in
        let w = context!.assumingMemoryBound(to: WhyBuffer.self).pointee
        guard let base = w.base, w.size > 0, let line else { return }
        var n = count
        while n > 0 && (line[n - 1] == 10) { n -= 1 }
        if n > w.size - 1 { n = w.size - 1 }
        var i = 0
        while i < n { base[i] = CChar(bitPattern: line[i]); i += 1 }
        base[n] = 0
    }

    /// A failure no decision explained (no such file, ETXTBSY...): its errno's text.
    func failed(_ path: UnsafePointer<CChar>, _ e: Int32) {
        guard let base, size > 0, base[0] == 0 else { return }
        var buffer = InlineArray<1024, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &buffer) { b in
            var m = Message(b)
            m.append("lwcr: ")
            m.appendEscaped(Bytes(cString: path))
            m.append(": ")
            m.append(Bytes(cString: strerror(e)))
            var copy = self
            withUnsafeMutablePointer(to: &copy) { WhyBuffer.sink(UnsafeMutableRawPointer($0), m.bytes.base, m.count) }
        }
    }

    func error(_ e: PolicyError) {
        var buffer = InlineArray<1024, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &buffer) { b in
            var m = Message(b)
            m.append("lwcr: requirement: ")
            m.appendPolicyError(e, in: .empty)
            var copy = self
            withUnsafeMutablePointer(to: &copy) { WhyBuffer.sink(UnsafeMutableRawPointer($0), m.bytes.base, m.count) }
        }
    }
}

@_cdecl("lwcr_spawn_required")
public func lwcr_spawn_required(_ pid: UnsafeMutablePointer<pid_t>?, _ path: UnsafePointer<CChar>?,
                                _ actions: UnsafePointer<posix_spawn_file_actions_t>?, _ attr: UnsafePointer<posix_spawnattr_t>?,
                                _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?, _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                                _ requirement: UnsafePointer<CChar>?, _ signers: UnsafePointer<CChar>?,
                                _ why: UnsafeMutablePointer<CChar>?, _ whySize: Int) -> Int32 {
    guard let path, let requirement else { return EFAULT }
    if let why, whySize > 0 { why[0] = 0 }
    var w = WhyBuffer(base: why, size: whySize)
    let facts = Bytes(cString: requirement)
    let signerLines = signers.map { Bytes(cString: $0) } ?? .empty
    return withUnsafeMutablePointer(to: &w) { wp -> Int32 in
        OwnRequirement.with(facts: facts, signers: signerLines) { policy, error -> Int32 in
            guard let policy else { wp.pointee.error(error!); return EINVAL }
            var child: pid_t = 0
            let e = OwnRequirement.spawn(path, search: false, actions: actions, attributes: attr, argv: argv,
                                         envp: envp ?? UnsafePointer(lwcr_environ()), policy, pid: &child, pidfd: nil,
                                         line: WhyBuffer.sink, context: UnsafeMutableRawPointer(wp), denial: nil)
            if e == 0 { pid?.pointee = child } else { wp.pointee.failed(path, e) }
            return e
        }
    }
}

@_cdecl("lwcr_check_required")
public func lwcr_check_required(_ path: UnsafePointer<CChar>?, _ requirement: UnsafePointer<CChar>?, _ signers: UnsafePointer<CChar>?,
                                _ why: UnsafeMutablePointer<CChar>?, _ whySize: Int) -> Int32 {
    guard let path, let requirement else { return EFAULT }
    if let why, whySize > 0 { why[0] = 0 }
    var w = WhyBuffer(base: why, size: whySize)
    let signerLines = signers.map { Bytes(cString: $0) } ?? .empty
    return withUnsafeMutablePointer(to: &w) { wp -> Int32 in
        OwnRequirement.with(facts: Bytes(cString: requirement), signers: signerLines) { policy, error -> Int32 in
            guard let policy else { wp.pointee.error(error!); return EINVAL }
            let e = OwnRequirement.check(path, descriptor: -1, policy, line: WhyBuffer.sink, context: UnsafeMutableRawPointer(wp), denial: nil)
            if e != 0 { wp.pointee.failed(path, e) }
            return e
        }
    }
}
