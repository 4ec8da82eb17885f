import CInterpose

/// `lwcr lint [DIR]...`: every problem of every policy file, as
/// FILE:LINE: message, and rules that can never decide.
enum Lint {
    static func run(_ args: inout Arguments) -> Int32 {
        var strict = false
        var given = Options()
        var dirs = 0
        var problems = 0
        var operands = false
        while let w = args.peek() {
            if !operands && w.equals("--") { _ = args.next(); operands = true; continue }
            if !operands && w.equals("--json") { _ = args.next(); Findings.json = true; continue }
            if !operands && w.equals("--strict") { _ = args.next(); strict = true; continue }
            if !operands, let taken = given.takePolicy(&args, command: "lint") {
                if !taken { return 2 }
                continue
            }
            _ = args.next()
            if !operands && w.count > 1 && w[0] == UInt8(ascii: "-") {
                complain(text("lint: unknown option '"), w, text("' (see lwcr lint --help)"))
                return 2
            }
            dirs += 1
            problems += lint(args.previous)
        }
        var i = 0
        while i < given.policyCount {
            dirs += 1
            problems += withPath(given.policies[i]) { lint($0) }
            i += 1
        }
        if dirs == 0 {
            // The layers a launch would use, and the machine's log settings.
            let system = PolicyLoader.systemDirectory
            var st = stat()
            if lwcr_fstatat(AT_FDCWD, lwcr_system_policy_directory(), &st, 0) == 0 {
                dirs += 1
                problems += lint(lwcr_system_policy_directory())
            }
            var st2 = stat()
            if lwcr_fstatat(AT_FDCWD, lwcr_config_file(), &st2, AT_SYMLINK_NOFOLLOW) == 0 { dirs += 1 }
            problems += lintSettings()
            let layers = Bytes(cString: lwcr_state_layers())
            layers.forEachPart(separatedBy: UInt8(ascii: ":")) { dir in
                dirs += 1
                problems += withPath(dir) { lint($0) }
                return true
            }
            if dirs == 0 {
                complain(text("lint: no policy directory given, "), system, text(" does not exist and LWCR_POLICY is unset"))
                return 2
            }
        }
        if problems > 0 { return 1 }
        return strict && Findings.warnings > 0 ? 1 : 0
    }

