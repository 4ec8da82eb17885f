import CInterpose

/// `lwcr status [PID]`: what a running process enforces, or, without a
/// PID, what the system is set up to enforce. A process is seen only
/// through what the kernel shows under /proc/PID; what it cannot show is
/// said, not guessed.
enum Status {
    static func run(_ args: inout Arguments) -> Int32 {
        guard let word = args.next() else { return system() }
        if args.peek() != nil {
            complain(text("status: one PID at most (see lwcr status --help)"))
            return 2
        }
        guard let pid = word.decimalUInt32, pid > 0 else {
            complain(text("status: '"), word, text("' is not a process ID"))
            return 2
        }
        return process(pid)
    }

    static func label(_ o: inout Output, _ name: StaticString) {
        o.write("  "); o.write(name)
        var pad = 16 - Bytes(name).count
        while pad > 0 { o.write(" "); pad -= 1 }
    }

    static let continuation: StaticString = "                  "

    // MARK: a process

    static func process(_ pid: UInt32) -> Int32 {
        let (opened, error) = ProcessView.open(pid)
        guard let view = opened else {
            let why: StaticString = error == ENOENT || error == ESRCH ? "no such process"
                : error == EACCES || error == EPERM ? "not readable by this user (another user's process: run as root)" : "cannot be read"
            ProcessView.path(pid, Bytes("maps")).withBytes { complain(text("status: "), $0, text(": "), Bytes(why)) }
            return 2
        }
        var o = Output.out
        defer { o.flush() }
        o.write("process "); o.write(Int(pid))
        var exe = InlineArray<4097, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &exe) { b in
            let p = b.baseAddress!.assumingMemoryBound(to: CChar.self)
            let n = ProcessView.path(pid, Bytes("exe")).withCString { lwcr_readlink($0, p, b.count - 1) }
            if n > 0 { o.write(": "); o.writeEscaped(Bytes(UnsafeRawBufferPointer(UnsafeMutableRawBufferPointer(rebasing: b[0..<n])))) }
        }
        o.write("\n")
        guard let library = view.maps.first(where: { isLibrary($0.path) }) else {
            label(&o, "library:")
            o.write("not loaded: nothing it launches is judged by lwcr\n")
            return 1
        }
        label(&o, "library:")
        o.writeEscaped(library.path)
        writeVersion(view, library, &o)
        o.write(", "); o.write(how(view, library)); o.write("\n")
        trust(view, library, &o)

        let secure = view.secureExecution
        label(&o, "secure mode:")
        switch secure {
        case .some(true): o.write("yes (AT_SECURE: a setuid, setgid or capability program; LWCR_* are ignored)\n")
        case .some(false): o.write("no\n")
        case .none: o.write("unknown (its auxiliary vector cannot be read)\n")
        }
        let ignoresEnvironment = secure ?? false

        label(&o, "layers:")
        var layers = 0
        var st = stat()
        if lwcr_fstatat(AT_FDCWD, lwcr_system_policy_directory(), &st, 0) == 0 {
            o.writeEscaped(PolicyLoader.systemDirectory); o.write(" (system)\n")
            layers += 1
        }
        if !view.environmentReadable {
            if layers > 0 { o.write(continuation) }
            o.write("unknown beyond the system's (its environment cannot be read)\n")
            layers += 1
        } else if let given = view.variable("LWCR_POLICY") {
            given.withBytes { value in
                _ = value.forEachPart(separatedBy: UInt8(ascii: ":")) { dir -> Bool in
                    if layers > 0 { o.write(continuation) }
                    o.writeEscaped(dir)
                    o.write(ignoresEnvironment ? " (LWCR_POLICY, ignored in secure mode)\n"
                            : dir[0] == UInt8(ascii: "/") ? " (LWCR_POLICY)\n"
                            : " (LWCR_POLICY, relative to the directory it started in)\n")
                    layers += 1
                    return true
                }
            }
        }
        if layers == 0 { o.write("none: the library allows every launch and says nothing\n") }

