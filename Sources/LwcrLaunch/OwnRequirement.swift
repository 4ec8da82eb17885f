import CInterpose

/// A program's own requirement for a file it launches: the LaunchRequirements
/// product and the C function lwcr_spawn_required. It is the facts of one
/// policy `require` rule (with `|`, `!` and `sealed`, and the signers its
/// `signed-by=` names), judged of the launch's target on top of the policy
/// in force (the system layer and LWCR_POLICY), by the same gate as every
/// launch: the file is opened once, that descriptor is judged and is what
/// the kernel executes.
///
/// The rule's pattern is `/**`: it is the opened file that is judged,
/// whatever it is called, so renaming or swapping files cannot make the
/// requirement miss. It applies to the target only; a script's
/// interpreter, an ELF interpreter and the loader's program are judged by
/// the policy in force, as in any launch (a requirement of `sha256=` on a
/// script does not pin /bin/sh).
public enum OwnRequirement {
    /// Room for one requirement's layer; a requirement is a line.
    public static let arenaSize = 1 << 20
    /// The name its rule's location gives in a denial: `[requirement:1]`.
    public static let fileName: StaticString = "requirement"

    /// Calls `body` with the requirement built (or the error that stopped
    /// it), in memory of its own that is gone when `body` returns.
    public static func with<R>(facts: Bytes, signers: Bytes, _ body: (UnsafePointer<Policy>?, PolicyError?) -> R) -> R {
        guard let base = lwcr_mmap(arenaSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) else {
            return body(nil, PolicyError(Location(file: Bytes(fileName), line: 1), "cannot map memory for the requirement"))
        }
        defer { _ = lwcr_munmap(base, arenaSize) }
        var arena = Arena(base: base, capacity: arenaSize)
        do throws(PolicyError) {
            var policy = try build(facts: facts, signers: signers, &arena)
            return withUnsafePointer(to: &policy) { body($0, nil) }
        } catch {
            return body(nil, error)
        }
    }

