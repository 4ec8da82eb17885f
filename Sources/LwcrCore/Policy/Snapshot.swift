import CInterpose

/// A compiled policy layer: the loader's own in-memory form of a layer,
/// written to `DIR/.lwcr-snapshot` by `lwcr compile` and mapped by every
/// process instead of parsing the layer's text.
///
/// Why this format. A layer in memory is plain structs of pointers and
/// numbers in one arena (Policy.swift). The compiler builds that arena at
/// an address it picks at random (`base`), and the file is the arena's
/// bytes behind a header page. A process that maps the file at `base` has
/// the layer with no parsing, no relocation and no private copy: its pages
/// are the page cache's, shared by every process, and a launch reads only
/// the few that its lookup touches (RuleIndex). Java's class-data sharing
/// archives work the same way, for the same reason. Where `base` is taken
/// in a process (a sanitizer's shadow, an unlucky mapping, an old kernel),
/// the file is read into private memory and its pointers are relocated by
/// the table at its end. That is correct, but it costs what parsing costs.
///
/// Why this invalidation. The publisher replaces the file by rename, so a
/// launch opens the old file or the new one, whole. It then sets the old
/// file's `superseded` word through the page cache. Every process that
/// mapped the old file sees the store at its next launch (a load, not a
/// system call) and maps the new one (PolicyState).
///
/// Trust. The file is trusted exactly as far as the layer's text is: the
/// same owner and mode rules, in the directory PolicyLoader.openLayer has
/// checked. The checksum is no defence against anyone who can write the
/// file, since they could write the text too. It keeps a truncated,
/// damaged or hand-edited file from being followed as pointers: such a
/// file denies, with the reason. Checking it reads the whole file, so the
/// verdict is remembered in the verification cache, keyed on the file's
/// identity as digests are. It is no defence against forgery either: one
/// who can write the file (root, or a layer's owner for their own layer)
/// can make it crash or hang their own launches. Owner names (`owner=NAME`)
/// are resolved when the snapshot is compiled.
public enum Snapshot {
    public static let fileName: StaticString = ".lwcr-snapshot"
    public static let temporaryName: StaticString = ".lwcr-snapshot.new"
    public static let lockName: StaticString = ".lwcr-snapshot.lock"
    public static let headerSize = 4096
    /// "LWCRSNAP", little-endian.
    static let magic: UInt64 = 0x5041_4e53_5243_574c
    public static let version: UInt32 = 1

    // Header fields, by offset. The live word has a cache line of its own.
    static let magicAt = 0, versionAt = 8, layoutAt = 12, baseAt = 16, imageAt = 24
    static let relocationsAt = 32, generationAt = 40, sourceAt = 64, checksumAt = 96
    public static let liveAt = 128

    /// The structures' layout: the build's fingerprint of their sources
    /// (Makefile) and their sizes, so a snapshot is read only by the build
    /// that could have written it.
    public static var layout: UInt32 {
        // No array literal: this runs on the launch path, which may not allocate.
        var h: UInt32 = 2_166_136_261 ^ lwcr_snapshot_layout()
        h = mix(h, MemoryLayout<Layer>.stride); h = mix(h, MemoryLayout<Rule>.stride); h = mix(h, MemoryLayout<Fact>.stride)
        h = mix(h, MemoryLayout<Signer>.stride); h = mix(h, MemoryLayout<Bytes>.stride); h = mix(h, MemoryLayout<RuleIndex>.stride)
        h = mix(h, MemoryLayout<Location>.stride); h = mix(h, MemoryLayout<SHA256Digest?>.stride)
        h = mix(h, MemoryLayout<Compiled?>.stride)
        return h
    }

    static func mix(_ h: UInt32, _ n: Int) -> UInt32 { (h ^ UInt32(truncatingIfNeeded: n)) &* 16_777_619 }

    /// What a header says, once it is known to describe a file of its size.
    public struct Header {
        public var base: UInt
        public var image: Int
        public var relocations: Int
        public var generation: UInt64
        public var source: SHA256Digest
        public var checksum: SHA256Digest
    }

    /// Whether `h` begins a snapshot that another build of lwcr wrote (its
    /// policy structures differ). Launches read such a directory's text,
    /// as if it had no snapshot: an upgrade installs the library before its
    /// package compiles the policy again, and a daemon of the old version
    /// finds the new version's snapshot. The text is what the snapshot was
    /// compiled from, as trusted as the snapshot is, so nothing is opened;
    /// only edits not yet compiled take effect early.
    public static func writtenByAnotherVersion(_ h: UnsafeRawBufferPointer) -> Bool {
        h.count >= headerSize && h.loadUnaligned(fromByteOffset: magicAt, as: UInt64.self) == magic
            && (h.loadUnaligned(fromByteOffset: versionAt, as: UInt32.self) != version
                || h.loadUnaligned(fromByteOffset: layoutAt, as: UInt32.self) != layout)
    }

