import CInterpose

/// `lwcr compile [DIR]...`: lints each layer and, when it has no error,
/// publishes its compiled snapshot (Snapshot.swift), which every process
/// then maps instead of parsing the text, and which running processes
/// switch to at their next launch. A layer with an error is not published:
/// the snapshot in force stays as it was.
enum Compile {
    static func run(_ args: inout Arguments) -> Int32 {
        if let w = args.peek(), w.equals("--") { _ = args.next() }
        var dirs = 0
        var failed = false
        while let dir = args.next() {
            if dir.count > 1 && dir[0] == UInt8(ascii: "-") {
                complain(text("compile: unknown option '"), dir, text("'"))
                return 2
            }
            dirs += 1
            if Lint.withAbsolute(args.previous, { compile($0) }) != 0 { failed = true }
        }
        if dirs == 0 {
            var st = stat()
            if lwcr_fstatat(AT_FDCWD, lwcr_system_policy_directory(), &st, 0) != 0 {
                complain(text("compile: no directory given, and "), PolicyLoader.systemDirectory, text(" does not exist"))
                return 2
            }
            if compile(lwcr_system_policy_directory()) != 0 { failed = true }
        }
        return failed ? 2 : 0
    }

    /// 0 when published. The directory is named in its plain form
    /// (DirectoryName), which the snapshot records.
    static func compile(_ given: UnsafePointer<CChar>) -> Int {
        var plain = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &plain) { p -> Int in
            guard let name = DirectoryName.plain(Bytes(cString: given), into: p) else {
                complain(text("compile: the directory name is too long: "), Bytes(cString: given))
                return 1
            }
            return compile(plain: UnsafeRawPointer(name.base!).assumingMemoryBound(to: CChar.self))
        }
    }

    static func compile(plain dir: UnsafePointer<CChar>) -> Int {
        let dirBytes = Bytes(cString: dir)
        let errors = Lint.lint(absolute: dir, compiling: true)
        var e = Output.err
        defer { e.flush() }
        if errors > 0 {
            e.write("lwcr: compile: "); e.writeEscaped(dirBytes); e.write(": ")
            e.write(errors); e.write(errors == 1 ? " error" : " errors")
            e.write(": nothing published, the policy in force is unchanged\n")
            return 1
        }
        let owner = PolicyLoader.owner(of: dirBytes)
        let built: SnapshotWriter.Built
        do throws(PolicyError) {
            built = try SnapshotWriter.build(dirBytes, owner: owner)
        } catch {
            e.write("lwcr: compile: "); e.writePolicyError(error, in: dirBytes)
            e.write(": nothing published, the policy in force is unchanged\n")
            return 1
        }
        defer { SnapshotWriter.release(built) }
        let generation: UInt64
        do throws(PolicyError) {
            generation = try publish(built, dirBytes, owner: owner)
        } catch {
            e.write("lwcr: compile: "); e.writePolicyError(error, in: dirBytes)
            e.write(": nothing published, the policy in force is unchanged\n")
            return 1
        }
        var o = Output.out
        o.writeEscaped(dirBytes); o.write(": compiled "); o.write(built.layer.ruleCount)
        o.write(built.layer.ruleCount == 1 ? " rule, " : " rules, "); o.write(built.layer.signerCount)
        o.write(built.layer.signerCount == 1 ? " signer" : " signers"); o.write(" into ")
        o.writeEscaped(dirBytes); o.write("/"); o.write(Bytes(Snapshot.fileName))
        o.write(" (generation "); o.write(Int(generation)); o.write(", "); o.write(built.size); o.write(" bytes)\n")
        o.flush()
        return 0
    }

    /// Writes the snapshot beside the layer's files and renames it into
    /// place, then marks the one it replaced as superseded, which every
    /// process that maps that one sees at its next launch. Compiles of one
    /// directory take turns (flock on it), so each marks exactly the file
    /// its rename replaced. Returns the new generation.
    static func publish(_ built: SnapshotWriter.Built, _ dir: Bytes, owner: UInt32) throws(PolicyError) -> UInt64 {
        let here = Location(file: dir, line: 0)
        let dirfd = try PolicyLoader.openLayer(dir, owner: owner)
        defer { _ = lwcr_close(dirfd) }
        // A lock file only the compiling user can open: anyone may open the
        // directory itself, and would hold a lock on it to stall compiles.
        let lock = lwcr_openat(dirfd, cString(Snapshot.lockName), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        if lock < 0 { throw PolicyError(here, "cannot open the compile lock", code: -lock) }
        defer { _ = lwcr_close(lock) }
        var waited = 0
        while lwcr_flock(lock, LOCK_EX | LOCK_NB) != 0 {
            if waited == 300 { throw PolicyError(here, "another lwcr compile of this directory has held its lock for 30 s") }
            _ = lwcr_sleep_ns(100_000_000)
            waited += 1
        }
        let name = cString(Snapshot.fileName)
        let temporary = cString(Snapshot.temporaryName)
        let old = lwcr_openat(dirfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0)
        defer { if old >= 0 { _ = lwcr_close(old) } }
        if old < 0 && old != -ENOENT { throw PolicyError(here, "cannot open the compiled snapshot in place", code: -old) }
        var generation: UInt64 = 1
        if old >= 0 {
            var h = InlineArray<48, UInt64>(repeating: 0)
            let n = withUnsafeMutableBytes(of: &h) { lwcr_pread(old, $0.baseAddress, 48, 0) }
            if n == 48 && h[0] == Snapshot.magic { generation = h[Snapshot.generationAt / 8] &+ 1 }
        }
        let sum = SnapshotWriter.seal(built, generation: generation)
        let failure = WholeFile.publish(dirfd, temporary, name, built.file, built.size, mode: 0o644, owner: nil)
        if failure != 0 { throw PolicyError(here, "cannot write the compiled snapshot", code: failure) }
        if old >= 0 {
            var superseded: UInt32 = 1
            _ = withUnsafeBytes(of: &superseded) { lwcr_pwrite(old, $0.baseAddress, 4, Snapshot.liveAt) }
        }
        rememberChecksum(dirfd, name, sum)
        return generation
    }

    /// Saves every process that runs as root (and so may trust the cache)
    /// from reading the whole new snapshot to check it: this command wrote
    /// it, closed it and is the only one who could have written it since
    /// (root's file in root's directory), so the checksum it computed is
    /// the file's. The cache's two-second rule guards against a writer
    /// racing a reader's hashing; there is no such writer here.
    static func rememberChecksum(_ dirfd: Int32, _ name: UnsafePointer<CChar>, _ sum: SHA256Digest) {
        if lwcr_geteuid() != 0 { return }
        let fd = lwcr_openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0)
        if fd < 0 { return }
        defer { _ = lwcr_close(fd) }
        var st = stat()
        if lwcr_fstat(fd, &st) != 0 || st.st_uid != 0 || !lwcr_no_writers(fd) { return }
        VerificationCache.remember(fd, st, sum, kind: .snapshot)
    }
}