    /// Where the line saying why a launch was refused goes (a C function
    /// and its context: nothing is captured).
    public typealias LineSink = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int) -> Void

    /// posix_spawn's work (attributes, file actions, then the gate in the
    /// child, which opens `path` after the file actions) with the
    /// requirement: 0 and the pid (and a pidfd when asked), or an errno
    /// (EACCES when the requirement or the policy refuses the file). The
    /// line saying why goes to `line`, the decision to `denial`.
    public static func spawn(_ path: UnsafePointer<CChar>, search: Bool,
                             actions: UnsafePointer<posix_spawn_file_actions_t>?, attributes: UnsafePointer<posix_spawnattr_t>?,
                             argv: UnsafePointer<UnsafeMutablePointer<CChar>?>?, envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?,
                             _ requirement: UnsafePointer<Policy>, pid: inout pid_t, pidfd: UnsafeMutablePointer<Int32>?,
                             line: LineSink?, context: UnsafeMutableRawPointer?, denial: UnsafeMutablePointer<Decision>?) -> Int32 {
        var request = SpawnRequest(path: path, search: search, actions: actions, attributes: SpawnAttributes(attributes),
                                   argv: argv, envp: envp)
        request.wantPidfd = pidfd != nil
        request.requirement = requirement
        request.denial = denial
        request.lineSink = line
        request.lineContext = context
        var fd: Int32 = -1
        let e = Spawn.start(request, &pid, &fd)
        pidfd?.pointee = fd
        return e
    }

    /// The walk a launch of `target` takes, explaining instead of executing
    /// (as lwcr check): 0 when it would run, else an errno; the lines go to
    /// `line`, the first denial to `denial`.
    /// `path` relative to the working directory, or, when nil, the file
    /// open on `descriptor`.
    public static func check(_ path: UnsafePointer<CChar>?, descriptor: Int32, _ requirement: UnsafePointer<Policy>,
                             line: LineSink?, context: UnsafeMutableRawPointer?, denial: UnsafeMutablePointer<Decision>?) -> Int32 {
        let target: Gate.Target = path.map { .path(AT_FDCWD, $0, false) } ?? .descriptor(descriptor)
        var report = Report.direct
        report.explain = Explain(context: context, judging: nil, line: line)
        report.requirement = requirement
        report.denial = denial
        var argv = InlineArray<2, UnsafeMutablePointer<CChar>?>(repeating: nil)
        var name = InlineArray<2, CChar>(repeating: 0)
        return withUnsafeMutablePointer(to: &name) { n -> Int32 in
            argv[0] = UnsafeMutableRawPointer(n).assumingMemoryBound(to: CChar.self)
            return withUnsafeBytes(of: &argv) { a -> Int32 in
                let launch = Launch(argv: a.baseAddress!.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self), envp: nil,
                                    report: report, shellFallback: false)
                switch PolicyState.current() {
                case .none: return Gate.run(target, Policy(), launch)
                case .unavailable:
                    Gate.deny(unavailable: Bytes("(the policy)"), launch)
                    return EACCES
                case .policy(let p): return Gate.run(target, p.pointee, launch)
                }
            }
        }
    }

    /// Builds the one-layer policy of `facts` (a require rule's words) and
    /// `signers` (lines of `NAME KEYTYPE BASE64`, as after `signer`) in
    /// `arena`. Nothing but facts may be given: a newline in `facts`, or
    /// in a signer line beyond its end, would add rules of the caller's
    /// choosing, and is refused. Errors name the word at fault.
    public static func build(facts: Bytes, signers: Bytes, _ arena: inout Arena) throws(PolicyError) -> Policy {
        let here = Location(file: Bytes(fileName), line: 1)
        if facts.firstIndex(of: 10) != nil || facts.firstIndex(of: 13) != nil || facts.firstIndex(of: 0) != nil {
            throw PolicyError(here, "a requirement is one line of facts: it holds a newline or a NUL")
        }
        // In a policy file `#` would silently end the facts there
        // ("owner=x # trusted-path"); a requirement has no use for a comment.
        if facts.firstIndex(of: UInt8(ascii: "#")) != nil {
            throw PolicyError(here, "a requirement holds no comment: '#' would end its facts there")
        }
        var lines = 0
        _ = signers.forEachPart(separatedBy: 10) { _ in lines += 1; return true }
        let prefix = Bytes("require /** ")
        let signer = Bytes("signer ")
        guard let text = arena.bytes(count: prefix.count + facts.count + 1 + signers.count + lines * (signer.count + 1) + 1),
              let directory = arena.copy(Bytes(fileName)) else {
            throw PolicyError(here, "out of memory for the requirement")
        }
        var n = 0
        func put(_ b: Bytes) {
            var i = 0
            while i < b.count { text[n] = b[i]; n += 1; i += 1 }
        }
        put(prefix); put(facts); put(Bytes("\n"))
        _ = signers.forEachPart(separatedBy: 10) { line in
            put(signer); put(line); put(Bytes("\n"))
            return true
        }
        let all = Bytes(UnsafePointer(text), count: n)
        var texts = all
        guard var builder = LayerBuilder.start(directory, texts: &texts, count: 1, &arena) else {
            throw PolicyError(here, "out of memory for the requirement")
        }
        var users = UserDatabase(file: "/etc/passwd")
        var groups = UserDatabase(file: "/etc/group")
        var first: PolicyError? = nil
        builder.add(all, file: Bytes(fileName), names: { name, kind in
            kind == .user ? users.uid(of: name, &arena) : groups.uid(of: name, &arena)
        }) { e in if first == nil { first = e } }
        if let first { throw first }
        // One rule: the facts hold no newline, and every other line
        // begins with `signer`, which makes no rule.
        let layer = try builder.finish(nil, nil, &arena)
        guard let slot = arena.allocate(Layer.self, count: 1) else { throw PolicyError(here, "out of memory for the requirement") }
        slot.initialize(to: layer)
        var policy = Policy()
        policy.layers = slot
        policy.layerCount = 1
        return policy
    }
}