    /// Reads and checks the header of a snapshot of `fileSize` bytes.
    public static func header(_ h: UnsafeRawBufferPointer, fileSize: Int, _ here: Location) throws(PolicyError) -> Header {
        if fileSize < headerSize || h.count < headerSize {
            throw PolicyError(here, "compiled snapshot is truncated (run lwcr compile)")
        }
        if h.loadUnaligned(fromByteOffset: magicAt, as: UInt64.self) != magic {
            throw PolicyError(here, "not a compiled lwcr snapshot (run lwcr compile)")
        }
        if h.loadUnaligned(fromByteOffset: versionAt, as: UInt32.self) != version
            || h.loadUnaligned(fromByteOffset: layoutAt, as: UInt32.self) != layout {
            throw PolicyError(here, "compiled snapshot was written by another version of lwcr (run lwcr compile)")
        }
        let base = h.loadUnaligned(fromByteOffset: baseAt, as: UInt64.self)
        let image = h.loadUnaligned(fromByteOffset: imageAt, as: UInt64.self)
        let relocations = h.loadUnaligned(fromByteOffset: relocationsAt, as: UInt64.self)
        let size = UInt64(fileSize)
        // Each bound before the arithmetic that relies on it: no overflow.
        if base == 0 || base & 4095 != 0 || base >= 1 << 56 || image & 7 != 0
            || image < UInt64(MemoryLayout<Layer>.stride) || image > size || relocations > size / 8
            || UInt64(headerSize) + image + 8 * relocations != size {
            throw PolicyError(here, "compiled snapshot is truncated or damaged (its size disagrees with its header: run lwcr compile)")
        }
        return Header(base: UInt(base), image: Int(image), relocations: Int(relocations),
                      generation: h.loadUnaligned(fromByteOffset: generationAt, as: UInt64.self),
                      source: SHA256Digest(raw: UnsafeRawBufferPointer(rebasing: h[sourceAt..<(sourceAt + 32)])),
                      checksum: SHA256Digest(raw: UnsafeRawBufferPointer(rebasing: h[checksumAt..<(checksumAt + 32)])))
    }

    /// SHA-256 of the whole file but its checksum and its live word.
    public static func checksum(_ file: UnsafeRawBufferPointer) -> SHA256Digest {
        var h = SHA256()
        h.update(UnsafeRawBufferPointer(rebasing: file[0..<checksumAt]))
        h.update(UnsafeRawBufferPointer(rebasing: file[(checksumAt + 32)..<liveAt]))
        h.update(UnsafeRawBufferPointer(rebasing: file[(liveAt + 4)..<file.count]))
        return h.finalize()
    }

    /// The layer in a whole snapshot file held in `file`: checked, and
    /// relocated to where `file` is unless it is at the header's `base`.
    /// `verified`: the checksum is already known to hold (the cache).
    /// Everything but a good snapshot of `directory` throws; nothing is
    /// followed before the checksum has vouched for it.
    /// `live`: a superseded file is an error too (a file read whole; a
    /// mapped one is watched instead, see open).
    public static func adopt(_ file: UnsafeMutableRawBufferPointer, directory: Bytes, verified: Bool, live: Bool = true,
                             _ here: Location) throws(PolicyError) -> (Layer, Header) {
        let h = try header(UnsafeRawBufferPointer(file), fileSize: file.count, here)
        if !verified && !checksum(UnsafeRawBufferPointer(file)).constantTimeEquals(h.checksum) {
            throw PolicyError(here, "compiled snapshot is damaged (its checksum does not match: run lwcr compile)")
        }
        if live && file.load(fromByteOffset: liveAt, as: UInt32.self) != 0 {
            throw PolicyError(here, "compiled snapshot was superseded but is still in place (run lwcr compile)")
        }
        let at = UInt(bitPattern: file.baseAddress)
        if at != h.base {
            let image = UnsafeMutableRawBufferPointer(rebasing: file[headerSize..<(headerSize + h.image)])
            let low = h.base + UInt(headerSize)
            let high = low + UInt(h.image)
            var r = 0
            while r < h.relocations {
                let offset = file.loadUnaligned(fromByteOffset: headerSize + h.image + 8 * r, as: UInt64.self)
                if offset & 7 != 0 || offset > UInt64(h.image - 8) {
                    throw PolicyError(here, "compiled snapshot is damaged (a relocation lies outside it: run lwcr compile)")
                }
                let word = image.load(fromByteOffset: Int(offset), as: UInt.self)
                if word < low || word > high {
                    throw PolicyError(here, "compiled snapshot is damaged (a pointer lies outside it: run lwcr compile)")
                }
                image.storeBytes(of: word - h.base + at, toByteOffset: Int(offset), as: UInt.self)
                r += 1
            }
        }
        var layer = (file.baseAddress! + headerSize).load(as: Layer.self)
        if !DirectoryName.same(layer.directory, directory) {
            // No detail: it would point into a mapping that is unmapped before the error is shown.
            throw PolicyError(here, "compiled snapshot is of another directory (copied? run lwcr compile here)")
        }
        layer.compiled = nil
        layer.passedOver = nil
        return (layer, h)
    }

