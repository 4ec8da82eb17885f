import CInterpose

/// What a compiled snapshot file says of itself, read without trusting it:
/// its generation, whether it was superseded, whether another version of
/// lwcr wrote it. For the verbs that report (status, lint); a launch
/// trusts a snapshot only through Snapshot.open.
struct SnapshotHeader {
    var generation: UInt64
    var superseded: Bool
    var otherVersion: Bool

    /// Nil when the file open on `fd` is not a snapshot.
    static func read(_ fd: Int32) -> SnapshotHeader? {
        var first = InlineArray<4096, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &first) { b -> SnapshotHeader? in
            guard lwcr_pread(fd, b.baseAddress, Snapshot.headerSize, 0) == Snapshot.headerSize else { return nil }
            let h = UnsafeRawBufferPointer(b)
            guard h.loadUnaligned(fromByteOffset: Snapshot.magicAt, as: UInt64.self) == Snapshot.magic else { return nil }
            return SnapshotHeader(generation: h.loadUnaligned(fromByteOffset: Snapshot.generationAt, as: UInt64.self),
                                  superseded: h.loadUnaligned(fromByteOffset: Snapshot.liveAt, as: UInt32.self) != 0,
                                  otherVersion: Snapshot.writtenByAnotherVersion(h))
        }
    }

    /// The header of DIR/.lwcr-snapshot, opened through no symlink.
    static func of(directory: Bytes) -> SnapshotHeader? {
        var path = [UInt8](directory)
        path.append(UInt8(ascii: "/"))
        path.append(contentsOf: [UInt8](Bytes(Snapshot.fileName)))
        let fd = path.withCString { NoLinks.open(AT_FDCWD, $0, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) }
        if fd < 0 { return nil }
        defer { _ = lwcr_close(fd) }
        return read(fd)
    }
}

/// Whether a file named like a snapshot is one the library would use:
/// checked as the library checks it (header, size, checksum, the
/// directory it was compiled for), on a private copy, for root's files.
/// For lwcr status, which must not call "in force" what a launch would refuse.
enum SnapshotCheck {
    static let limit = 1 << 30

    /// Nil when the library would adopt it; else why not.
    static func refusal(_ fd: Int32, _ path: [UInt8]) -> [UInt8]? {
        var st = stat()
        if lwcr_fstat(fd, &st) != 0 { return [UInt8](Bytes("cannot be read")) }
        // Another user's file could be crafted to hold a good checksum and
        // lead the check astray: only root's files are followed here.
        if st.st_uid != 0 || st.st_mode & Mode.groupOrOtherWritable != 0 {
            var m = [UInt8](Bytes("uid "))
            m.append(contentsOf: ProcessView.decimal(UInt64(st.st_uid)))
            m.append(contentsOf: [UInt8](Bytes("'s or writable by others: the library uses such a file only in that user's own layer; not checked here")))
            return m
        }
        let size = Int(st.st_size)
        if size > limit { return [UInt8](Bytes("larger than 1 GiB: not checked")) }
        if size < Snapshot.headerSize { return [UInt8](Bytes("truncated")) }
        guard let copy = lwcr_mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) else {
            return [UInt8](Bytes("cannot be mapped to check it"))
        }
        defer { _ = lwcr_munmap(copy, size) }
        var dir = path
        while let last = dir.last, last != UInt8(ascii: "/") { dir.removeLast() }
        if dir.count > 1 { dir.removeLast() }
        return dir.withBytes { d -> [UInt8]? in
            do throws(PolicyError) {
                _ = try Snapshot.adopt(UnsafeMutableRawBufferPointer(start: copy, count: size), directory: d,
                                       verified: false, live: false, .none)
                return nil
            } catch {
                return [UInt8](Bytes(error.message))
            }
        }
    }
}
