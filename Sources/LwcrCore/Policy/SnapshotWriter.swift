import CInterpose

/// Building a compiled snapshot (`lwcr compile`; the format is Snapshot's):
/// the layer's text parsed into an arena at a random address, which then
/// is the file's image, followed by the offsets of its pointers.
public enum SnapshotWriter {
    /// Room for a layer far larger than a launch may parse (64 MiB), mapped
    /// lazily: only what the layer fills is ever committed.
    public static let capacity = 1 << 30

    /// A built snapshot: the whole file, in memory at its base.
    public struct Built {
        public var file: UnsafeMutableRawPointer
        public var size: Int
        public var layer: Layer

        public var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: file, count: size) }
    }

    /// Parses the layer at `dir` and lays it out as a snapshot (generation
    /// and checksum still to be set by `seal`).
    ///
    /// The pointers are found by their values: every aligned word of the
    /// image that points into it. A number that merely looks like such a
    /// pointer would be "relocated" by a process that reads the snapshot
    /// elsewhere, so the layer is built twice, at two random addresses:
    /// a real pointer moves with the base, a number does not, and the two
    /// tables must be the same.
    ///
    /// A first parse, thrown away, measures what the text fills, so that
    /// the two that count have no room to spare (the parser's bounds are
    /// a rule per line and a fact per word).
    /// A text edited while it is compiled is compiled again, twice at most.
    public static func build(_ dir: Bytes, owner: UInt32) throws(PolicyError) -> Built {
        var attempt = 0
        while attempt < 3 {
            attempt += 1
            if let built = try buildChecked(dir, owner: owner) { return built }
        }
        throw PolicyError(Location(file: dir, line: 0), "the policy kept changing while it was compiled, or a number in it looks like an address (compile again)")
    }

    /// nil when the two builds disagree.
    static func buildChecked(_ dir: Bytes, owner: UInt32) throws(PolicyError) -> Built? {
        var sizes: LayerBuilder.Sizes? = nil
        release(try buildOnce(dir, owner, &sizes))
        let first = try buildOnce(dir, owner, &sizes)
        let second: Built
        do throws(PolicyError) {
            second = try buildOnce(dir, owner, &sizes)
        } catch {
            release(first)
            throw error
        }
        defer { release(second) }
        let h1 = try Snapshot.header(UnsafeRawBufferPointer(first.bytes), fileSize: first.size, .none)
        let same = first.size == second.size && equal(relocationTable(first, h1), relocationTable(second, h1))
        if !same {
            release(first)
            return nil
        }
        return first
    }

    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        if a.count != b.count { return false }
        var i = 0
        while i < a.count { if a[i] != b[i] { return false }; i += 1 }
        return true
    }

    static func relocationTable(_ b: Built, _ h: Snapshot.Header) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: b.file + Snapshot.headerSize + h.image, count: 8 * h.relocations)
    }

    static func buildOnce(_ dir: Bytes, _ owner: UInt32, _ sizes: inout LayerBuilder.Sizes?) throws(PolicyError) -> Built {
        let here = Location(file: dir, line: 0)
        guard let base = reserve() else { throw PolicyError(here, "cannot map memory to compile the policy") }
        let imageStart = base + Snapshot.headerSize
        var arena = Arena(base: imageStart, capacity: capacity - Snapshot.headerSize)
        // The layer's own struct first: the image begins with it.
        let slot = arena.allocate(Layer.self, count: 1)!
        var users = UserDatabase(file: "/etc/passwd")
        var groups = UserDatabase(file: "/etc/group")
        var layer: Layer
        do throws(PolicyError) {
            layer = try PolicyLoader.loadLayer(dir, owner: owner, &arena, &users, &groups, compiled: false, sizes: &sizes)
        } catch {
            _ = lwcr_munmap(base, capacity)
            throw error
        }
        layer.compiled = nil
        layer.passedOver = nil
        slot.initialize(to: layer)
        let image = (arena.used + 7) & ~7
        // The table may need a word per word of the image.
        if Snapshot.headerSize + 2 * image > capacity {
            _ = lwcr_munmap(base, capacity)
            throw PolicyError(here, "policy too large to compile (more than 512 MiB in memory)")
        }
        let low = UInt(bitPattern: imageStart)
        let high = low + UInt(image)
        let table = imageStart + image
        var count = 0
        var offset = 0
        while offset < image {
            let word = imageStart.load(fromByteOffset: offset, as: UInt.self)
            if word >= low && word <= high {
                table.storeBytes(of: UInt64(offset), toByteOffset: 8 * count, as: UInt64.self)
                count += 1
            }
            offset += 8
        }
        base.storeBytes(of: Snapshot.magic, toByteOffset: Snapshot.magicAt, as: UInt64.self)
        base.storeBytes(of: Snapshot.version, toByteOffset: Snapshot.versionAt, as: UInt32.self)
        base.storeBytes(of: Snapshot.layout, toByteOffset: Snapshot.layoutAt, as: UInt32.self)
        base.storeBytes(of: UInt64(UInt(bitPattern: base)), toByteOffset: Snapshot.baseAt, as: UInt64.self)
        base.storeBytes(of: UInt64(image), toByteOffset: Snapshot.imageAt, as: UInt64.self)
        base.storeBytes(of: UInt64(count), toByteOffset: Snapshot.relocationsAt, as: UInt64.self)
        if var source = layer.source {
            withUnsafeBytes(of: &source) { (base + Snapshot.sourceAt).copyMemory(from: $0.baseAddress!, byteCount: 32) }
        }
        return Built(file: base, size: Snapshot.headerSize + image + 8 * count, layer: layer)
    }

    /// Sets the generation, then the checksum over everything else.
    public static func seal(_ b: Built, generation: UInt64) -> SHA256Digest {
        b.file.storeBytes(of: generation, toByteOffset: Snapshot.generationAt, as: UInt64.self)
        var sum = Snapshot.checksum(UnsafeRawBufferPointer(b.bytes))
        withUnsafeBytes(of: &sum) { (b.file + Snapshot.checksumAt).copyMemory(from: $0.baseAddress!, byteCount: 32) }
        return sum
    }

    public static func release(_ b: Built) { _ = lwcr_munmap(b.file, capacity) }

    /// A random base no ordinary mapping is near: above the program and
    /// its heap, below the libraries and stacks that the kernel places
    /// from the top down. Its low 32 bits stay between 2 and 3 GiB (and
    /// the image below 4 GiB), so that two 32-bit numbers side by side
    /// (rule numbers in RuleIndex, a uid and a group) never look like a
    /// pointer into it.
    static func reserve() -> UnsafeMutableRawPointer? {
        var attempt = 0
        while attempt < 16 {
            attempt += 1
            var r: UInt64 = 0
            if withUnsafeMutableBytes(of: &r, { lwcr_getrandom($0.baseAddress, 8, 0) }) != 8 { return nil }
            #if arch(x86_64)
            let high = 0x1000 + (r >> 32) % 0x3000          // 16 TiB to 64 TiB, of 128
            #else
            let high = 0x10 + (r >> 32) % 0x30              // 64 GiB to 256 GiB, of 512 (39-bit arm64)
            #endif
            let low = 0x8000_0000 + (r & 0xffff_ffff) % 0x3000 * 0x10000
            let wanted = UnsafeMutableRawPointer(bitPattern: UInt(high << 32 | low))
            guard let got = lwcr_mmap_at(wanted, capacity, PROT_READ | PROT_WRITE,
                                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) else { continue }
            if got == wanted { return got }
            _ = lwcr_munmap(got, capacity)
        }
        return nil
    }
}
