import CInterpose

/// `lwcr check [--policy DIR]... PATH...`: each PATH judged exactly as a
/// launch judges it (PathWalk, Decider, the #! interpreter chain), with
/// the reasons spelled out.
enum Check {
    static func run(_ args: inout Arguments) -> Int32 {
        guard let options = Options.parse(&args, command: "check", landlock: false) else { return 2 }
        guard args.peek() != nil else {
            complain(text("check: which paths? usage: lwcr check [--policy DIR]... PATH..."))
            return 2
        }
        if !options.install() { complain(text("check: the policy directories are too long")); return 2 }
        guard let loaded = LoadedPolicy.load() else { return 2 }
        if loaded.reportError() { return 2 }
        var status: Int32 = 0
        while args.next() != nil {
            let path = args.previous
            var o = Output.out
            let r = check(path, loaded.policy, depth: 0, via: .empty, &o)
            o.flush()
            if r == 2 { status = 2 } else if r == 1 && status == 0 { status = 1 }
        }
        return status
    }

    /// 0 allowed, 1 denied, 2 cannot be examined.
    static func check(_ path: UnsafePointer<CChar>, _ policy: Policy, depth: Int, via: Bytes, _ o: inout Output) -> Int32 {
        var name = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &name) { n -> Int32 in
            var count = 0
            let fd = PathWalk.open(AT_FDCWD, path, flags: Gate.openFlags, noFollow: false, into: n, &count)
            indent(depth, &o)
            if depth > 0 { o.write("interpreter ") }
            o.writeEscaped(Bytes(cString: path))
            if fd < 0 {
                o.write(": cannot be opened: ")
                o.write(openFailure(fd))
                o.write("\n")
                return 2
            }
            defer { _ = lwcr_close(fd) }
            let canonical = Bytes(UnsafeRawBufferPointer(rebasing: n[0..<count]))
            if !canonical.equals(Bytes(cString: path)) { o.write(" -> "); o.writeEscaped(canonical) }
            o.write("\n")
            var st = stat()
            _ = lwcr_fstat(fd, &st)
            var subject = Subject(fd: fd, path: canonical, status: st)
            subject.readBuffer = ReadBuffer.shared
            explain(policy, &subject, depth, &o)
            let decision = Decider.decide(policy, &subject)
            if !decision.allowed || decision.audited {
                indent(depth, &o)
                o.write("=> ")
                var line = InlineArray<4608, UInt8>(repeating: 0)
                withUnsafeMutableBytes(of: &line) { l in
                    var m = Message(l)
                    m.appendLogLine(path: canonical, decision, via: via)
                    o.write(m.bytes)
                }
            }
            if !decision.allowed { return 1 }
            // A script launches its interpreter too.
            var header = InlineArray<256, UInt8>(repeating: 0)
            let h = withUnsafeMutableBytes(of: &header) { lwcr_pread(fd, $0.baseAddress, $0.count, 0) }
            if h >= 2 && header[0] == UInt8(ascii: "#") && header[1] == UInt8(ascii: "!") {
                if depth >= Gate.maxScriptDepth { indent(depth, &o); o.write("=> too many nested interpreters\n"); return 1 }
                var interpreter = Bytes.empty
                var argument = Bytes.empty
                let ok = withUnsafeBytes(of: &header) { Shebang.parse(Bytes($0), &interpreter, &argument) }
                if !ok { indent(depth, &o); o.write("=> the #! line cannot be read\n"); return 1 }
                var interp = InlineArray<257, UInt8>(repeating: 0)
                let r = withUnsafeMutableBytes(of: &interp) { b -> Int32 in
                    b.copyMemory(from: interpreter.raw)
                    return check(b.baseAddress!.assumingMemoryBound(to: CChar.self), policy, depth: depth + 1,
                                 via: depth == 0 ? canonical : via, &o)
                }
                if r != 0 { return r }
            }
            if depth == 0 { o.write("=> allow\n") }
            return 0
        }
    }

    /// Per layer: the deciding rule or the default, and each fact of the rule.
    static func explain(_ policy: Policy, _ subject: inout Subject, _ depth: Int, _ o: inout Output) {
        var i = 0
        while i < policy.layerCount {
            let layer = policy.layers.unsafelyUnwrapped[i]
            indent(depth + 1, &o)
            o.write("layer ")
            o.writeEscaped(layer.directory)
            if layer.auditOnly { o.write(" (audit)") }
            o.write(": ")
            // Audit files never change the enforced decision: it is shown
            // first, then what the audit files would decide, if that differs.
            let enforcedRule = Decider.rule(for: subject.path, in: layer, enforced: layer.hasAuditStatements)
            explainRule(enforcedRule, layer, enforced: layer.hasAuditStatements, &subject, depth, &o)
            if layer.hasAuditStatements {
                let auditRule = Decider.rule(for: subject.path, in: layer, enforced: false)
                let differs: Bool
                if let a = auditRule, let e = enforcedRule {
                    differs = a.location.line != e.location.line || a.location.file.base != e.location.file.base
                } else if auditRule == nil && enforcedRule == nil {
                    differs = Decider.defaultVerdict(of: layer, enforced: true) != Decider.defaultVerdict(of: layer, enforced: false)
                } else {
                    differs = true
                }
                if differs {
                    indent(depth + 1, &o)
                    o.write("audit files: ")
                    explainRule(auditRule, layer, enforced: false, &subject, depth, &o)
                }
            }
            i += 1
        }
    }

    static func explainRule(_ found: Rule?, _ layer: Layer, enforced: Bool, _ subject: inout Subject, _ depth: Int, _ o: inout Output) {
            guard let rule = found else {
                o.write("no rule matches; default ")
                o.write(Decider.defaultVerdict(of: layer, enforced: enforced) == .deny ? "deny" : "allow")
                if layer.defaultStated && (!enforced || layer.defaultEnforced) { location(layer.defaultLocation, &o) }
                o.write("\n")
                return
            }
            switch rule.kind {
            case .allow: o.write("allow ")
            case .deny: o.write("deny ")
            case .require: o.write("require ")
            }
            o.writePolicyWord(rule.pattern, compiled: true)
            location(rule.location, &o)
            if rule.audit { o.write(" (audit)") }
            o.write("\n")
            subject.layer = layer
            var f = 0
            while f < Int(rule.factCount) {
                let fact = rule.facts![f]
                if f > 0 && fact.group != rule.facts![f - 1].group { indent(depth + 3, &o); o.write("|\n") }
                indent(depth + 3, &o)
                o.write(fact.word)
                var why = Finding()
                let value = Facts.evaluate(fact, Facts.owner(rule, fact.group), &subject, &why)
                o.write(value != fact.negated ? ": holds" : ": does not hold")
                describe(fact, value, why, &subject, &o)
                o.write("\n")
                f += 1
            }
    }

    /// What was found, where the fact is about a value.
    static func describe(_ fact: Fact, _ value: Bool, _ why: Finding, _ subject: inout Subject, _ o: inout Output) {
        switch fact.kind {
        case .sha256:
            if let d = subject.sha256() { o.write(" (found sha256="); o.write(d); o.write(")") }
            else { o.write(" (the file cannot be read)") }
        case .owner:
            o.write(" (owner is uid "); o.write(Int(subject.status.st_uid)); o.write(")")
        case .trustedPath:
            if !value {
                o.write(" (")
                o.write(why.at)
                o.write(why.reason == .pathWritable ? " is writable by group or others" : " is owned by uid ")
                if why.reason == .pathOwner { o.write(Int(why.uid)) }
                o.write(")")
            }
        case .noSetid:
            if !value { o.write(" (the file is setuid or setgid)") }
        case .group:
            o.write(" (group is gid "); o.write(Int(subject.status.st_gid)); o.write(")")
        case .always, .never, .readonlyMount, .immutable, .noCaps, .elf, .script, .fsverity, .signedBy:
            if !value && why.reason != .allowed {
                var line = InlineArray<512, UInt8>(repeating: 0)
                withUnsafeMutableBytes(of: &line) { l in
                    var m = Message(l)
                    var d = Decision()
                    d.finding = why
                    m.append(reason: d)
                    o.write(" ("); o.write(m.bytes); o.write(")")
                }
            }
        }
    }

    static func location(_ l: Location, _ o: inout Output) {
        if l.file.isEmpty { return }
        o.write(" [")
        o.writeEscaped(l.file)
        if l.line > 0 { o.write(":"); o.write(Int(l.line)) }
        o.write("]")
    }

    static func indent(_ depth: Int, _ o: inout Output) {
        var i = 0
        while i < depth { o.write("  "); i += 1 }
    }
}