        label(&o, "compiled:")
        var snapshots = 0
        // A snapshot mapped privately has its header page mapped too: one line per file.
        var seen: [(UInt64, UInt64, UInt64)] = []
        for m in view.maps where m.path.withBytes({ $0.basename.equals(Snapshot.fileName) }) {
            if seen.contains(where: { $0 == (m.major, m.minor, m.inode) }) { continue }
            seen.append((m.major, m.minor, m.inode))
            if snapshots > 0 { o.write(continuation) }
            snapshots += 1
            o.writeEscaped(m.path)
            let fd = view.openMapped(m)
            let header = fd >= 0 ? SnapshotHeader.read(fd) : nil
            if let header { o.write(" generation "); o.write(Int(header.generation)) }
            // Named like a snapshot is not one: checked as the library checks it.
            let refusal: [UInt8]? = fd < 0 ? nil : SnapshotCheck.refusal(fd, m.path)
            if fd >= 0 { _ = lwcr_close(fd) }
            if fd < 0 {
                o.write(": cannot be read to check it (only root may read another's mapped files)\n")
            } else if header?.otherVersion == true {
                o.write(", written by another version of lwcr: the library read its directory's text instead, and watches this file\n")
            } else if let refusal {
                o.write(": mapped, but not a snapshot the library would use ("); o.writeEscaped(refusal); o.write(")\n")
            } else if m.deleted || header?.superseded == true || !ProcessView.current(m) {
                o.write(", superseded: the process maps it until it exits, and follows the current one from its next launch\n")
            } else {
                o.write(", in force\n")
            }
        }
        if snapshots == 0 {
            o.write("none mapped: no launch yet, or its layers were read as text (a policy read as text is\n")
            o.write(continuation); o.write("in the process's private memory, which /proc does not show)\n")
        }

