import CInterpose

/// The file a launch would execute: an open descriptor, the canonical path
/// the kernel gives for it, and its status. Every fact is evaluated on this
/// descriptor, which is the one that is then executed, so what is checked is
/// what runs.
public struct Subject {
    public let fd: Int32
    public let path: Bytes
    public let status: stat
    private var digest: SHA256Digest?
    private var hashed = false

    private var magic: UInt32? = nil
    private var magicRead = false
    private var digest512: SHA512Digest?
    private var hashed512 = false
    /// The layer whose rule is being evaluated (signers, signatures).
    public var layer: Layer?
    /// Where content is read through, when the caller has a large buffer.
    public var readBuffer: UnsafeMutableRawBufferPointer?

    /// Where the content is read from: the file itself, or a sealed copy of
    /// it whose content is what will run.
    public let contentFD: Int32

    public init(fd: Int32, path: Bytes, status: stat, contentFD: Int32? = nil) {
        self.fd = fd
        self.path = path
        self.status = status
        self.contentFD = contentFD ?? fd
    }

    /// The first four bytes of the content (zero where shorter or unreadable).
    /// The first four bytes (zero past the end of a shorter file, as the
    /// kernel reads them); nil when the content cannot be read (an
    /// execute-only file on an O_PATH descriptor), which no fact may take
    /// for zeros.
    public mutating func firstBytes() -> UInt32? {
        if !magicRead {
            var m: UInt32 = 0
            let n = withUnsafeMutableBytes(of: &m) { lwcr_pread(contentFD, $0.baseAddress, 4, 0) }
            magic = n < 0 ? nil : m
            magicRead = true
        }
        return magic
    }

    /// The SHA-256 of the content, read once through the descriptor; nil if
    /// it cannot be read (an O_PATH descriptor of an execute-only file).
    public mutating func sha256() -> SHA256Digest? {
        if !hashed {
            // A sealed copy is hashed as it is; the file itself may have a
            // remembered digest (VerificationCache).
            var usable = false
            if contentFD == fd, let remembered = VerificationCache.lookup(fd, status, usable: &usable) {
                digest = remembered
            } else {
                let remember = usable && VerificationCache.mayRemember(fd, status)
                digest = Self.hash(contentFD, readBuffer)
                if remember, let d = digest { VerificationCache.remember(fd, status, d) }
            }
            hashed = true
        }
        return digest
    }

    /// The SHA-512 of the content, for signatures made with it.
    public mutating func sha512() -> SHA512Digest? {
        if !hashed512 {
            // Remembered under the same rules as SHA-256 digests: what a
            // signature vouches for is this digest, so the signature, its
            // file and the signer's key are still checked at every launch.
            var usable = false
            if contentFD == fd, let remembered = VerificationCache.lookup512(fd, status, usable: &usable) {
                digest512 = remembered
            } else {
                let remember = usable && VerificationCache.mayRemember(fd, status)
                var hasher = SHA512()
                digest512 = Self.read(contentFD, readBuffer) { hasher.update($0) } ? hasher.finalize() : nil
                if remember, let d = digest512 { VerificationCache.remember512(fd, status, d) }
            }
            hashed512 = true
        }
        return digest512
    }

    /// Feeds the whole content to `body`, chunk by chunk; false on a read error.
    /// Feeds the whole content to `body`, chunk by chunk; false on a read
    /// error. Chunks go through `buffer` when given (the command passes a
    /// large one: fewer system calls), else through 16 KiB of stack (the
    /// launch path may not allocate).
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer?, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        if let buffer { return read(fd, into: buffer, body) }
        var stack = InlineArray<16384, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &stack) { read(fd, into: $0, body) }
    }

    static func read(_ fd: Int32, into b: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        var offset = 0
        while true {
            let n = lwcr_pread(fd, b.baseAddress, b.count, offset)
            if n == -Int(EINTR) { continue }
            if n < 0 { return false }
            if n == 0 { return true }
            body(UnsafeRawBufferPointer(rebasing: b[0..<n]))
            offset += n
        }
    }

    static func hash(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer?) -> SHA256Digest? {
        var hasher = SHA256()
        return read(fd, buffer) { hasher.update($0) } ? hasher.finalize() : nil
    }
}