    /// SYSCONFDIR/lwcr/lwcr.conf: each line a launch would leave out, or
    /// why the whole file is not used. Errors counted.
    static func lintSettings() -> Int {
        var buffer = InlineArray<4096, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &buffer) { b -> Int in
            var refusal = LogSettings.Refusal.none
            let text = LogSettings.readSystemFile(into: b, &refusal)
            let file = Bytes(cString: lwcr_config_file())
            let why: StaticString
            switch refusal {
            case .none: why = ""
            case .absent: return 0
            case .notRegular: why = "not a regular file: not used"
            case .notRoots: why = "not owned by root: not used"
            case .writableByOthers: why = "writable by group or others: not used"
            case .directoryNotRoots: why = "a directory above it is not root's alone: not used"
            case .unreadable: why = "cannot be read: not used"
            case .tooLarge: why = "larger than 4 KiB: not used"
            }
            if refusal != .none {
                Findings.report(.error, dir: .empty, file: file, line: 0) { $0.append(why) }
                return 1
            }
            var errors = 0
            var target = Bytes.empty
            var format = LogSettings.Format.text
            LogSettings.parse(text, target: &target, format: &format) { p in
                errors += 1
                Findings.report(.error, dir: .empty, file: file, line: p.line) { $0.appendErrorText(p.message, code: 0, detail: p.detail) }
            }
            return errors
        }
    }

    /// Lints one directory; returns the number of errors.
    static func lint(_ given: UnsafePointer<CChar>) -> Int {
        withAbsolute(given) { lint(absolute: $0) }
    }

    /// `given` made absolute, as a launch names its layers: the ownership
    /// checks walk every directory above the layer.
    static func withAbsolute(_ given: UnsafePointer<CChar>, _ body: (UnsafePointer<CChar>) -> Int) -> Int {
        var absolute = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &absolute) { a -> Int in
            let dir = a.baseAddress!.assumingMemoryBound(to: CChar.self)
            copy(Bytes(cString: given), into: dir, a.count)
            if dir[0] != CChar(UInt8(ascii: "/")) && !absolutize(dir, a.count) { copy(Bytes(cString: given), into: dir, a.count) }
            return body(dir)
        }
    }

    /// `compiling`: for `lwcr compile`, which builds what a launch would
    /// read itself, and must be able to replace a damaged snapshot.
    static func lint(absolute dir: UnsafePointer<CChar>, compiling: Bool = false) -> Int {
        let dirBytes = Bytes(cString: dir)
        var o = Output.out
        defer { o.flush() }
        // As much room as a compile has: what a launch may parse is
        // checked below, by a launch's own load.
        let size = SnapshotWriter.capacity
        guard let base = lwcr_mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) else {
            complain(text("cannot map memory"))
            return 1
        }
        defer { _ = lwcr_munmap(base, size) }
        var arena = Arena(base: base, capacity: size)
        // The same ownership checks as a launch, first: a layer others
        // could write is refused whatever it says.
        let owner = PolicyLoader.owner(of: dirBytes)
        let fd: Int32
        do throws(PolicyError) {
            fd = try PolicyLoader.openLayer(dirBytes, owner: owner)
        } catch {
            report(dirBytes, error, &o)
            return 1
        }
        defer { _ = lwcr_close(fd) }
        let trust = Trust(directory: dirBytes, owner: owner)
        // Root's umask 077 makes files no one else can read: then every
        // launch by another user is denied (the layer cannot be read).
        let othersLaunch = owner == 0 && lwcr_geteuid() == 0
        if othersLaunch { warnUnreadable(dirBytes, fd, name: .empty, directory: true, &o) }
        var errors = 0
        guard let names = arena.allocate(Bytes.self, count: PolicyLoader.maxFilesPerLayer) else { return tooLarge(dirBytes, &o) }
        let count: Int
        do throws(PolicyError) {
            count = try PolicyLoader.listPolicyFiles(fd, dirBytes, names, &arena)
        } catch {
            report(dirBytes, error, &o)
            return 1
        }
        PolicyLoader.sortNames(names, count)
        if count == 0 { Findings.report(.warning, dir: dirBytes, file: .empty, line: 0) { $0.append("no *.policy files") } }
        noteIgnored(dirBytes, fd)
        var users = UserDatabase(file: "/etc/passwd")
        var groups = UserDatabase(file: "/etc/group")
        guard let contents = arena.allocate(Bytes.self, count: count) else { return tooLarge(dirBytes, &o) }
        var f = 0
        while f < count {
            if othersLaunch { warnUnreadable(dirBytes, fd, name: names[f], directory: false, &o) }
            do throws(PolicyError) {
                contents[f] = try PolicyLoader.readFile(fd, names[f], &arena, trust)
            } catch {
                report(dirBytes, error, &o)
                errors += 1
                contents[f] = .empty
            }
            f += 1
        }
        // The loader's own layer builder, reporting every problem.
        guard var builder = LayerBuilder.start(dirBytes, texts: contents, count: count, &arena) else { return errors + tooLarge(dirBytes, &o) }
        f = 0
        while f < count {
            builder.add(contents[f], file: names[f],
                        names: { name, kind in kind == .user ? users.uid(of: name, &arena) : groups.uid(of: name, &arena) }) { e in
                report(dirBytes, e, &o)
                errors += 1
            }
            f += 1
        }
        // Signers: every signed-by= names one; warn about those never used.
        var source: SHA256Digest? = nil
        do throws(PolicyError) {
            let finished = try builder.finish(fd, trust, &arena)
            source = PolicyLoader.sourceDigest(names, contents, count, finished)
        } catch {
            report(dirBytes, error, &o)
            errors += 1
        }
        let layer = builder.layer
        let rules = builder.parser.rules
        let ruleCount = builder.parser.ruleCount
        var s = 0
        while s < layer.signerCount {
            let signer = layer.signers![s]
            var used = false
            var r = 0
            while r < ruleCount && !used {
                var f = 0
                while f < Int(rules[r].factCount) {
                    let fact = rules[r].facts![f]
                    if fact.kind == .signedBy && fact.value.equals(signer.name) { used = true }
                    f += 1
                }
                r += 1
            }
            if !used && !signer.name.isEmpty {
                Findings.report(.warning, dir: dirBytes, file: signer.location.file, line: signer.location.line) {
                    $0.append("signer '"); $0.appendEscaped(signer.name); $0.append("' is never used by a signed-by= fact")
                }
            }
            s += 1
        }
        // A rule is unreachable when a later rule of the layer matches
        // every path it can match; only rules fixed to its directory or one
        // above it can (RuleIndex), so not every pair is tried.
        // A literal pattern is covered only by an equal one or a wildcard
        // one, so literals (a directory of pins) are paired through a table
        // of whole patterns, and only wildcard patterns through the index.
        let n = ruleCount
        var wildCount = 0
        var r = 0
        while r < n { if !Pattern.isLiteral(rules[r].pattern) { wildCount += 1 }; r += 1 }
        var tableSize = 16
        while tableSize < 2 * n { tableSize <<= 1 }
        guard let wild = arena.allocate(Rule.self, count: wildCount), let original = arena.allocate(Int.self, count: wildCount),
              let equalLater = arena.allocate(Int.self, count: n), let table = arena.allocate(Int.self, count: tableSize) else {
            return errors + tooLarge(dirBytes, &o)
        }
        table.initialize(repeating: -1, count: tableSize)
        wildCount = 0
        r = 0
        while r < n {
            if !Pattern.isLiteral(rules[r].pattern) { wild[wildCount] = rules[r]; original[wildCount] = r; wildCount += 1 }
            r += 1
        }
        // From the last rule back: the table holds the nearest later rule
        // with each pattern.
        r = n
        while r > 0 {
            r -= 1
            var slot = Int(RuleIndex.hash(rules[r].pattern)) & (tableSize - 1)
            equalLater[r] = -1
            while table[slot] >= 0 && !rules[table[slot]].pattern.equals(rules[r].pattern) { slot = (slot + 1) & (tableSize - 1) }
            if table[slot] >= 0 && Pattern.isLiteral(rules[r].pattern) { equalLater[r] = table[slot] }
            table[slot] = r
        }
        guard let index = RuleIndex.build(wild, wildCount, &arena) else { return errors + tooLarge(dirBytes, &o) }
        var i = 0
        var w = 0
        while i < n {
            var first = equalLater[i] >= 0 && (!rules[equalLater[i]].audit || rules[i].audit) ? equalLater[i] : -1
            // The wildcard rules after rule i: those from wild[w] on.
            while w < wildCount && original[w] <= i { w += 1 }
            if w < wildCount {
                index.forEachLaterRule(above: w - 1, wild, pattern: rules[i].pattern) { k in
                    let j = original[k]
                    // An audit file's rule hides nothing from the enforced rules.
                    if (first < 0 || j < first) && (!rules[j].audit || rules[i].audit) && Pattern.covers(rules[j].pattern, rules[i].pattern) { first = j }
                }
            }
            if first >= 0 {
                let decider = rules[first].location
                Findings.report(.warning, dir: dirBytes, file: rules[i].location.file, line: rules[i].location.line) {
                    $0.append("no launch can reach this rule: "); $0.appendEscaped(decider.file); $0.append(":")
                    $0.append(Int(decider.line)); $0.append(" decides every path it matches")
                }
            }
            if rules[i].pattern.firstIndex(of: 0) != nil {
                Findings.report(.warning, dir: dirBytes, file: rules[i].location.file, line: rules[i].location.line) {
                    $0.append("a quoted or escaped '*' or '?' is literal: this rule matches only names holding that character")
                }
            }
            i += 1
        }
        if errors == 0 && layer.defaultEnforced && layer.defaultVerdict == .deny { warnLoader(dirBytes, layer, &o) }
        // What a launch would make of the layer: whatever lint's own checks
        // missed (a policy too large for the library's memory) is said too.
        if errors == 0 && !compiling {
            guard let second = lwcr_mmap(LoadedPolicy.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) else {
                complain(text("cannot map memory"))
                return 1
            }
            defer { _ = lwcr_munmap(second, LoadedPolicy.size) }
            var launchArena = Arena(base: second, capacity: LoadedPolicy.size)
            let loaded = PolicyLoader.load(layers: dirBytes, system: .empty, into: &launchArena)
            if let e = loaded.error {
                report(dirBytes, e, &o)
                errors += 1
            } else if loaded.layerCount == 1, let c = loaded.layers![0].compiled {
                if let compiled = loaded.layers![0].source, let text = source, compiled == text {} else { warnUncompiled(dirBytes, c, &o) }
            } else if loaded.layerCount == 1, SnapshotHeader.of(directory: dirBytes)?.otherVersion == true {
                Findings.report(.warning, dir: dirBytes, file: Bytes(Snapshot.fileName), line: 0) {
                    $0.append("written by another version of lwcr: launches read the text until 'lwcr compile "); $0.appendEscaped(dirBytes)
                    $0.append("'")
                }
            }
            PolicyLoader.releaseSnapshots(loaded)
        }
        return errors
    }

    /// The text says something the compiled snapshot, which launches obey, does not.
    static func warnUncompiled(_ dir: Bytes, _ c: Compiled, _ o: inout Output) {
        Findings.report(.warning, dir: dir, file: .empty, line: 0) {
            $0.append("changes not yet compiled: launches follow "); $0.appendEscaped(dir)
            $0.append("/"); $0.append(Bytes(Snapshot.fileName)); $0.append(" (generation "); $0.append(Int(c.generation))
            $0.append(") until 'lwcr compile "); $0.appendEscaped(dir); $0.append("'")
        }
    }

    /// Names the entries a launch does not read: a `10.conf` or a
    /// `x.policy~` left by an editor says nothing, which may surprise.
    static func noteIgnored(_ dir: Bytes, _ fd: Int32) {
        let copy = lwcr_openat(fd, cString("."), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
        if copy < 0 { return }
        defer { _ = lwcr_close(copy) }
        _ = DirectoryEntries.forEach(copy) { name, _ in
            if name[0] != UInt8(ascii: ".") && !PolicyLoader.isPolicyFileName(name) {
                Findings.report(.note, dir: dir, file: name, line: 0) { $0.append("ignored: only *.policy files are read") }
            }
            return true
        }
    }

    static func tooLarge(_ dir: Bytes, _ o: inout Output) -> Int {
        report(dir, PolicyError(Location(file: dir, line: 0), "policy too large to lint (more than 1 GiB in memory)"), &o)
        return 1
    }


    static func report(_ dir: Bytes, _ e: PolicyError, _ o: inout Output) {
        o.flush()
        Findings.error(dir, e)
    }

    /// Warns when a file (or the directory) of a root-owned layer cannot be
    /// read by other users, whose every launch it would then deny.
    /// Every launch of a dynamic program judges its ELF interpreter as a
    /// launch: a layer that denies by default and does not allow the
    /// system's (this command's own PT_INTERP) refuses them all.
    static func warnLoader(_ dir: Bytes, _ layer: Layer, _ o: inout Output) {
        let exe = lwcr_open(cString("/proc/self/exe"), O_RDONLY | O_CLOEXEC)
        if exe < 0 { return }
        defer { _ = lwcr_close(exe) }
        var text = InlineArray<4097, UInt8>(repeating: 0)
        var name = InlineArray<4097, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &text) { t in
            guard case .path = ElfInterpreter.read(exe, into: t) else { return }
            withUnsafeMutableBytes(of: &name) { n in
                var count = 0
                guard case .file(let fd) = PathWalk.open(AT_FDCWD, t.baseAddress!.assumingMemoryBound(to: CChar.self), flags: O_RDONLY | O_CLOEXEC,
                                                         noFollow: false, into: n, &count) else { return }
                defer { _ = lwcr_close(fd) }
                var st = stat()
                _ = lwcr_fstat(fd, &st)
                let loader = Bytes(UnsafeRawBufferPointer(rebasing: n[0..<count]))
                var subject = Subject(fd: fd, path: loader, status: st)
                var only = layer
                let allowed = withUnsafeMutablePointer(to: &only) { l -> Bool in
                    var policy = Policy()
                    policy.layers = l
                    policy.layerCount = 1
                    return Decider.decide(policy, &subject).allowed
                }
                if allowed { return }
                Findings.report(.warning, dir: dir, file: .empty, line: 0) {
                    $0.append("the dynamic loader "); $0.appendEscaped(loader)
                    $0.append(" is not allowed, so every dynamically linked program is refused (its ELF interpreter is judged as a launch): add 'allow ")
                    $0.appendEscaped(loader); $0.append("'")
                }
            }
        }
    }

    static func warnUnreadable(_ dir: Bytes, _ dirfd: Int32, name: Bytes, directory: Bool, _ o: inout Output) {
        var st = stat()
        let r = directory ? lwcr_fstat(dirfd, &st) : withPath(name) { lwcr_fstatat(dirfd, $0, &st, AT_SYMLINK_NOFOLLOW) }
        if r != 0 { return }
        let needed: UInt32 = directory ? 0o005 : 0o004
        if st.st_mode & needed == needed { return }
        Findings.report(.warning, dir: dir, file: directory ? .empty : name, line: 0) {
            $0.append("other users cannot read this ")
            $0.append(directory ? "directory" : "file")
            $0.append(": every launch by other users will be denied (chmod o+r")
            $0.append(directory ? "x" : "")
            $0.append(")")
        }
    }
}
