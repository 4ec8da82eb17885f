import CInterpose

/// Remembered SHA-256 digests, so that re-launching an unchanged large
/// pinned file does not hash it again.
///
/// A remembered digest vouches for content no one hashed again, so it is
/// kept only where no one but root can have changed the content since it
/// was hashed, and used only while the file is provably the same one:
/// - Only a process running as root writes entries, into a directory only
///   root can write (/var/cache/lwcr, or LWCR_CACHE outside secure-execution
///   mode); entries are read only if that directory and every one above it
///   are root's and writable by no one else.
/// - Only files owned by root and writable by no group or other user are
///   remembered (with a POSIX ACL, the group bits are the ACL's mask, so a
///   named user's write access shows there too).
/// - Only when no one has the file open for writing as it is hashed: a
///   writer that opened it before it became root's, and holds a writable
///   shared mapping whose pages are already dirty, could change the
///   content without the ctime changing (the timestamp moves on a write
///   fault, which a dirty page does not take). The kernel says whether
///   writers exist by refusing a read lease (lwcr_no_writers); after that,
///   only root can open the file for writing, and any later write, truncate,
///   chmod, chown, setcap, link or rename changes the ctime or the inode.
/// - A file whose ctime is less than two seconds old is not remembered: a
///   write in the same timestamp tick as the hashing could leave the ctime
///   unchanged (the racy-git problem).
/// - An entry names the filesystem instance, not just the device number:
///   the boot (boot_id) and the mount (the 64-bit mount ID that is never
///   reused until reboot, Linux 6.8+; without it nothing is remembered). A
///   device reused for another image (a loop device, a USB stick) after an
///   unmount is another mount, so its inode numbers and ctimes, which
///   anyone who builds an image chooses, match no entry. Reboots and
///   remounts start afresh.
/// - Only files on real block devices whose content only root can reach:
///   not anonymous devices (tmpfs, overlay, FUSE: a FUSE daemon reports
///   whatever inode, size and ctime it likes), not loop or network block
///   devices (their backing file or server may be someone else's, who
///   could change blocks under the mount), not removable media.
/// - Any mismatch means hashing the file again, never an allow.
/// Not a defence against root, who can change the cache, the file and the
/// clock alike, nor against a device-mapper or md device that root stacked
/// on someone else's storage.
public enum VerificationCache {
    /// What an entry vouches for: a file's SHA-256 digest, its SHA-512
    /// digest (what an SSH signature made with sha512 signs), or that a
    /// compiled policy snapshot's checksum holds (Snapshot). A snapshot is
    /// trusted by its ownership, whatever the device: its entry only saves
    /// re-reading it, so any filesystem with unique mount IDs will do.
    /// `signature`: a verdict (Signatures), keyed on the signed file.
    public enum Kind { case digest, sha512, snapshot, signature }

    static func digestSize(_ kind: Kind) -> Int {
        switch kind {
        case .digest, .snapshot: return 32
        case .sha512: return 64
        case .signature: return Signatures.verdictSize
        }
    }

    static let magic: UInt32 = 0x3243_574c  // "LWC2"
    // An entry: the identity below, then digestSize(kind) bytes, 176 at
    // most (the 192-byte buffers that read and write entries).
    static let bootIDOffset = 56
    static let bootIDSize = 40
    static let digestOffset = 96

    /// Not an anonymous device (tmpfs, overlay, FUSE): a real major number.
    static func cacheable(_ st: stat) -> Bool { device(st).major != 0 }

    /// The major and minor numbers of the file's device (glibc's encoding).
    static func device(_ st: stat) -> (major: UInt64, minor: UInt64) {
        let dev = UInt64(st.st_dev)
        return (((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)), (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))
    }

    /// What an entry is keyed on beyond the inode: the boot and the mount.
    struct Instance {
        var mountID: UInt64 = 0
        var bootID = InlineArray<40, UInt8>(repeating: 0)
    }