/// Why a launch is not allowed, as data: the log line and `lwcr check`
/// both render it.
public enum Reason: UInt8 {
    case allowed
    case sha256Mismatch
    case unreadable
    case ownerMismatch
    case pathOwner
    case pathWritable
    case setid
    case never
    case negatedHolds
    case deniedByRule
    case defaultDeny
    case policyError
    /// /proc/self/fd could not name the opened file, so no rule can be matched.
    case unnamed
    case groupMismatch
    case writableMount
    case notImmutable
    case hasCaps
    case notElf
    case notScript
    /// fs-verity is not enabled for the file (or the kernel or filesystem lacks it).
    case noVerity
    case verityMismatch
    /// A fact about the file could not be read (why.errno says why).
    case factUnreadable
    case signatureMissing
    case signedByOther
    case badSignature
    case wrongNamespace
    case unknownSigner
    /// The dynamic loader was given an option lwcr does not know.
    case loaderOption
    /// A sealed rule's copy could not be made (errno in `uid`).
    case sealedCopy
    /// The dynamic loader was given a program by a name without "/".
    case loaderProgramName
    /// The program given to the dynamic loader could not be opened to check it.
    case loaderProgramUnopened
    /// The content cannot be read (execute-only, or an O_PATH descriptor
    /// that cannot be reopened), so its `#!` line or ELF interpreter is unknown.
    case contentUnreadable
    /// A file someone else opens by path after the check (an ELF's
    /// interpreter, a library the launch names) that others than root
    /// could change or swap.
    case notHeldByRoot
    /// A sealed rule for a file the kernel or loader opens by path, so no
    /// sealed copy can be what runs.
    case sealedByPath
    /// A library named with a token the loader expands ($ORIGIN, $LIB,
    /// $PLATFORM), so its path is not the text.
    case libraryToken
    /// A library named by the launch that lwcr cannot open to check
    /// (errno in `errno`), though it is there or may be.
    case libraryUnopened
    /// glibc would start the shell with an environment that no longer
    /// carries lwcr (LD_PRELOAD or LWCR_POLICY removed).
    case environmentScrubbed
}

/// The fact that decided, and what was found.
public struct Finding {
    public var reason: Reason = .allowed
    /// The fact's word as written in the policy.
    public var fact: Bytes = .empty
    /// For trusted-path: the file or directory at fault (a prefix of the path).
    public var at: Bytes = .empty
    /// What was found: a uid (owner, trusted-path), a gid (group=) or an
    /// errno (a fact that could not be read, a sealed copy), by `reason`;
    /// read it through the name that says which.
    var found: UInt32 = 0
    public var uid: UInt32 { get { found } set { found = newValue } }
    public var gid: UInt32 { get { found } set { found = newValue } }
    public var errno: Int32 { get { Int32(bitPattern: found) } set { found = UInt32(bitPattern: newValue) } }

    public init() {}
    init(_ reason: Reason, _ fact: Bytes) {
        self.reason = reason
        self.fact = fact
    }
}

public enum Facts {
    /// Evaluates a `require` rule: true when some alternative has all its
    /// facts true. On failure, `finding` explains the first alternative.
    public static func holds(_ rule: Rule, _ subject: inout Subject, _ finding: inout Finding) -> Bool {
        guard let facts = rule.facts else { return true }
        var group: Int32 = 0
        var firstFailure: Finding?
        while group < rule.groupCount {
            let allowedOwner = owner(rule, group)
            var ok = true
            var i = 0
            while i < Int(rule.factCount) && ok {
                let f = facts[i]
                i += 1
                if f.group != group { continue }
                var why = Finding(.allowed, f.word)
                let value = evaluate(f, allowedOwner, &subject, &why)
                // A fact that could not be evaluated fails, negated or not:
                // an unreadable file must not pass `!sha256=`.
                if value != f.negated && why.reason != .unreadable && why.reason != .factUnreadable { continue }
                ok = false
                if f.negated && why.reason != .unreadable && why.reason != .factUnreadable { why.reason = .negatedHolds }
                if firstFailure == nil { firstFailure = why }
            }
            if ok { return true }
            group += 1
        }
        finding = firstFailure ?? Finding(.never, .empty)
        return false
    }

    /// The `owner=` of an alternative, which `trusted-path` also accepts.
    public static func owner(_ rule: Rule, _ group: Int32) -> UInt32? {
        guard let facts = rule.facts else { return nil }
        var i = 0
        while i < Int(rule.factCount) {
            let f = facts[i]
            if f.group == group && f.kind == .owner && !f.negated { return f.uid }
            i += 1
        }
        return nil
    }

