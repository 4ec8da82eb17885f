import CInterpose

/// `lwcr learn -o DIR [--policy DIR]... -- PROGRAM [ARG]...`: runs PROGRAM
/// with every launch of its whole tree recorded (LWCR_LEARN: the given
/// layers only audit; the system layer is still enforced), then writes
/// DIR/50-learned.policy: `default deny` and one rule per file launched,
/// its facts chosen as Choice says. `lwcr run --policy DIR -- PROGRAM`
/// then runs the same workload, and a launch it never made is refused.
enum Learn {
    static let fileName: StaticString = "50-learned.policy"

    static func run(_ args: inout Arguments) -> Int32 {
        var options = Options()
        var output: Bytes? = nil
        while let w = args.peek() {
            if w.equals("--") { _ = args.next(); break }
            if let value = Options.value(&args, long: "--output", short: "-o") {
                guard let dir = value, !dir.isEmpty else { complain(text("learn: -o needs a directory")); return 2 }
                output = dir
            } else if let taken = options.takePolicy(&args, command: "learn") {
                if !taken { return 2 }
            } else if w.count > 1 && w[0] == UInt8(ascii: "-") {
                complain(text("learn: unknown option '"), w, text("' (see lwcr learn --help)"))
                return 2
            } else {
                break
            }
        }
        guard let output else {
            complain(text("learn: where should the policy go? usage: lwcr learn -o DIR [--policy DIR]... -- PROGRAM [ARG]..."))
            return 2
        }
        guard args.peek() != nil else {
            complain(text("learn: which program? usage: lwcr learn -o DIR [--policy DIR]... -- PROGRAM [ARG]..."))
            return 2
        }
        var outDir = [UInt8](output)
        if outDir.first != UInt8(ascii: "/") {
            var buffer = InlineArray<4097, UInt8>(repeating: 0)
            let ok = withUnsafeMutableBytes(of: &buffer) { b -> Bool in
                let p = b.baseAddress!.assumingMemoryBound(to: CChar.self)
                copy(output, into: p, b.count)
                if !absolutize(p, b.count) { return false }
                outDir = [UInt8](Bytes(cString: p))
                return true
            }
            if !ok { complain(text("learn: -o "), output, text(": cannot be made absolute")); return 2 }
        }
        // Made in, and opened through, directories reached by no symlink:
        // root learning into a directory a user named must not write where
        // a link that user planted leads.
        var slash = outDir.count
        while slash > 1 && outDir[slash - 1] == UInt8(ascii: "/") { slash -= 1 }
        while slash > 0 && outDir[slash - 1] != UInt8(ascii: "/") { slash -= 1 }
        let parentName: [UInt8] = slash <= 1 ? [UInt8(ascii: "/")] : Array(outDir[0..<(slash - 1)])
        let leaf = Array(outDir[slash...])
        let parent = parentName.withCString { NoLinks.open(AT_FDCWD, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if parent < 0 { complain(text("learn: -o "), output, text(": "), NoLinks.describe(-parent)); return 2 }
        let made = leaf.isEmpty ? 0 : leaf.withCString { lwcr_mkdirat(parent, $0, 0o755) }
        let dirfd = leaf.isEmpty ? NoLinks.open(parent, cString("."), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : leaf.withCString { NoLinks.open(parent, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        _ = lwcr_close(parent)
        if dirfd < 0 {
            complain(text("learn: -o "), output, text(": "), made != 0 && made != -EEXIST ? Bytes(cString: strerror(-made)) : NoLinks.describe(-dirfd))
            return 2
        }
        defer { _ = lwcr_close(dirfd) }
        var st = stat()
        if lwcr_fstatat(dirfd, cString(fileName), &st, AT_SYMLINK_NOFOLLOW) == 0 {
            complain(text("learn: "), output, text("/"), Bytes(fileName), text(" exists: remove it, or learn into another directory"))
            return 2
        }
        // The scratch layer (so that there is a policy to judge by even on
        // a machine with none) and the record, in a directory of our own.
        var template = [UInt8](Bytes("/tmp/lwcr-learn.XXXXXX"))
        template.append(0)
        let scratchMade = template.withUnsafeMutableBufferPointer { p in
            mkdtemp(UnsafeMutableRawPointer(p.baseAddress!).assumingMemoryBound(to: CChar.self)) != nil
        }
        if !scratchMade { complain(text("learn: cannot make a directory in /tmp: "), Bytes(cString: strerror(lwcr_get_errno()))); return 2 }
        template.removeLast()
        let scratch = template
        var layer = scratch; layer.append(contentsOf: [UInt8](Bytes("/layer")))
        var layerFile = layer; layerFile.append(contentsOf: [UInt8](Bytes("/00-learning.policy")))
        var record = scratch; record.append(contentsOf: [UInt8](Bytes("/record")))
        defer {
            _ = layerFile.withCString { lwcr_unlinkat(AT_FDCWD, $0) }
            _ = record.withCString { lwcr_unlinkat(AT_FDCWD, $0) }
            _ = layer.withCString { lwcr_rmdir($0) }
            _ = scratch.withCString { lwcr_rmdir($0) }
        }
        _ = layer.withCString { lwcr_mkdirat(AT_FDCWD, $0, 0o755) }
        let lf = layerFile.withCString { lwcr_openat(AT_FDCWD, $0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        if lf < 0 { complain(text("learn: cannot write the scratch layer: "), Bytes(cString: strerror(-lf))); return 2 }
        var lo = Output(fd: lf)
        lo.write("# lwcr learn: every launch is allowed by this layer, and recorded\n")
        lo.flush()
        _ = lwcr_close(lf)
        if options.policyCount == 32 { complain(text("learn: at most 31 --policy layers")); return 2 }
        // Options holds Bytes: the layer's name must outlive the launch.
        var layerStorage = layer
        layerStorage.append(0)
        return layerStorage.withUnsafeBufferPointer { lp -> Int32 in
            options.policies[options.policyCount] = Bytes(lp.baseAddress!, count: lp.count - 1)
            options.policyCount += 1
            // This process judges PROGRAM itself: its state, then the
            // environment every process of the tree reads at its start.
            record.withBytes { copy($0, into: lwcr_state_log()!, lwcr_state_capacity()) }
            lwcr_state_log_format()!.pointee = LogSettings.Format.json.rawValue
            lwcr_state_learning()!.pointee = 1
            _ = setenv("LWCR_LEARN", "1", 1)
            _ = setenv("LWCR_LOG_FORMAT", "json", 1)
            _ = record.withCString { setenv("LWCR_LOG", $0, 1) }
            let program = args.rest
            let status = Launcher.launch(options, &args, command: "learn", replace: false)
            guard let log = record.withCString({ WholeFile.read($0, "learn", regularOnly: true) }) else { return 2 }
            var seen = Seen()
            seen.read(log)
            if seen.entries.isEmpty {
                complain(text("learn: nothing was recorded; nothing written"))
                return status == 0 ? 1 : status
            }
            return write(seen, program, dirfd, outDir, status: status)
        }
    }

    /// DIR/50-learned.policy, and what was left out, on standard error.
    static func write(_ seen: Seen, _ program: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, _ dirfd: Int32,
                      _ dir: [UInt8], status: Int32) -> Int32 {
        let fd = lwcr_openat(dirfd, cString(fileName), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if fd < 0 {
            dir.withBytes { complain(text("learn: "), $0, text("/"), Bytes(fileName), text(": "), Bytes(cString: strerror(-fd))) }
            return 2
        }
        var o = Output(fd: fd)
        o.write("# Learned by lwcr learn from the launches of:")
        var i = 0
        while let a = program[i] {
            o.write(" ")
            o.writePolicyWord(Bytes(cString: a))
            i += 1
        }
        o.write("\n# Facts are chosen from each file as it is on this machine:\n")
        o.write(Bytes(Choice.legend))
        o.write("# A launch the workload did not make is denied:\ndefault deny\n")
        let groups = seen.decided()
        var rules = 0
        var left: [(Seen.Group, Choice.Made)] = []
        for (g, made) in groups {
            if made.kind == .trusted || made.kind == .pinned { rules += 1 } else { left.append((g, made)) }
            Choice.emit(g, made, &o)
        }
        o.flush()
        let synced = lwcr_fsync(fd)
        _ = lwcr_close(fd)
        var e = Output.err
        e.write("lwcr: learn: ")
        e.write(seen.lines); e.write(seen.lines == 1 ? " launch of " : " launches of "); e.write(groups.count)
        e.write(groups.count == 1 ? " file; wrote " : " files; wrote "); dir.withBytes { e.writeEscaped($0) }
        e.write("/"); e.write(Bytes(fileName)); e.write(" ("); e.write(rules); e.write(rules == 1 ? " rule)\n" : " rules)\n")
        for (g, made) in left {
            e.write("lwcr: learn: no rule for "); g.path.withBytes { e.writeEscaped($0) }
            if made.kind == .worldWritable {
                e.write(": "); made.at.withBytes { e.writeEscaped($0) }; e.write(" is world-writable (anyone could put another file there)")
            } else if made.kind == .absent {
                e.write(": it is gone")
            } else {
                e.write(": it cannot be read")
            }
            e.write("; its launch will be denied\n")
        }
        if status != 0 {
            e.write("lwcr: learn: note: the program exited with status "); e.write(Int(status))
            e.write("; the policy covers what it launched until then\n")
        }
        e.write("lwcr: learn: enforce it with: lwcr run --policy "); dir.withBytes { e.writeEscaped($0) }; e.write(" -- ")
        e.writeEscaped(Bytes(cString: program[0]!)); e.write(" ...\n")
        e.flush()
        return synced == 0 ? 0 : 2
    }
}