    /// The compiled snapshot of the layer open on `dirfd`, mapped; nil when
    /// the directory has none, or one another version of lwcr wrote (its
    /// text is then parsed: writtenByAnotherVersion). A file superseded
    /// between its opening and its mapping has a successor in its place
    /// already (the publisher renames first): that one is opened instead.
    /// `passedOver`: the watch on a snapshot another version wrote.
    public static func open(_ dirfd: Int32, _ trust: Trust, _ arena: inout Arena,
                            passedOver: inout Compiled?) throws(PolicyError) -> Layer? {
        var attempt = 0
        while true {
            guard let layer = try openOnce(dirfd, trust, &arena, &passedOver) else { return nil }
            attempt += 1
            guard let c = layer.compiled, c.superseded else { return layer }
            release(c)
            // Still superseded after three successors: not a race but a
            // file put back (a hard-link backup restored): deny with the
            // reason rather than reload at every launch.
            if attempt == 3 {
                throw PolicyError(Location(file: try PolicyLoader.join(trust.directory, Bytes(fileName), &arena), line: 0),
                                  "compiled snapshot was superseded but is still in place (run lwcr compile)")
            }
        }
    }

    static func openOnce(_ dirfd: Int32, _ trust: Trust, _ arena: inout Arena,
                         _ passedOver: inout Compiled?) throws(PolicyError) -> Layer? {
        let fd = lwcr_openat(dirfd, cString(fileName), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0)
        if fd == -ENOENT { return nil }
        let here = Location(file: try PolicyLoader.join(trust.directory, Bytes(fileName), &arena), line: 0)
        if fd == -ELOOP { throw PolicyError(here, "compiled snapshot is a symbolic link (run lwcr compile)") }
        if fd < 0 { throw PolicyError(here, "cannot open compiled snapshot", code: -fd) }
        defer { _ = lwcr_close(fd) }
        var st = stat()
        if lwcr_fstat(fd, &st) != 0 { throw PolicyError(here, "cannot read compiled snapshot") }
        if st.st_mode & Mode.typeMask != Mode.regular { throw PolicyError(here, "compiled snapshot is not a regular file") }
        if st.st_uid != 0 && st.st_uid != trust.owner {
            throw PolicyError(here, "untrusted policy: the compiled snapshot is owned by neither root nor the user launching")
        }
        if st.st_mode & Mode.groupOrOtherWritable != 0 {
            throw PolicyError(here, "untrusted policy: the compiled snapshot is writable by group or others")
        }
        let size = Int(st.st_size)
        var first = InlineArray<4096, UInt8>(repeating: 0)
        let read = withUnsafeMutableBytes(of: &first) { b in
            size < headerSize ? 0 : lwcr_pread(fd, b.baseAddress, headerSize, 0)
        }
        let h = try withUnsafeBytes(of: &first) { (b: UnsafeRawBufferPointer) throws(PolicyError) -> Header? in
            let got = UnsafeRawBufferPointer(rebasing: b[0..<(read == headerSize ? headerSize : 0)])
            if writtenByAnotherVersion(got) { return nil }
            return try header(got, fileSize: size, here)
        }
        guard let h else {
            // Watched as a snapshot of ours is: its live word, its name.
            var mark = Compiled(generation: 0, mapping: nil, size: 0, watch: lwcr_mmap(headerSize, PROT_READ, MAP_SHARED, fd, 0))
            mark.live = mark.watch.map { UnsafePointer($0.advanced(by: liveAt).assumingMemoryBound(to: UInt32.self)) }
            name(&mark, here, st)
            passedOver = mark
            return nil
        }
        var usable = false
        let remembered = VerificationCache.lookup(fd, st, usable: &usable, kind: .snapshot)
        let verified = remembered.map { $0.constantTimeEquals(h.checksum) } ?? false
        let remember = !verified && usable && VerificationCache.mayRemember(fd, st, kind: .snapshot)
        let wanted = UnsafeMutableRawPointer(bitPattern: h.base)
        var layer: Layer
        var mark = Compiled(generation: h.generation, mapping: nil, size: size, watch: nil)
        let mapped = lwcr_mmap_at(wanted, size, PROT_READ, MAP_SHARED, fd, 0)
        if let at = mapped, at == wanted {
            mark.mapping = at
            do throws(PolicyError) {
                layer = try adopt(UnsafeMutableRawBufferPointer(start: at, count: size), directory: trust.directory,
                                  verified: verified, live: false, here).0
            } catch {
                _ = lwcr_munmap(at, size)
                throw error
            }
        } else {
            // A kernel before 4.17 ignores MAP_FIXED_NOREPLACE and may map elsewhere.
            if let elsewhere = mapped { _ = lwcr_munmap(elsewhere, size) }
            // Private and relocated; the live word is watched through a
            // shared mapping of the header page.
            guard let copy = lwcr_mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) else {
                throw PolicyError(here, "cannot map memory for the compiled snapshot")
            }
            var got = 0
            while got < size {
                let n = lwcr_pread(fd, copy + got, size - got, got)
                if n == -Int(EINTR) { continue }
                if n <= 0 { break }
                got += n
            }
            let watch = lwcr_mmap(headerSize, PROT_READ, MAP_SHARED, fd, 0)
            do throws(PolicyError) {
                if got != size { throw PolicyError(here, "compiled snapshot cannot be read whole") }
                guard watch != nil else { throw PolicyError(here, "cannot map the compiled snapshot") }
                layer = try adopt(UnsafeMutableRawBufferPointer(start: copy, count: size), directory: trust.directory,
                                  verified: verified, live: false, here).0
            } catch {
                _ = lwcr_munmap(copy, size)
                if let watch { _ = lwcr_munmap(watch, headerSize) }
                throw error
            }
            _ = lwcr_mprotect(copy, size, PROT_READ)
            mark.mapping = copy
            mark.watch = watch
        }
        if remember { VerificationCache.remember(fd, st, h.checksum, kind: .snapshot) }
        mark.live = UnsafePointer((mark.watch ?? mark.mapping!).advanced(by: liveAt).assumingMemoryBound(to: UInt32.self))
        name(&mark, here, st)
        layer.compiled = mark
        return layer
    }

    /// The name a mark watches, the file it led to, and the root it was seen from.
    static func name(_ mark: inout Compiled, _ here: Location, _ st: stat) {
        mark.path = UnsafeRawPointer(here.file.base!).assumingMemoryBound(to: CChar.self)
        mark.device = UInt64(st.st_dev)
        mark.inode = UInt64(st.st_ino)
        var root = stat()
        if lwcr_fstatat(AT_FDCWD, cString("/"), &root, 0) == 0 {
            mark.rootDevice = UInt64(root.st_dev)
            mark.rootInode = UInt64(root.st_ino)
        }
    }

    /// Unmaps what `open` mapped for a layer that is not (or no longer) in use.
    public static func release(_ mark: Compiled) {
        if let m = mark.mapping { _ = lwcr_munmap(m, mark.size) }
        if let w = mark.watch { _ = lwcr_munmap(w, headerSize) }
    }
}

