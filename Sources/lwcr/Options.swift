import CInterpose

/// The options run, exec and check share, and the policy they name.
struct Options {
    var policies = InlineArray<32, Bytes>(repeating: .empty)
    var policyCount = 0
    var landlock = false
    var landlockOptional = false
    var json = false
    /// `check --system DIR`: a candidate system directory judged in place of the installed one.
    var system: Bytes? = nil

    /// Reads options up to the first operand (or `--`). Nil after a usage
    /// error, which it has reported. `check`: also --system DIR and --json.
    static func parse(_ args: inout Arguments, command: StaticString, landlock: Bool, check: Bool = false) -> Options? {
        var o = Options()
        while let w = args.peek() {
            if w.equals("--") { _ = args.next(); break }
            if let taken = o.takePolicy(&args, command: command) {
                if !taken { return nil }
            } else if landlock && w.equals("--landlock") {
                _ = args.next()
                o.landlock = true
            } else if landlock && w.equals("--landlock-if-available") {
                _ = args.next()
                o.landlock = true
                o.landlockOptional = true
            } else if check && w.equals("--json") {
                _ = args.next()
                o.json = true
            } else if check, let value = Options.value(&args, long: "--system", short: nil) {
                guard let dir = value, !dir.isEmpty else {
                    complain(text(command), text(": --system needs a directory"))
                    return nil
                }
                o.system = dir
            } else if w.count > 1 && w[0] == UInt8(ascii: "-") {
                complain(text(command), text(": unknown option '"), w, text("' (see lwcr "), text(command), text(" --help)"))
                return nil
            } else {
                break
            }
        }
        return o
    }

    /// `--policy DIR`, `--policy=DIR` or `-p DIR` at the next word: nil when
    /// it is none of them, false after a usage error (reported).
    mutating func takePolicy(_ args: inout Arguments, command: StaticString) -> Bool? {
        guard let value = Options.value(&args, long: "--policy", short: "-p") else { return nil }
        guard let dir = value, !dir.isEmpty else {
            complain(text(command), text(": --policy needs a directory"))
            return false
        }
        if policyCount == 32 { complain(text(command), text(": at most 32 --policy layers")); return false }
        policies[policyCount] = dir
        policyCount += 1
        return true
    }

    /// The value of an option given as `--long VALUE`, `--long=VALUE` or
    /// `-s VALUE`, taken from the command line: nil when the next word is
    /// not that option, .some(nil) when its value is missing.
    static func value(_ args: inout Arguments, long: StaticString, short: StaticString?) -> Bytes?? {
        guard let w = args.peek() else { return nil }
        let name = Bytes(long)
        if w.equals(name) || (short != nil && w.equals(Bytes(short!))) {
            _ = args.next()
            return .some(args.next())
        }
        if w.hasPrefix(name) && w.count > name.count && w[name.count] == UInt8(ascii: "=") {
            _ = args.next()
            return .some(w.slice(name.count + 1, w.count))
        }
        return nil
    }

    /// Makes the given layers (then those already in force) the layers of
    /// this process and of everything it launches.
    func install() -> Bool {
        if policyCount == 0 { return true }
        var joined = InlineArray<8192, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &joined) { j -> Bool in
            var m = Message(UnsafeMutableRawBufferPointer(rebasing: j[0..<(j.count - 1)]))
            var i = 0
            while i < policyCount {
                if i > 0 { m.append(":") }
                m.append(policies[i])
                i += 1
            }
            let inForce = Bytes(cString: lwcr_state_layers())
            if !inForce.isEmpty { m.append(":"); m.append(inForce) }
            if m.count >= j.count - 2 { return false }
            let capacity = lwcr_state_capacity()
            // What the environment says is now part of our layers: a child's
            // LWCR_POLICY equal to it is replaced, not appended.
            if let given = getenv("LWCR_POLICY") { copy(Bytes(cString: given), into: lwcr_state_layers_given()!, capacity) }
            return copyLayers(m.bytes, into: lwcr_state_layers()!, capacity)
        }
    }
}

/// The policy in force for this command: system directory and layers.
struct LoadedPolicy {
    let base: UnsafeMutableRawPointer
    var policy: Policy

    static let size = 64 << 20

    /// Loads the layers in force (after `Options.install`), with `system`
    /// in place of the system directory when given.
    static func load(system: Bytes? = nil) -> LoadedPolicy? {
        guard let base = lwcr_mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) else {
            complain(text("cannot map memory for the policy"))
            return nil
        }
        var arena = Arena(base: base, capacity: size)
        let policy = PolicyLoader.load(layers: Bytes(cString: lwcr_state_layers()), system: system ?? PolicyLoader.systemDirectory, into: &arena)
        return LoadedPolicy(base: base, policy: policy)
    }

    /// Says on standard error which compiled layers' text has changed
    /// since they were compiled: launches follow the snapshot, not the text.
    func noteUncompiled() {
        var i = 0
        while i < policy.layerCount {
            let layer = policy.layers.unsafelyUnwrapped[i]
            i += 1
            if layer.compiled == nil, SnapshotHeader.of(directory: layer.directory)?.otherVersion == true {
                var e = Output.err
                e.write("lwcr: note: "); e.writeEscaped(layer.directory)
                e.write("/.lwcr-snapshot was written by another version of lwcr: launches read the text until 'lwcr compile ")
                e.writeEscaped(layer.directory); e.write("'\n")
                e.flush()
            }
            guard let c = layer.compiled, Self.textState(of: layer) != .same else { continue }
            var e = Output.err
            e.write("lwcr: note: "); e.writeEscaped(layer.directory)
            e.write(" has changes not yet compiled (or that do not compile): launches follow its snapshot (generation ")
            e.write(Int(c.generation)); e.write(") until 'lwcr compile "); e.writeEscaped(layer.directory); e.write("'\n")
            e.flush()
        }
    }

    enum TextState { case same, differs, fails }

    /// Whether the text of a compiled layer says what its snapshot says.
    static func textState(of layer: Layer) -> TextState {
        // As much room as the compile had: a compiled text may be far
        // larger than a launch could parse.
        let size = SnapshotWriter.capacity
        guard let base = lwcr_mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) else { return .fails }
        defer { _ = lwcr_munmap(base, size) }
        var arena = Arena(base: base, capacity: size)
        var users = UserDatabase(file: "/etc/passwd")
        var groups = UserDatabase(file: "/etc/group")
        let text = try? PolicyLoader.loadLayer(layer.directory, owner: PolicyLoader.owner(of: layer.directory), &arena,
                                               &users, &groups, compiled: false)
        guard let a = text?.source else { return .fails }
        if let b = layer.source, a == b { return .same }
        return .differs
    }

    /// Reports a policy error as FILE:LINE: message; true when there was one.
    func reportError() -> Bool {
        guard let e = policy.error else { return false }
        var o = Output.err
        o.write("lwcr: policy error: ")
        o.writePolicyError(e, in: .empty)
        o.write("\n")
        o.flush()
        return true
    }
}