        let conf = LogFile.text()
        conf.withBytes { file in
            let log = ignoresEnvironment ? nil : view.variable("LWCR_LOG")
            let format = ignoresEnvironment ? nil : view.variable("LWCR_LOG_FORMAT")
            let (target, chosen) = withOptional(log) { l in
                withOptional(format) { f in LogSettings.resolve(file: file, log: l, format: f, secure: ignoresEnvironment) }
            }
            var fileFormat = LogSettings.Format.text
            var fileTarget = Bytes.empty
            LogSettings.parse(file, target: &fileTarget, format: &fileFormat) { _ in }
            let fileSetsFormat = file.anyPart(separatedBy: "\n") { LogSettings.trimmed($0).hasPrefix("format") }
            label(&o, "log:")
            if target.isEmpty { o.write("stderr") } else { o.writeEscaped(target) }
            source(log != nil ? "LWCR_LOG" : fileTarget.isEmpty ? "the default" : "lwcr.conf", &o)
            o.write(chosen == .json ? ", json" : ", text")
            source(format.map { f in f.withBytes { LogSettings.format($0) != nil } } == true ? "LWCR_LOG_FORMAT"
                   : fileSetsFormat ? "lwcr.conf" : "the default", &o)
            o.write("\n")
        }
        label(&o, "learn mode:")
        let learning = !ignoresEnvironment && view.variable("LWCR_LEARN").map { $0 == [UInt8](Bytes("1")) } == true
        o.write(learning ? "on (LWCR_LEARN=1: denials of its own layers are only logged)\n" : "off\n")
        o.write("\n(read from /proc/"); o.write(Int(pid))
        o.write(": its maps, auxiliary vector and the environment it started with, which the library read then)\n")
        return 0
    }

    /// lwcr.conf is read as it is now; the process read it when it started.
    static func source(_ name: StaticString, _ o: inout Output) {
        o.write(" ("); o.write(name)
        if Bytes(name).equals("lwcr.conf") { o.write(" as it reads now") }
        o.write(")")
    }

    static func withOptional<R>(_ v: [UInt8]?, _ body: (Bytes?) -> R) -> R {
        guard let v else { return body(nil) }
        return v.withBytes { body($0) }
    }

    /// A file named liblwcr*.so and carrying a version string may be
    /// anything: who could have written it, and whether it is the installed
    /// library, is what the claim rests on.
    static func trust(_ view: ProcessView, _ m: ProcessView.Mapping, _ o: inout Output) {
        let fd = view.openMapped(m)
        var st = stat()
        guard fd >= 0, lwcr_fstat(fd, &st) == 0 else {
            if fd >= 0 { _ = lwcr_close(fd) }
            o.write(continuation); o.write("(its owner cannot be read: what it enforces rests on an unchecked file)\n")
            return
        }
        _ = lwcr_close(fd)
        var installed = stat()
        let isInstalled = lwcr_fstatat(AT_FDCWD, lwcr_installed_library(), &installed, 0) == 0
            && installed.st_dev == st.st_dev && installed.st_ino == st.st_ino
        if st.st_uid != 0 || st.st_mode & Mode.groupOrOtherWritable != 0 {
            o.write(continuation); o.write("WARNING: the library file is uid "); o.write(Int(st.st_uid)); o.write("'s")
            if st.st_mode & Mode.groupOrOtherWritable != 0 { o.write(" and writable by others") }
            o.write(": whoever can write it decides what it does; it may not be lwcr at all\n")
        } else if !isInstalled {
            o.write(continuation); o.write("root's, but not the installed "); o.write(cString: lwcr_installed_library()); o.write("\n")
        }
    }

    static func isLibrary(_ path: [UInt8]) -> Bool {
        path.withBytes { p in p.basename.hasPrefix("liblwcr") && p.basename.hasSuffix(".so") }
    }

    static func writeVersion(_ view: ProcessView, _ m: ProcessView.Mapping, _ o: inout Output) {
        let fd = view.openMapped(m)
        if fd >= 0, let v = LibraryVersion.of(fd) {
            o.write(" (lwcr "); o.writeEscaped(v); o.write(")")
        } else {
            o.write(" (version unknown: ")
            o.write(m.deleted || !ProcessView.current(m) ? "the file was replaced since it was loaded, and only root may read the mapped one)"
                    : "no version string in it)")
        }
        if fd >= 0 { _ = lwcr_close(fd) }
        if m.deleted || !ProcessView.current(m) { o.write(", replaced on disk since it was loaded") }
    }

    /// How the library came into the process.
    static func how(_ view: ProcessView, _ m: ProcessView.Mapping) -> StaticString {
        let preload = view.variable("LD_PRELOAD")
        let named = m.path.withBytes { path in withOptional(preload) { value in value.map { preloadNames($0, path) } ?? false } }
        if named { return "through LD_PRELOAD" }
        if m.path.withBytes({ path in PreloadFile.entries().contains { $0.withBytes { $0.equals(path) } } }) {
            return "through /etc/ld.so.preload"
        }
        return "loaded neither through LD_PRELOAD as it started nor /etc/ld.so.preload (dlopen?)"
    }

    // MARK: the system

    static func system() -> Int32 {
        var o = Output.out
        defer { o.flush() }
        o.write("lwcr "); o.write(cString: lwcr_version()); o.write("\n")
        label(&o, "system policy:")
        o.writeEscaped(PolicyLoader.systemDirectory); o.write(": ")
        systemPolicy(&o)
        label(&o, "cache:")
        cache(&o)
        label(&o, "ld.so.preload:")
        preload(&o)
        label(&o, "library:")
        if Library.locate() {
            let path = lwcr_state_library()!
            o.writeEscaped(Bytes(cString: path))
            if let v = LibraryVersion.at(path) { o.write(" (lwcr "); o.writeEscaped(v); o.write(")") }
            o.write(": what lwcr run and lwcr exec preload\n")
        } else {
            o.write("not found beside this command, in ../lib, or at "); o.write(cString: lwcr_installed_library()); o.write("\n")
        }
        return 0
    }

    static func systemPolicy(_ o: inout Output) {
        var st = stat()
        if lwcr_fstatat(AT_FDCWD, lwcr_system_policy_directory(), &st, 0) != 0 {
            o.write("absent: only LWCR_POLICY and --policy layers judge launches\n")
            return
        }
        guard let base = lwcr_mmap(LoadedPolicy.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) else {
            o.write("cannot map memory to read it\n")
            return
        }
        defer { _ = lwcr_munmap(base, LoadedPolicy.size) }
        var arena = Arena(base: base, capacity: LoadedPolicy.size)
        let policy = PolicyLoader.load(layers: .empty, system: PolicyLoader.systemDirectory, into: &arena, systemRequired: true)
        defer { PolicyLoader.releaseSnapshots(policy) }
        if let e = policy.error {
            o.write("policy error: "); o.writePolicyError(e, in: .empty)
            o.write("\n"); o.write(continuation); o.write("every launch the library judges is denied (see lwcr lint)\n")
            return
        }
        guard policy.layerCount > 0 else { o.write("empty\n"); return }
        let layer = policy.layers.unsafelyUnwrapped[0]
        let dir = PolicyLoader.systemDirectory
        if let c = layer.compiled {
            o.write("compiled, generation "); o.write(Int(c.generation))
            switch LoadedPolicy.textState(of: layer) {
            case .same: o.write(", up to date\n")
            case .differs:
                o.write("; changes not yet compiled: launches follow generation "); o.write(Int(c.generation))
                o.write(" until 'lwcr compile "); o.writeEscaped(dir); o.write("'\n")
            case .fails:
                o.write("; the text has an error (lwcr lint): launches follow generation "); o.write(Int(c.generation))
                o.write(" until it compiles\n")
            }
        } else if SnapshotHeader.of(directory: dir)?.otherVersion == true {
            o.write("its snapshot was written by another version of lwcr: launches read the text until 'lwcr compile")
            o.write("'\n")
        } else {
            o.write("not compiled: each process reads the text at its first launch ('lwcr compile' publishes a snapshot)\n")
        }
    }

    static func cache(_ o: inout Output) {
        let dir = Bytes(cString: lwcr_cache_builtin())
        o.writeEscaped(dir); o.write(": ")
        var st = stat()
        if lwcr_fstatat(AT_FDCWD, lwcr_cache_builtin(), &st, AT_SYMLINK_NOFOLLOW) != 0 {
            o.write("absent: every pinned file is hashed at each launch\n"); return
        }
        let why: StaticString?
        if st.st_mode & Mode.typeMask != Mode.directory { why = "not a directory" }
        else if st.st_uid != 0 { why = "not root's" }
        else if st.st_mode & Mode.groupOrOtherWritable != 0 { why = "writable by group or others" }
        else if !Held.byUs(dir, uid: 0) { why = "a directory above it can be changed by others than root" }
        else { why = nil }
        if let why { o.write("not used ("); o.write(why); o.write("): every pinned file is hashed at each launch\n"); return }
        let fd = lwcr_open(lwcr_cache_builtin(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { o.write("cannot be opened\n"); return }
        defer { _ = lwcr_close(fd) }
        var mount: UInt64 = 0
        if lwcr_unique_mount_id(fd, &mount) != 0 {
            o.write("not used: the kernel has no unique mount IDs (Linux 6.8), so nothing is remembered\n"); return
        }
        var entries = 0
        _ = DirectoryEntries.forEach(fd) { name, _ in
            if name[0] != UInt8(ascii: ".") { entries += 1 }
            return true
        }
        o.write("in use, "); o.write(entries); o.write(entries == 1 ? " entry" : " entries")
        o.write(" (written by processes running as root)\n")
    }

    static func preload(_ o: inout Output) {
        let entries = PreloadFile.entries()
        var named = 0
        for entry in entries where isLibrary(entry) {
            if named > 0 { o.write(continuation) }
            named += 1
            o.write(PreloadFile.path); o.write(" names "); o.writeEscaped(entry)
            let version = entry.withCString { LibraryVersion.at($0) }
            var st = stat()
            if entry.withCString({ lwcr_fstatat(AT_FDCWD, $0, &st, 0) }) != 0 {
                o.write(", which does not exist (the loader warns in every program and goes on without it)\n")
            } else {
                if let version { o.write(" (lwcr "); o.writeEscaped(version); o.write(")") }
                o.write(": every dynamically linked program started from now on loads it\n")
            }
        }
        if named == 0 {
            o.write(PreloadFile.path)
            o.write(entries.isEmpty ? " names nothing" : " does not name liblwcr.so")
            o.write(": only programs started with LD_PRELOAD, lwcr run or lwcr exec are judged\n")
        }
    }
}

/// The dynamic loader's own list of libraries to preload into every program.
enum PreloadFile {
    static let path: StaticString = "/etc/ld.so.preload"

    /// Its entries, separated as the loader separates them (blanks, colons,
    /// newlines; '#' starts a comment). A name without '/' is given as the
    /// loader finds it in its directories, when it does.
    static func entries() -> [[UInt8]] {
        raw().map { entry in entry.contains(UInt8(ascii: "/")) ? entry : search(entry) ?? entry }
    }

    static let directories: [StaticString] = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                                              "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"]

    static func search(_ name: [UInt8]) -> [UInt8]? {
        for dir in directories {
            var path = [UInt8](Bytes(dir))
            path.append(UInt8(ascii: "/"))
            path.append(contentsOf: name)
            var st = stat()
            if path.withCString({ lwcr_fstatat(AT_FDCWD, $0, &st, 0) }) == 0 && st.st_mode & Mode.typeMask == Mode.regular { return path }
        }
        return nil
    }

    static func raw() -> [[UInt8]] {
        // Absent is the usual case, not an error to report.
        var st = stat()
        if lwcr_fstatat(AT_FDCWD, cString(path), &st, 0) != 0 { return [] }
        guard let text = WholeFile.read(cString(path), "status") else { return [] }
        var out: [[UInt8]] = []
        var word: [UInt8] = []
        var comment = false
        for c in text + [10] {
            if c == UInt8(ascii: "#") { comment = true }
            if c == 10 { comment = false }
            if comment { continue }
            if c == 32 || c == 9 || c == 10 || c == 13 || c == UInt8(ascii: ":") {
                if !word.isEmpty { out.append(word); word = [] }
            } else {
                word.append(c)
            }
        }
        return out
    }
}

/// SYSCONFDIR/lwcr/lwcr.conf as a launch would read it now (LogSettings).
enum LogFile {
    static func text() -> [UInt8] {
        var buffer = InlineArray<4096, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &buffer) { b -> [UInt8] in
            var refusal = LogSettings.Refusal.none
            return [UInt8](LogSettings.readSystemFile(into: b, &refusal))
        }
    }
}
