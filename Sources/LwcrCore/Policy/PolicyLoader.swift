import CInterpose

/// Reads policy layers from disk into an arena.
///
/// Runs on the first launch of a process, which may happen in a vfork
/// child, so it uses only system calls and the arena: no malloc, no stdio,
/// no locks. Any failure becomes `Policy.error`, which denies every launch.
public enum PolicyLoader {
    /// The system layer, SYSCONFDIR/lwcr/policy.d (a build setting,
    /// /etc by default); it applies when the directory exists.
    public static var systemDirectory: Bytes { Bytes(cString: lwcr_system_policy_directory()) }
    public static let maxFilesPerLayer = 4096
    static let maxFileSize = 16 << 20

    /// Loads the system layer (if present) and each directory of `layers`
    /// (colon-separated absolute paths, each required to exist).
    /// `systemRequired`: the system directory existed when the process
    /// started, so its absence now (a chroot, another mount namespace) is an
    /// error, not "no system layer".
    /// `compiled`: read a layer's compiled snapshot where it has one (a
    /// launch does); false reads every layer's text.
    public static func load(layers: Bytes, system: Bytes, into arena: inout Arena, systemRequired: Bool = false,
                            compiled: Bool = true) -> Policy {
        var policy = Policy()
        var colons = 0
        var i = 0
        while i < layers.count {
            if layers[i] == UInt8(ascii: ":") { colons += 1 }
            i += 1
        }
        guard let slots = arena.allocate(Layer.self, count: colons + 2) else {
            policy.error = PolicyError(.none, "out of memory for policy layers")
            return policy
        }
        policy.layers = slots
        var users = UserDatabase(file: "/etc/passwd")
        var groups = UserDatabase(file: "/etc/group")
        do throws(PolicyError) {
            if !system.isEmpty, try directoryExists(system) {
                slots[policy.layerCount] = try loadLayer(system, owner: 0, &arena, &users, &groups, compiled: compiled)
                policy.layerCount += 1
            } else if systemRequired {
                throw PolicyError(Location(file: system, line: 0), "the system policy directory has gone since the process started (chroot?)")
            }
            try layers.forEachPart(separatedBy: UInt8(ascii: ":")) { (dir: Bytes) throws(PolicyError) -> Bool in
                if dir[0] != UInt8(ascii: "/") {
                    throw PolicyError(Location(file: dir, line: 0), "policy directory must be an absolute path")
                }
                if !(try directoryExists(dir)) {
                    throw PolicyError(Location(file: dir, line: 0), "policy directory does not exist")
                }
                slots[policy.layerCount] = try loadLayer(dir, owner: UInt32(bitPattern: lwcr_geteuid()), &arena, &users, &groups,
                                                         compiled: compiled)
                policy.layerCount += 1
                return true
            }
        } catch {
            policy.error = error
        }
        return policy
    }

    /// Unmaps the compiled snapshots of a policy that was never published.
    public static func releaseSnapshots(_ policy: Policy) {
        var i = 0
        while i < policy.layerCount {
            if let c = policy.layers.unsafelyUnwrapped[i].compiled { Snapshot.release(c) }
            if let c = policy.layers.unsafelyUnwrapped[i].passedOver { Snapshot.release(c) }
            i += 1
        }
    }

    static func directoryExists(_ dir: Bytes) throws(PolicyError) -> Bool {
        var st = stat()
        let r = withPath(dir) { lwcr_fstatat(AT_FDCWD, $0, &st, 0) }
        if r == -ENOENT { return false }
        if r != 0 { throw PolicyError(Location(file: dir, line: 0), "cannot read policy directory") }
        if st.st_mode & Mode.typeMask != Mode.directory { throw PolicyError(Location(file: dir, line: 0), "policy path is not a directory") }
        return true
    }

