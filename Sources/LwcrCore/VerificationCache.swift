import CInterpose

/// Remembered SHA-256 digests, so that re-launching an unchanged large
/// pinned file does not hash it again.
///
/// Sound against anyone but root (fapolicyd's cache, keyed on dev/inode/
/// mtime/size, ran a file rewritten in place with its mtime restored):
/// - Entries live in a directory only root can write (SYSCONFDIR-independent
///   /var/cache/lwcr, or LWCR_CACHE), and are used only if that directory
///   and every one above it are root's and writable by no one else; only a
///   process running as root writes them.
/// - An entry holds device, inode, size and the ctime, which no one but
///   root can set: any write to the file, a truncate, a chmod, a rename
///   over it changes one of them, and then the entry is not used.
/// - A file whose ctime is less than two seconds old is not remembered: a
///   write in the same timestamp tick as the hashing could leave the ctime
///   unchanged (the racy-git problem).
/// - Any mismatch means hashing the file again, never an allow.
/// Not a defence against root, who can change the cache, the file and the
/// clock alike.
public enum VerificationCache {
    static let magic: UInt32 = 0x3143_574c  // "LWC1"
    static let entrySize = 4 + 4 + 8 * 5 + 32

    /// Only files on a real block device: anonymous devices (tmpfs,
    /// overlay, FUSE) reuse their numbers after an unmount, and a FUSE
    /// daemon reports whatever inode, size and ctime it likes.
    static func cacheable(_ st: stat) -> Bool {
        let dev = UInt64(st.st_dev)
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))
        return major != 0
    }

    /// The remembered digest of the file `st` describes, if still valid.
    public static func lookup(_ st: stat) -> SHA256Digest? {
        if !cacheable(st) { return nil }
        var name = InlineArray<4200, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &name) { n -> SHA256Digest? in
            guard entryName(st, n) else { return nil }
            let fd = lwcr_open(n.baseAddress!.assumingMemoryBound(to: CChar.self), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            if fd < 0 { return nil }
            defer { _ = lwcr_close(fd) }
            var entry = InlineArray<80, UInt8>(repeating: 0)
            return withUnsafeMutableBytes(of: &entry) { e -> SHA256Digest? in
                var owner = stat()
                if lwcr_fstat(fd, &owner) != 0 || owner.st_uid != 0 || owner.st_mode & Mode.groupOrOtherWritable != 0 { return nil }
                if lwcr_pread(fd, e.baseAddress, entrySize, 0) != entrySize { return nil }
                if e.loadUnaligned(as: UInt32.self) != magic { return nil }
                if e.loadUnaligned(fromByteOffset: 8, as: UInt64.self) != UInt64(st.st_dev)
                    || e.loadUnaligned(fromByteOffset: 16, as: UInt64.self) != UInt64(st.st_ino)
                    || e.loadUnaligned(fromByteOffset: 24, as: Int64.self) != Int64(st.st_size)
                    || e.loadUnaligned(fromByteOffset: 32, as: Int64.self) != Int64(st.st_ctim.tv_sec)
                    || e.loadUnaligned(fromByteOffset: 40, as: Int64.self) != Int64(st.st_ctim.tv_nsec) { return nil }
                return SHA256Digest(raw: UnsafeRawBufferPointer(rebasing: e[48..<80]))
            }
        }
    }

    /// Remembers `digest` for the file `st` describes, when this process is
    /// root and the file's ctime is old enough to be trusted.
    public static func remember(_ st: stat, _ digest: SHA256Digest) {
        if lwcr_geteuid() != 0 || !cacheable(st) { return }
        var now = timespec()
        if lwcr_clock_realtime(&now) != 0 || now.tv_sec - st.st_ctim.tv_sec < 2 { return }
        var name = InlineArray<4200, UInt8>(repeating: 0)
        var temporary = InlineArray<4200, UInt8>(repeating: 0)
        withUnsafeMutableBytes(of: &name) { n in
            withUnsafeMutableBytes(of: &temporary) { t in
                guard entryName(st, n) else { return }
                // A unique temporary name, then rename: readers see whole entries only.
                var m = Message(UnsafeMutableRawBufferPointer(rebasing: t[0..<(t.count - 1)]))
                m.append(Bytes(cString: n.baseAddress!.assumingMemoryBound(to: CChar.self)))
                m.append(".tmp")
                m.append(Int(lwcr_getpid()))
                t[m.count] = 0
                let tmp = t.baseAddress!.assumingMemoryBound(to: CChar.self)
                let fd = lwcr_openat(AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
                if fd < 0 { return }
                var entry = InlineArray<80, UInt8>(repeating: 0)
                let ok = withUnsafeMutableBytes(of: &entry) { e -> Bool in
                    e.storeBytes(of: magic, toByteOffset: 0, as: UInt32.self)
                    e.storeBytes(of: UInt64(st.st_dev), toByteOffset: 8, as: UInt64.self)
                    e.storeBytes(of: UInt64(st.st_ino), toByteOffset: 16, as: UInt64.self)
                    e.storeBytes(of: Int64(st.st_size), toByteOffset: 24, as: Int64.self)
                    e.storeBytes(of: Int64(st.st_ctim.tv_sec), toByteOffset: 32, as: Int64.self)
                    e.storeBytes(of: Int64(st.st_ctim.tv_nsec), toByteOffset: 40, as: Int64.self)
                    digest.withUnsafeBytes { d in
                        UnsafeMutableRawBufferPointer(rebasing: e[48..<80]).copyMemory(from: d)
                    }
                    return lwcr_write(fd, e.baseAddress, entrySize) == entrySize
                }
                _ = lwcr_close(fd)
                if !ok || lwcr_rename(tmp, n.baseAddress!.assumingMemoryBound(to: CChar.self)) != 0 { _ = lwcr_unlink(tmp) }
            }
        }
    }

    /// DIR/<dev>-<ino>, where DIR is trusted (see above); false otherwise.
    static func entryName(_ st: stat, _ out: UnsafeMutableRawBufferPointer) -> Bool {
        let dir = Bytes(cString: lwcr_cache_directory())
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
        if m.count >= out.count - 40 { return false }
        out[m.count] = 0
        return true
    }
}
