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