    /// Who may own a layer besides root: nobody for the system layer, the
    /// user launching (the effective uid) for a layer of LWCR_POLICY.
    public static func owner(of dir: Bytes) -> UInt32 {
        dir.equals(systemDirectory) ? 0 : UInt32(bitPattern: lwcr_geteuid())
    }

    /// Opens a layer's directory and refuses it if anyone but root and
    /// `owner` could change what it holds (sshd's StrictModes, sudo's
    /// checks of sudoers): the directory must be theirs and writable by no
    /// group or other user, and so must every directory above it, except
    /// that a sticky one (like /tmp) may be writable when the entry below
    /// it is root's or `owner`'s (see Held). A layer anyone else could
    /// write would let them add `allow /**`.
    public static func openLayer(_ dir: Bytes, owner: UInt32) throws(PolicyError) -> Int32 {
        let here = Location(file: dir, line: 0)
        var entry = stat()
        // Every component is examined as it is (lstat): a symlink on the
        // way would make the chain that matters another one, unexamined,
        // so the layer must be named by its real path.
        let status = withPath(dir) { lwcr_fstatat(AT_FDCWD, $0, &entry, AT_SYMLINK_NOFOLLOW) }
        if status != 0 { throw PolicyError(here, "cannot open policy directory", code: -status) }
        if entry.st_mode & Mode.typeMask == Mode.symlink {
            throw PolicyError(here, "untrusted policy: the layer is a symbolic link (name it by its real path)")
        }
        if let culprit = Held.culprit(dir, uid: owner) {
            var st = stat()
            if withPath(culprit, { lwcr_fstatat(AT_FDCWD, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 && st.st_mode & Mode.typeMask == Mode.symlink {
                throw PolicyError(here, "untrusted policy: the layer's path goes through a symbolic link (name it by its real path):", culprit)
            }
            throw PolicyError(here, "untrusted policy: a directory above the layer can be changed by others than root and the user launching:", culprit)
        }
        let fd = withPath(dir) { lwcr_open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) }
        if fd == -ELOOP || fd == -ENOTDIR { throw PolicyError(here, "untrusted policy: the layer is a symbolic link or not a directory") }
        if fd < 0 { throw PolicyError(here, "cannot open policy directory", code: -fd) }
        var st = stat()
        if lwcr_fstat(fd, &st) != 0 {
            _ = lwcr_close(fd)
            throw PolicyError(here, "cannot read policy directory")
        }
        if st.st_uid != 0 && st.st_uid != owner {
            _ = lwcr_close(fd)
            throw PolicyError(here, "untrusted policy: the directory is owned by neither root nor the user launching")
        }
        if st.st_mode & Mode.groupOrOtherWritable != 0 {
            _ = lwcr_close(fd)
            throw PolicyError(here, "untrusted policy: the directory is writable by group or others")
        }
        return fd
    }

    /// One layer: its compiled snapshot when it has one (and `compiled`),
    /// else its text, parsed.
    /// `sizes` (a compile's): in, the exact room to make when known; out,
    /// what the text filled.
    public static func loadLayer(_ dir: Bytes, owner: UInt32, _ arena: inout Arena, _ users: inout UserDatabase,
                                 _ groups: inout UserDatabase, compiled: Bool = true,
                                 sizes: UnsafeMutablePointer<LayerBuilder.Sizes?>? = nil) throws(PolicyError) -> Layer {
        guard let dirCopy = arena.copy(dir) else { throw PolicyError(.none, "out of memory for policy") }
        let fd = try openLayer(dirCopy, owner: owner)
        defer { _ = lwcr_close(fd) }
        let trust = Trust(directory: dirCopy, owner: owner)
        var passedOver: Compiled? = nil
        if compiled, let layer = try Snapshot.open(fd, trust, &arena, passedOver: &passedOver) { return layer }
        guard let names = arena.scratch(Bytes.self, count: maxFilesPerLayer),
              let texts = arena.scratch(Bytes.self, count: maxFilesPerLayer) else {
            throw PolicyError(.none, "out of memory for policy")
        }
        let count = try listPolicyFiles(fd, dir, names, &arena)
        sortNames(names, count)
        var f = 0
        while f < count {
            texts[f] = try readFile(fd, names[f], &arena, trust)
            f += 1
        }
        guard var builder = LayerBuilder.start(dirCopy, texts: texts, count: count, &arena, exact: sizes?.pointee) else {
            throw PolicyError(Location(file: dir, line: 0), "policy too large for a launch to parse (more than the 64 MiB it may use): compile it (lwcr compile)")
        }
        var first: PolicyError? = nil
        f = 0
        while f < count && first == nil {
            builder.add(texts[f], file: names[f], names: { name, kind in
                kind == .user ? users.uid(of: name, &arena) : groups.uid(of: name, &arena)
            }) { e in if first == nil { first = e } }
            f += 1
        }
        if let first { throw first }
        sizes?.pointee = builder.sizes
        var layer = try builder.finish(fd, trust, &arena)
        layer.passedOver = passedOver
        // Only a compile or a lint compares it with a snapshot's.
        if !compiled { layer.source = sourceDigest(names, texts, count, layer) }
        return layer
    }

    /// What a layer was made from (Layer.source): each file's name and
    /// text, in order, and each signer's name and key, which is all that
    /// a `signers FILE` contributes.
    public static func sourceDigest(_ names: UnsafePointer<Bytes>, _ texts: UnsafePointer<Bytes>, _ count: Int, _ layer: Layer) -> SHA256Digest {
        var h = SHA256()
        var zero: UInt64 = 0
        var f = 0
        while f < count {
            hashPart(&h, names[f])
            hashPart(&h, texts[f])
            f += 1
        }
        withUnsafeBytes(of: &zero) { h.update($0) }
        var s = 0
        while s < layer.signerCount {
            var signer = layer.signers![s]
            hashPart(&h, signer.name)
            withUnsafeBytes(of: &signer.key) { h.update($0) }
            s += 1
        }
        return h.finalize()
    }

    static func hashPart(_ h: inout SHA256, _ b: Bytes) {
        var n = UInt64(b.count)
        withUnsafeBytes(of: &n) { h.update($0) }
        if b.count > 0 { h.update(b.raw) }
    }

    static func join(_ a: Bytes, _ b: Bytes, _ arena: inout Arena) throws(PolicyError) -> Bytes {
        guard let p = arena.bytes(count: a.count + 1 + b.count) else { throw PolicyError(.none, "out of memory for policy") }
        if a.count > 0 { p.update(from: a.base!, count: a.count) }
        p[a.count] = UInt8(ascii: "/")
        if b.count > 0 { (p + a.count + 1).update(from: b.base!, count: b.count) }
        return Bytes(UnsafePointer(p), count: a.count + 1 + b.count)
    }

    /// Replaces each `signers FILE` entry by the ssh-ed25519 keys of that
    /// OpenSSH allowed_signers file (relative to the policy directory)
    /// whose namespaces, if restricted, include "lwcr".
    public static func readSignerFiles(_ dirfd: Int32, _ layer: inout Layer, _ arena: inout Arena, _ trust: Trust) throws(PolicyError) {
        var files = 0
        var lines = 0
        var texts = InlineArray<16, Bytes>(repeating: .empty)
        var i = 0
        while i < layer.signerCount {
            let s = layer.signers![i]
            if !s.file.isEmpty {
                if files == 16 { throw PolicyError(s.location, "at most 16 signers files per layer") }
                guard let name = arena.copy(s.file) else { throw PolicyError(.none, "out of memory for policy") }
                let text: Bytes
                do throws(PolicyError) {
                    text = try readFile(dirfd, name, &arena, trust)
                } catch {
                    // The signers file's own problem, at the line naming it.
                    var e = error
                    e.location = s.location
                    if e.detail.isEmpty { e.detail = s.file }
                    throw e
                }
                texts[files] = text
                files += 1
                lines += AllowedSigners.capacity(of: text)
            }
            i += 1
        }
        if files == 0 { return }
        guard let all = arena.allocate(Signer.self, count: layer.signerCount + lines) else { throw PolicyError(.none, "out of memory for policy") }
        var n = 0
        var f = 0
        i = 0
        while i < layer.signerCount {
            let s = layer.signers![i]
            i += 1
            if s.file.isEmpty { all[n] = s; n += 1; continue }
            try AllowedSigners.parse(texts[f], file: s.file, into: all, capacity: layer.signerCount + lines, &n)
            f += 1
        }
        layer.signers = all
        layer.signerCount = n
    }

    /// Every signed-by= names a signer of its layer.
    public static func checkSignerNames(_ layer: Layer) throws(PolicyError) {
        var r = 0
        while r < layer.ruleCount {
            let rule = layer.rules![r]
            var f = 0
            while f < Int(rule.factCount) {
                let fact = rule.facts![f]
                if fact.kind == .signedBy && Signatures.signers(named: fact.value, in: layer) == 0 {
                    throw PolicyError(rule.location, "unknown signer", fact.value)
                }
                f += 1
            }
            r += 1
        }
    }

    /// Names of `*.policy` files in the directory (hidden files skipped).
    public static func listPolicyFiles(_ fd: Int32, _ dir: Bytes, _ names: UnsafeMutablePointer<Bytes>, _ arena: inout Arena) throws(PolicyError) -> Int {
        var count = 0
        var failure: PolicyError?
        let r = DirectoryEntries.forEach(fd) { name, _ in
            if !isPolicyFileName(name) { return true }
            if count == maxFilesPerLayer { failure = PolicyError(Location(file: dir, line: 0), "too many policy files"); return false }
            guard let copy = arena.copy(name) else { failure = PolicyError(.none, "out of memory for policy"); return false }
            names[count] = copy
            count += 1
            return true
        }
        if let failure { throw failure }
        if r < 0 { throw PolicyError(Location(file: dir, line: 0), "cannot list policy directory") }
        return count
    }

    /// `*.policy`, not hidden: the files a layer is made of.
    public static func isPolicyFileName(_ name: Bytes) -> Bool {
        name.count > 0 && name[0] != UInt8(ascii: ".") && name.hasSuffix(".policy")
    }

    public static func sortNames(_ names: UnsafeMutablePointer<Bytes>, _ count: Int) {
        var i = 1
        while i < count {
            let x = names[i]
            var j = i
            while j > 0 && x.lessThan(names[j - 1]) {
                names[j] = names[j - 1]
                j -= 1
            }
            names[j] = x
            i += 1
        }
    }

    /// Below this age a policy file may be caught between the truncation
    /// and the write of an in-place rewrite (`printf ... > 10.policy`): a
    /// reader waits until it is this old, then reads it again.
    static let settleNanoseconds: Int64 = 100_000_000
    static let settleAttempts = 5

    /// The whole content of a policy (or signers) file, read to its end,
    /// copied into the arena.
    ///
    /// Refused: anything but a regular file (a FIFO would block every
    /// launch; a symlink could lead out of the checked directory, to a
    /// size-0 /proc file...), a file that changed while it was read, one
    /// still being rewritten in place (see settleNanoseconds), and, with
    /// `trust`, a file anyone but root and the layer's owner could write.
    /// Errors name the file by its full path, with the errno.
    public static func readFile(_ dirfd: Int32, _ name: Bytes, _ arena: inout Arena, _ trust: Trust? = nil,
                                policyText: Bool = true) throws(PolicyError) -> Bytes {
        var here = Location(file: name, line: 0)
        if let trust, name.count > 0, name[0] != UInt8(ascii: "/"), let full = try? join(trust.directory, name, &arena) {
            here.file = full
        }
        let fd = withPath(name) { lwcr_openat(dirfd, $0, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0) }
        if fd == -ELOOP {
            throw PolicyError(here, "policy file is a symbolic link (policy files are regular files, so that the directory's ownership checks cover them)")
        }
        if fd < 0 { throw PolicyError(here, "cannot open policy file", code: -fd) }
        defer { _ = lwcr_close(fd) }
        var st = stat()
        if lwcr_fstat(fd, &st) != 0 { throw PolicyError(here, "cannot read policy file") }
        if st.st_mode & Mode.typeMask != Mode.regular { throw PolicyError(here, "policy file is not a regular file") }
        if let trust {
            if st.st_uid != 0 && st.st_uid != trust.owner {
                throw PolicyError(here, "untrusted policy: the file is owned by neither root nor the user launching")
            }
            if st.st_mode & Mode.groupOrOtherWritable != 0 {
                throw PolicyError(here, "untrusted policy: the file is writable by group or others")
            }
            // A file named outside the directory (signers /etc/...): its
            // directories must be held as the layer's are.
            if name.firstIndex(of: UInt8(ascii: "/")) != nil && !Held.byUs(here.file, uid: trust.owner) {
                throw PolicyError(here, "untrusted policy: a directory above the file can be changed by others than root and the user launching")
            }
        }
        var attempt = 0
        while true {
            let mark = arena.used
            guard let space = arena.rest(limit: maxFileSize + 1) else { throw PolicyError(here, "out of memory for policy") }
            let (p, room) = space
            var got = 0
            while got < room {
                // In pieces: some files (sysctls) refuse one huge read.
                let n = lwcr_pread(fd, p + got, min(room - got, 1 << 16), got)
                if n == -Int(EINTR) { continue }
                if n < 0 { arena.reset(to: mark); throw PolicyError(here, "cannot read policy file", code: Int32(-n)) }
                if n == 0 { break }
                got += n
            }
            if got > maxFileSize { arena.reset(to: mark); throw PolicyError(here, "policy file is larger than 16 MiB") }
            if got == room { arena.reset(to: mark); throw PolicyError(here, "out of memory for policy") }
            arena.shrink(p, to: got)
            var after = stat()
            if lwcr_fstat(fd, &after) != 0 { throw PolicyError(here, "cannot read policy file") }
            let changed = after.st_size != st.st_size || after.st_mtim.tv_sec != st.st_mtim.tv_sec
                || after.st_mtim.tv_nsec != st.st_mtim.tv_nsec || after.st_ctim.tv_sec != st.st_ctim.tv_sec
                || after.st_ctim.tv_nsec != st.st_ctim.tv_nsec
            let age = age(of: after)
            if !changed && Int64(got) == Int64(after.st_size) && (age < 0 || age >= settleNanoseconds) {
                // Between its truncation and its write, a file rewritten in
                // place is empty, for as long as the writer is not scheduled
                // (more than settleNanoseconds on a busy machine): an empty
                // policy would allow everything, so it is never one.
                if got == 0 && policyText {
                    throw PolicyError(here, "policy file is empty (as a file being rewritten in place is for a moment; a policy file says something, if only a comment)")
                }
                return Bytes(UnsafePointer(p), count: got)
            }
            attempt += 1
            if attempt >= settleAttempts {
                if !changed && Int64(got) != Int64(after.st_size) {
                    throw PolicyError(here, "policy file cannot be read whole (its size and what reading it gives differ)")
                }
                throw PolicyError(here, "policy file is being rewritten in place (replace policy files atomically: write a copy, then rename it)")
            }
            arena.reset(to: mark)
            st = after
            if age >= 0 && age < settleNanoseconds { _ = lwcr_sleep_ns(Int(settleNanoseconds - age)) }
        }
    }

    /// Nanoseconds since the file's last change; negative when its ctime is
    /// in the future (the clock was set back): then it is not waited for.
    static func age(of st: stat) -> Int64 {
        var now = timespec()
        if lwcr_clock_realtime(&now) != 0 { return -1 }
        return (Int64(now.tv_sec) - Int64(st.st_ctim.tv_sec)) * 1_000_000_000 + Int64(now.tv_nsec) - Int64(st.st_ctim.tv_nsec)
    }
}

/// Whose a layer is: its directory, and the one user besides root who may
/// own it and its files.
public struct Trust {
    public var directory: Bytes
    public var owner: UInt32

    public init(directory: Bytes, owner: UInt32) {
        self.directory = directory
        self.owner = owner
    }
}

/// Calls `body` with `path` as a NUL-terminated C string. Paths that come
/// from the arena already end in NUL; others are copied to the stack.
@inline(__always)
func withPath<R>(_ path: Bytes, _ body: (UnsafePointer<CChar>) -> R) -> R {
    if let base = path.base, base[path.count] == 0 {
        return body(UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self))
    }
    var buffer = InlineArray<4097, UInt8>(repeating: 0)
    return withUnsafeMutableBytes(of: &buffer) { b in
        let n = path.count < 4096 ? path.count : 4096
        if n > 0 { b.copyMemory(from: UnsafeRawBufferPointer(rebasing: path.raw[0..<n])) }
        b[n] = 0
        return body(b.baseAddress!.assumingMemoryBound(to: CChar.self))
    }
}

/// Names for `owner=NAME` and `group=NAME`, from /etc/passwd and
/// /etc/group (the third field of both), read only when a policy names one
/// (getpwnam would allocate and may call NSS modules).
public struct UserDatabase {
    var text: Bytes?
    var read = false
    let file: StaticString