    static func instance(_ fd: Int32) -> Instance? {
        var i = Instance()
        if lwcr_unique_mount_id(fd, &i.mountID) != 0 { return nil }
        let boot = lwcr_open(cString("/proc/sys/kernel/random/boot_id"), O_RDONLY | O_CLOEXEC)
        if boot < 0 { return nil }
        defer { _ = lwcr_close(boot) }
        let n = withUnsafeMutableBytes(of: &i.bootID) { lwcr_pread(boot, $0.baseAddress, 36, 0) }
        return n == 36 ? i : nil
    }

    /// Only root could have changed the file since it was made what it is.
    /// Also asked of a signature file, whose bytes a verdict rests on.
    static func rootsAlone(_ st: stat, _ kind: Kind) -> Bool {
        st.st_uid == 0 && st.st_mode & Mode.groupOrOtherWritable == 0 && (kind == .snapshot || cacheable(st))
    }

    /// The remembered digest of the file open on `fd`, which `st`
    /// describes, if still valid; `usable`: whether the cache could hold
    /// one for it at all (a trusted directory, a file only root can change),
    /// so that a miss is worth asking mayRemember.
    public static func lookup(_ fd: Int32, _ st: stat, usable: inout Bool, kind: Kind = .digest) -> SHA256Digest? {
        var d = InlineArray<32, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &d) { b -> SHA256Digest? in
            lookup(fd, st, usable: &usable, kind: kind, into: b) ? SHA256Digest(raw: UnsafeRawBufferPointer(b)) : nil
        }
    }

    /// The remembered SHA-512 digest, as `lookup`.
    public static func lookup512(_ fd: Int32, _ st: stat, usable: inout Bool) -> SHA512Digest? {
        var d = InlineArray<64, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &d) { b -> SHA512Digest? in
            lookup(fd, st, usable: &usable, kind: .sha512, into: b) ? SHA512Digest(raw: UnsafeRawBufferPointer(b)) : nil
        }
    }

    /// Copies the remembered digest (digestSize(kind) bytes) into `out`.
    static func lookup(_ fd: Int32, _ st: stat, usable: inout Bool, kind: Kind, into out: UnsafeMutableRawBufferPointer) -> Bool {
        usable = false
        if !rootsAlone(st, kind) { return false }
        let size = digestOffset + digestSize(kind)
        var name = InlineArray<4200, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &name) { n -> Bool in
            guard entryName(st, n, kind) else { return false }
            usable = true
            let entryFD = lwcr_open(n.baseAddress!.assumingMemoryBound(to: CChar.self), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            if entryFD < 0 { return false }
            defer { _ = lwcr_close(entryFD) }
            guard var here = instance(fd) else { return false }
            var entry = InlineArray<192, UInt8>(repeating: 0)
            return withUnsafeMutableBytes(of: &entry) { e -> Bool in
                var owner = stat()
                if lwcr_fstat(entryFD, &owner) != 0 || owner.st_uid != 0 || owner.st_mode & Mode.groupOrOtherWritable != 0
                    || owner.st_mode & Mode.typeMask != Mode.regular { return false }
                if lwcr_pread(entryFD, e.baseAddress, size, 0) != size { return false }
                if e.loadUnaligned(as: UInt32.self) != magic { return false }
                if e.loadUnaligned(fromByteOffset: 8, as: UInt64.self) != UInt64(st.st_dev)
                    || e.loadUnaligned(fromByteOffset: 16, as: UInt64.self) != UInt64(st.st_ino)
                    || e.loadUnaligned(fromByteOffset: 24, as: Int64.self) != Int64(st.st_size)
                    || e.loadUnaligned(fromByteOffset: 32, as: Int64.self) != Int64(st.st_ctim.tv_sec)
                    || e.loadUnaligned(fromByteOffset: 40, as: Int64.self) != Int64(st.st_ctim.tv_nsec)
                    || e.loadUnaligned(fromByteOffset: 48, as: UInt64.self) != here.mountID { return false }
                let sameBoot = withUnsafeBytes(of: &here.bootID) { b -> Bool in
                    var i = 0
                    while i < bootIDSize { if b[i] != e[bootIDOffset + i] { return false }; i += 1 }
                    return true
                }
                if !sameBoot { return false }
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: e[digestOffset..<size]))
                return true
            }
        }
    }

    /// Whether a digest of the file open on `fd` may be remembered once it
    /// is hashed: asked *before* hashing, since the content must not change
    /// from the moment writers are known to be gone. Root only.
    public static func mayRemember(_ fd: Int32, _ st: stat, kind: Kind = .digest) -> Bool {
        if lwcr_geteuid() != 0 || !rootsAlone(st, kind) { return false }
        var now = timespec()
        if lwcr_clock_realtime(&now) != 0 || now.tv_sec - st.st_ctim.tv_sec < 2 { return false }
        if kind != .snapshot && !ownDevice(st) { return false }
        return lwcr_no_writers(fd)
    }

    /// Not a loop or network block device, nor removable (sysfs says; a
    /// device it cannot tell about is not trusted).
    static func ownDevice(_ st: stat) -> Bool {
        let (major, minor) = device(st)
        if major == 7 || major == 43 { return false }
        var path = InlineArray<96, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &path) { p -> Bool in
            // The device's own flag, and its disk's when it is a partition.
            var k = 0
            while k < 2 {
                var m = Message(UnsafeMutableRawBufferPointer(rebasing: p[0..<(p.count - 1)]))
                m.append("/sys/dev/block/")
                m.append(major)
                m.append(":")
                m.append(minor)
                m.append(k == 0 ? "/removable" : "/../removable")
                p[m.count] = 0
                let fd = lwcr_open(p.baseAddress!.assumingMemoryBound(to: CChar.self), O_RDONLY | O_CLOEXEC)
                if fd < 0 {
                    // A whole disk has no "../removable"; the device itself must answer.
                    if k == 0 { return false }
                } else {
                    var flag: UInt8 = 0
                    let n = withUnsafeMutableBytes(of: &flag) { lwcr_pread(fd, $0.baseAddress, 1, 0) }
                    _ = lwcr_close(fd)
                    if n != 1 || flag != UInt8(ascii: "0") { return false }
                }
                k += 1
            }
            return true
        }
    }

    /// Remembers `digest` for the file open on `fd`, which `st` described
    /// when mayRemember said yes before it was hashed; nothing if its
    /// status has changed since.
    public static func remember(_ fd: Int32, _ st: stat, _ digest: SHA256Digest, kind: Kind = .digest) {
        var d = digest
        withUnsafeBytes(of: &d) { remember(fd, st, kind: kind, $0) }
    }

    public static func remember512(_ fd: Int32, _ st: stat, _ digest: SHA512Digest) {
        digest.withUnsafeBytes { remember(fd, st, kind: .sha512, $0) }
    }

    static func remember(_ fd: Int32, _ st: stat, kind: Kind, _ digest: UnsafeRawBufferPointer) {
        var now = stat()
        if lwcr_fstat(fd, &now) != 0 || now.st_ctim.tv_sec != st.st_ctim.tv_sec || now.st_ctim.tv_nsec != st.st_ctim.tv_nsec
            || now.st_size != st.st_size { return }
        guard var here = instance(fd) else { return }
        let size = digestOffset + digestSize(kind)
        var name = InlineArray<4200, UInt8>(repeating: 0)
        var temporary = InlineArray<4200, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &name) { n in
            withUnsafeMutableBytes(of: &temporary) { t in
                guard entryName(st, n, kind) else { return }
                // A unique temporary name, then rename: readers see whole entries only.
                var m = Message(UnsafeMutableRawBufferPointer(rebasing: t[0..<(t.count - 1)]))
                m.append(Bytes(cString: n.baseAddress!.assumingMemoryBound(to: CChar.self)))
                m.append(".tmp")
                m.append(Int(lwcr_getpid()))
                t[m.count] = 0
                let tmp = t.baseAddress!.assumingMemoryBound(to: CChar.self)
                let entryFD = lwcr_openat(AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
                if entryFD < 0 { return }
                var entry = InlineArray<192, UInt8>(repeating: 0)
                let ok = withUnsafeMutableBytes(of: &entry) { e -> Bool in
                    e.storeBytes(of: magic, toByteOffset: 0, as: UInt32.self)
                    e.storeBytes(of: UInt64(st.st_dev), toByteOffset: 8, as: UInt64.self)
                    e.storeBytes(of: UInt64(st.st_ino), toByteOffset: 16, as: UInt64.self)
                    e.storeBytes(of: Int64(st.st_size), toByteOffset: 24, as: Int64.self)
                    e.storeBytes(of: Int64(st.st_ctim.tv_sec), toByteOffset: 32, as: Int64.self)
                    e.storeBytes(of: Int64(st.st_ctim.tv_nsec), toByteOffset: 40, as: Int64.self)
                    e.storeBytes(of: here.mountID, toByteOffset: 48, as: UInt64.self)
                    withUnsafeBytes(of: &here.bootID) { b in
                        UnsafeMutableRawBufferPointer(rebasing: e[bootIDOffset..<(bootIDOffset + bootIDSize)]).copyMemory(from: b)
                    }
                    UnsafeMutableRawBufferPointer(rebasing: e[digestOffset..<size]).copyMemory(from: digest)
                    // No SIGXFSZ from the caller's file-size limit.
                    return lwcr_write_unsignalled(entryFD, e.baseAddress, size) == size
                }
                _ = lwcr_close(entryFD)
                if !ok || lwcr_rename(tmp, n.baseAddress!.assumingMemoryBound(to: CChar.self)) != 0 { _ = lwcr_unlink(tmp) }
            }
        }
    }

    /// LWCR_CACHE, or the built-in directory; never LWCR_CACHE in
    /// secure-execution mode, where the environment is the caller's. Trusted
    /// only if it passes entryName's checks, whoever named it. (getenv only
    /// reads environ: no lock, no allocation.)
    static var directory: Bytes {
        if !lwcr_secure_execution(), let e = getenv(cString("LWCR_CACHE")), e[0] != 0 { return Bytes(cString: e) }
        return Bytes(cString: lwcr_cache_builtin())
    }

    /// DIR/<dev>-<ino> (and .sha512, .signature, .snapshot after it), where DIR is trusted (see above); false otherwise.
    static func entryName(_ st: stat, _ out: UnsafeMutableRawBufferPointer, _ kind: Kind) -> Bool {
        let dir = directory
        if dir.isEmpty || dir[0] != UInt8(ascii: "/") { return false }
        var d = stat()
        if withPath(dir, { lwcr_fstatat(AT_FDCWD, $0, &d, AT_SYMLINK_NOFOLLOW) }) != 0 { return false }
        if d.st_uid != 0 || d.st_mode & Mode.groupOrOtherWritable != 0 || d.st_mode & Mode.typeMask != Mode.directory { return false }
        if !Held.byUs(dir, uid: 0) { return false }
        var m = Message(UnsafeMutableRawBufferPointer(rebasing: out[0..<(out.count - 1)]))
        m.append(dir)
        m.append("/")
        m.append(UInt64(st.st_dev))
        m.append("-")
        m.append(UInt64(st.st_ino))
        if kind == .snapshot { m.append(".snapshot") }
        if kind == .sha512 { m.append(".sha512") }
        if kind == .signature { m.append(".signature") }
        if m.count >= out.count - 40 { return false }
        out[m.count] = 0
        return true
    }
}