    /// The truth of one fact (before negation); `why` says what was found
    /// when it is false.
    public static func evaluate(_ f: Fact, _ allowedOwner: UInt32?, _ subject: inout Subject, _ why: inout Finding) -> Bool {
        switch f.kind {
        case .always:
            return true
        case .never:
            why.reason = .never
            return false
        case .sha256:
            guard let d = subject.sha256() else {
                why.reason = .unreadable
                return false
            }
            why.reason = .sha256Mismatch
            return d.constantTimeEquals(f.digest.unsafelyUnwrapped)
        case .owner:
            why.reason = .ownerMismatch
            why.uid = subject.status.st_uid
            return subject.status.st_uid == f.uid
        case .noSetid:
            why.reason = .setid
            return subject.status.st_mode & (Mode.setuid | Mode.setgid) == 0
        case .trustedPath:
            return TrustedPath.holds(subject.path, subject.status, allowedOwner, &why)
        case .group:
            why.reason = .groupMismatch
            why.gid = subject.status.st_gid
            return subject.status.st_gid == f.uid
        case .readonlyMount:
            let flags = lwcr_mount_flags(subject.fd)
            if flags < 0 { why.reason = .factUnreadable; why.errno = Int32(-flags); return false }
            why.reason = .writableMount
            return flags & 1 != 0  // ST_RDONLY
        case .immutable:
            let flags = lwcr_inode_flags(subject.fd)
            if flags < 0 { why.reason = .factUnreadable; why.errno = Int32(-flags); return false }
            why.reason = .notImmutable
            return flags & 0x10 != 0  // FS_IMMUTABLE_FL
        case .noCaps:
            let size = lwcr_capability_size(subject.fd)
            why.reason = .hasCaps
            if size >= 0 { return false }
            if size == -Int(ENODATA) || size == -Int(EOPNOTSUPP) { return true }
            why.reason = .factUnreadable
            why.errno = Int32(-size)
            return false
        case .elf:
            guard let magic = subject.firstBytes() else { why.reason = .unreadable; return false }
            why.reason = .notElf
            return magic == 0x464c_457f  // "\x7fELF", little-endian
        case .script:
            guard let magic = subject.firstBytes() else { why.reason = .unreadable; return false }
            why.reason = .notScript
            return magic & 0xffff == 0x2123  // "#!"
        case .fsverity:
            return Verity.matches(subject.fd, f.value, &why)
        case .signedBy:
            return Signatures.verify(f.value, &subject, &why)
        }
    }
}

/// `trusted-path`: the file and every directory above it are owned by root
/// (or by the rule's `owner=` user) and writable by no group or other user.
///
/// Defends against a file that someone without root could replace, directly
/// or by renaming within a directory they can write. The canonical path
/// comes from the open descriptor, so no symlink or `..` leads elsewhere;
/// the directories are examined by that path afterwards, which is sound
/// because a directory that passes can only be changed by its owner.
public enum TrustedPath {
    static func holds(_ path: Bytes, _ status: stat, _ owner: UInt32?, _ why: inout Finding) -> Bool {
        if !trusted(status, owner) {
            fail(status, owner, path, &why)
            return false
        }
        return directoriesHeld(path, owner, &why)
    }

    /// Whether every directory above `path` is owned by root (or `owner`)
    /// and writable by no group or other user: then no one else can put
    /// another file at `path`.
    public static func directoriesHeld(_ path: Bytes, _ owner: UInt32?, _ why: inout Finding) -> Bool {
        Held.ancestors(of: path) { dir, st in
            if trusted(st, owner) { return true }
            fail(st, owner, dir, &why)
            return false
        }
    }

    static func trusted(_ st: stat, _ owner: UInt32?) -> Bool {
        (st.st_uid == 0 || st.st_uid == owner) && st.st_mode & Mode.groupOrOtherWritable == 0
    }

    static func fail(_ st: stat, _ owner: UInt32?, _ at: Bytes, _ why: inout Finding) {
        why.at = at
        why.uid = st.st_uid
        why.reason = (st.st_uid == 0 || st.st_uid == owner) ? .pathWritable : .pathOwner
    }
}

/// st_mode bits (inode(7)); glibc's macros do not import with one type.
enum Mode {
    static let typeMask: UInt32 = 0o170000
    static let directory: UInt32 = 0o040000
    static let regular: UInt32 = 0o100000
    static let symlink: UInt32 = 0o120000
    static let setuid: UInt32 = 0o4000
    static let setgid: UInt32 = 0o2000
    static let groupOrOtherWritable: UInt32 = 0o022
    static let sticky: UInt32 = 0o1000
}
