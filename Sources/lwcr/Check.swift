import CInterpose

/// `lwcr check [--policy DIR]... PATH...`: each PATH judged by the very
/// walk a launch takes (Gate.run, explaining instead of executing), with
/// the reasons spelled out.
enum Check {
    static func run(_ args: inout Arguments) -> Int32 {
        guard var options = Options.parse(&args, command: "check", landlock: false, check: true) else { return 2 }
        guard args.peek() != nil else {
            complain(text("check: which paths? usage: lwcr check [--policy DIR]... [--system DIR] [--json] PATH..."))
            return 2
        }
        if !options.install() { complain(text("check: the policy directories are too long")); return 2 }
        var systemBuffer = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &systemBuffer) { sb -> Int32 in
            if let given = options.system {
                // A launch names its layers absolutely; so does the candidate.
                let p = sb.baseAddress!.assumingMemoryBound(to: CChar.self)
                copy(given, into: p, sb.count)
                if p[0] != CChar(UInt8(ascii: "/")) && !absolutize(p, sb.count) {
                    complain(text("check: --system "), given, text(": cannot be made absolute"))
                    return 2
                }
                var st = stat()
                if lwcr_fstatat(AT_FDCWD, p, &st, 0) != 0 || st.st_mode & Mode.typeMask != Mode.directory {
                    complain(text("check: --system "), given, text(": not a directory"))
                    return 2
                }
                options.system = Bytes(cString: p)
            }
            guard let loaded = LoadedPolicy.load(system: options.system) else { return 2 }
            if loaded.reportError() { return 2 }
            loaded.noteUncompiled()
            var status: Int32 = 0
            while args.next() != nil {
                let path = args.previous
                var o = Output.out
                let r = resolved(path, options.json) { check($0, path, loaded.policy, json: options.json, &o) }
                o.flush()
                if r == 2 { status = 2 } else if r == 1 && status == 0 { status = 1 }
            }
            return status
        }
    }

    /// A bare name is looked up in PATH as `which` does (the first
    /// executable regular file); a name with a slash is taken as it is.
    static func resolved(_ name: UnsafePointer<CChar>, _ json: Bool, _ body: (UnsafePointer<CChar>) -> Int32) -> Int32 {
        let word = Bytes(cString: name)
        if word.isEmpty || word.firstIndex(of: UInt8(ascii: "/")) != nil { return body(name) }
        var buffer = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &buffer) { b -> Int32 in
            let path = getenv(cString("PATH")).map { Bytes(cString: $0) } ?? Bytes("/bin:/usr/bin")
            var found = false
            path.forEachPart(separatedBy: UInt8(ascii: ":"), keepEmpty: true) { dir in
                var m = Message(UnsafeMutableRawBufferPointer(rebasing: b[0..<(b.count - 1)]))
                m.append(dir.isEmpty ? Bytes(".") : dir)
                m.append("/")
                m.append(word)
                b[m.count] = 0
                let candidate = b.baseAddress!.assumingMemoryBound(to: CChar.self)
                var st = stat()
                if lwcr_fstatat(AT_FDCWD, candidate, &st, 0) == 0 && st.st_mode & Mode.typeMask == Mode.regular
                    && lwcr_faccessat(AT_FDCWD, candidate, X_OK) == 0 {
                    found = true
                    return false
                }
                return true
            }
            if !found {
                var o = Output.out
                if json {
                    o.write("{\"path\":"); writeJSON(word, &o); o.write(",\"verdict\":\"error\",\"message\":\"not found in PATH\"}\n")
                } else {
                    o.writeEscaped(word); o.write(": not found in PATH\n")
                }
                o.flush()
                return 2
            }
            if !json {
                var o = Output.out
                o.writeEscaped(word); o.write(": found in PATH: "); o.writeEscaped(Bytes(cString: b.baseAddress!.assumingMemoryBound(to: CChar.self)))
                o.write("\n")
                o.flush()
            }
            return body(b.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
    }

    /// `b` as a JSON string: outside bytes escaped, or (`escaped`) a log
    /// line's text, which is escaped already.
    static func writeJSON(_ b: Bytes, escaped: Bool = false, _ o: inout Output) {
        var buffer = InlineArray<8192, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &buffer) { m in
            var message = Message(m)
            if escaped { message.appendJSONString(escapedText: b) } else { message.appendJSONString(b) }
            o.write(message.bytes)
        }
    }

    /// What the explaining walk of one PATH has seen so far.
    struct Walk {
        var policy: UnsafePointer<Policy>
        var requested: UnsafePointer<CChar>
        var depth = 0
        var judged = 0
        var denied = false
        /// --json: the files go out as objects of a "files" array, each
        /// decision line inside its file's object.
        var json = false
    }

    /// 0 allowed, 1 denied, 2 cannot be examined. The walk is the gate's
    /// own (Gate.run with an Explain): a launch and its explanation take
    /// the same steps (regular files only, interpreters, the loader and its
    /// program, sealed copies) and end with the kernel's own answer.
    /// `given`: the name on the command line, before the PATH search.
    static func check(_ path: UnsafePointer<CChar>, _ given: UnsafePointer<CChar>, _ policy: Policy, json: Bool,
                      _ o: inout Output) -> Int32 {
        o.flush()
        var policyCopy = policy
        return withUnsafePointer(to: &policyCopy) { p -> Int32 in
            var walk = Walk(policy: p, requested: path, json: json)
            if json {
                var o = Output.out
                o.write("{\"path\":"); writeJSON(Bytes(cString: given), &o)
                o.write(",\"resolved\":"); writeJSON(Bytes(cString: path), &o)
                o.write(",\"files\":[")
                o.flush()
            }
            return withUnsafeMutablePointer(to: &walk) { w -> Int32 in
                var explain = Explain(context: UnsafeMutableRawPointer(w), judging: { context, fd, name, count, role, subject in
                    let w = context!.assumingMemoryBound(to: Walk.self)
                    Check.judging(w, fd, Bytes(name, count: count), role, subject?.assumingMemoryBound(to: Subject.self))
                }, line: { context, line, count in
                    Check.decided(context!.assumingMemoryBound(to: Walk.self), Bytes(line, count: count))
                })
                explain.readBuffer = ReadBuffer.shared
                var report = Report.direct
                report.explain = explain
                var argv = InlineArray<2, UnsafeMutablePointer<CChar>?>(repeating: nil)
                argv[0] = UnsafeMutablePointer(mutating: path)
                return withUnsafeBytes(of: &argv) { a -> Int32 in
                    let launch = Launch(argv: a.baseAddress!.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self), envp: nil,
                                        report: report, shellFallback: false)
                    let e = Gate.run(.path(AT_FDCWD, path, false), p.pointee, launch)
                    var refusal = InlineArray<512, UInt8>(repeating: 0)
                    return withUnsafeMutableBytes(of: &refusal) { rb -> Int32 in
                        var m = Message(rb)
                        var verdict: StaticString = "allow"
                        let r: Int32
                        if e == 0 {
                            r = 0
                        } else if w.pointee.denied {
                            verdict = "deny"
                            r = 1
                        } else if w.pointee.judged == 0 {
                            verdict = "error"
                            m.append("cannot be opened: ")
                            m.append(Bytes(cString: strerror(e)))
                            r = 2
                        } else {
                            verdict = e == EACCES ? "refused" : "fails"
                            kernelRefusal(path, e, &m)
                            r = 1
                        }
                        let why = m.bytes
                        var o = Output.out
                        defer { o.flush() }
                        if json {
                            if w.pointee.judged > 0 { o.write("}") }
                            o.write("],\"verdict\":\""); o.write(Bytes(verdict)); o.write("\"")
                            if !why.isEmpty { o.write(",\"message\":"); writeJSON(why, &o) }
                            o.write("}\n")
                        } else if r == 0 {
                            o.write("=> allow\n")
                        } else if r == 2 {
                            o.writeEscaped(Bytes(cString: path)); o.write(": "); o.write(why); o.write("\n")
                        } else if !w.pointee.denied {
                            indent(w.pointee.depth, &o)
                            o.write(e == EACCES ? "=> the kernel would refuse it: " : "=> the launch would fail: ")
                            o.write(why)
                            o.write("\n")
                        }
                        return r
                    }
                }
            }
        }
    }

    /// Why the kernel would not execute a file the walk opened: what the
    /// file itself shows first (type, execute permission), then the rest.
    static func kernelRefusal(_ path: UnsafePointer<CChar>, _ e: Int32, _ m: inout Message) {
        var st = stat()
        if e == EACCES && lwcr_fstatat(AT_FDCWD, path, &st, 0) == 0 {
            if st.st_mode & Mode.typeMask != Mode.regular {
                m.append(st.st_mode & Mode.typeMask == Mode.directory ? "not a regular file (a directory)" : "not a regular file")
                return
            }
            if lwcr_faccessat(AT_FDCWD, path, X_OK) != 0 {
                m.append("not executable (no execute permission for this user)")
                return
            }
        }
        m.append(Bytes(cString: strerror(e)))
        if e == EACCES { m.append(" (on a noexec mount, or refused by Landlock)") }
    }

    /// A decision line of the walk: the very line a launch logs.
    static func decided(_ w: UnsafeMutablePointer<Walk>, _ line: Bytes) {
        var o = Output.out
        if line.hasPrefix("lwcr: deny ") { w.pointee.denied = true }
        if w.pointee.json {
            o.write(",\"decision\":")
            writeJSON(line.count > 0 && line[line.count - 1] == 10 ? line.slice(0, line.count - 1) : line, escaped: true, &o)
            o.flush()
            return
        }
        indent(w.pointee.depth, &o)
        o.write("=> ")
        o.write(line)
        o.flush()
    }

    /// One file of the walk: its name, then why each layer decides as it does.
    static func judging(_ w: UnsafeMutablePointer<Walk>, _ fd: Int32, _ name: Bytes, _ role: Int32,
                        _ decided: UnsafeMutablePointer<Subject>?) {
        var o = Output.out
        defer { o.flush() }
        if role != Explain.target { w.pointee.depth += 1 }
        if w.pointee.json {
            if w.pointee.judged > 0 { o.write("},") }
            w.pointee.judged += 1
            o.write("{\"role\":\"")
            if role == Explain.interpreter { o.write("interpreter") }
            else if role == Explain.loaderProgram { o.write("loader program") }
            else if role == Explain.elfInterpreter { o.write("ELF interpreter") }
            else if role == Explain.library { o.write("library") }
            else { o.write("target") }
            o.write("\",\"name\":")
            writeJSON(name, &o)
            return
        }
        w.pointee.judged += 1
        indent(w.pointee.depth, &o)
        if role == Explain.interpreter { o.write("interpreter ") }
        if role == Explain.loaderProgram { o.write("program of the dynamic loader ") }
        if role == Explain.elfInterpreter { o.write("ELF interpreter ") }
        if role == Explain.library { o.write("library named by the launch ") }
        if role == Explain.target {
            o.writeEscaped(Bytes(cString: w.pointee.requested))
            if !name.equals(Bytes(cString: w.pointee.requested)) { o.write(" -> "); o.writeEscaped(name) }
        } else {
            o.writeEscaped(name)
        }
        o.write("\n")
        if let decided {
            explain(w.pointee.policy.pointee, &decided.pointee, w.pointee.depth, &o)
            return
        }
        if fd < 0 { return }
        var st = stat()
        _ = lwcr_fstat(fd, &st)
        var subject = Subject(fd: fd, path: name, status: st)
        subject.readBuffer = ReadBuffer.shared
        explain(w.pointee.policy.pointee, &subject, w.pointee.depth, &o)
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