    public init(file: StaticString) { self.file = file }

    public init(text: Bytes) {
        self.text = text
        self.read = true
        self.file = ""
    }

    public mutating func uid(of name: Bytes, _ arena: inout Arena) -> UInt32? {
        if !read {
            read = true
            text = Self.read(file, &arena)
        }
        return lookup(name)
    }

    /// The file, in the arena's scratch space: only the numbers it gives
    /// are kept, so a compiled snapshot holds no copy of /etc/passwd, and
    /// a user's chfn changing its size cannot make a compile's two builds
    /// differ. The shadow tools replace these files by rename.
    static func read(_ file: StaticString, _ arena: inout Arena) -> Bytes? {
        let fd = lwcr_open(cString(file), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        if fd < 0 { return nil }
        defer { _ = lwcr_close(fd) }
        var st = stat()
        if lwcr_fstat(fd, &st) != 0 || st.st_mode & Mode.typeMask != Mode.regular || st.st_size > 16 << 20 { return nil }
        let size = Int(st.st_size)
        guard let p = arena.scratch(UInt8.self, count: size + 1) else { return nil }
        var got = 0
        while got <= size {
            let n = lwcr_pread(fd, p + got, size + 1 - got, got)
            if n == -Int(EINTR) { continue }
            if n <= 0 { break }
            got += n
        }
        return got == size ? Bytes(UnsafePointer(p), count: size) : nil
    }

    public func lookup(_ name: Bytes) -> UInt32? {
        guard let text else { return nil }
        var start = 0
        while start < text.count {
            let end = text.firstIndex(of: UInt8(ascii: "\n"), from: start) ?? text.count
            let line = text.slice(start, end)
            start = end + 1
            // name:password:uid:...
            guard let c1 = line.firstIndex(of: UInt8(ascii: ":")), line.slice(0, c1).equals(name),
                  let c2 = line.firstIndex(of: UInt8(ascii: ":"), from: c1 + 1) else { continue }
            let c3 = line.firstIndex(of: UInt8(ascii: ":"), from: c2 + 1) ?? line.count
            return line.slice(c2 + 1, c3).decimalUInt32
        }
        return nil
    }
}