/// Where a layer read from a compiled snapshot lives, and the word that
/// says it has been superseded.
public struct Compiled {
    public var generation: UInt64
    public var mapping: UnsafeMutableRawPointer?
    public var size: Int
    /// The shared header page of a relocated copy.
    public var watch: UnsafeMutableRawPointer?
    public var live: UnsafePointer<UInt32>? = nil
    /// Read into a private copy, its address being taken in this process.
    public var relocated: Bool { watch != nil }
    /// The snapshot's full name, and the file it named when it was mapped.
    public var path: UnsafePointer<CChar>? = nil
    public var device: UInt64 = 0
    public var inode: UInt64 = 0
    /// The process's root directory when the snapshot was mapped: after a
    /// chroot the name means a file of the new root, which may be anyone's
    /// image, not a successor.
    public var rootDevice: UInt64 = 0
    public var rootInode: UInt64 = 0

    /// A newer snapshot is in force: the publisher set the live word, or
    /// the name now leads to another file. The word reaches a process that
    /// chrooted since; the name catches what the word cannot: a directory
    /// swapped for a copy, a snapshot removed before a compile, a compile
    /// killed after its rename, an overlayfs copy-up taking the word away
    /// from the lower file that processes map. One stat per launch; a name
    /// that leads nowhere (removed, or not visible after a chroot) leaves
    /// the snapshot in force, and so does a process whose root directory
    /// has changed (chroot): only the word reaches it.
    public var superseded: Bool {
        if let live, lwcr_atomic_load_u32(live) != 0 { return true }
        guard let path else { return false }
        var st = stat()
        if lwcr_fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) != 0 { return false }
        if UInt64(st.st_dev) == device && UInt64(st.st_ino) == inode { return false }
        var root = stat()
        return lwcr_fstatat(AT_FDCWD, cString("/"), &root, 0) == 0
            && UInt64(root.st_dev) == rootDevice && UInt64(root.st_ino) == rootInode
    }
}
