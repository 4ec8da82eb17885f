import CInterpose

/// What the kernel shows of a running process under /proc/PID, for
/// `lwcr status PID`: its mappings, the environment it started with, its
/// auxiliary vector. Nothing here reaches into the process's memory, so
/// what the library keeps in private memory (a policy parsed from text,
/// the environment as it read it) is inferred, and said to be.
struct ProcessView {
    let pid: UInt32
    var maps: [Mapping] = []
    var environment: [UInt8] = []
    var environmentReadable = false
    var auxv: [UInt8] = []

    /// One line of /proc/PID/maps that names a file.
    struct Mapping {
        var range: [UInt8]
        var major: UInt64
        var minor: UInt64
        var inode: UInt64
        var path: [UInt8]
        /// The kernel's " (deleted)": the name no longer leads to the file.
        var deleted: Bool
    }

    /// /proc/PID/NAME, whole; or the errno.
    static func read(_ pid: UInt32, _ name: StaticString) -> ([UInt8], Int32) {
        let fd = path(pid, Bytes(name)).withCString { lwcr_openat(AT_FDCWD, $0, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0) }
        if fd < 0 { return ([], -fd) }
        defer { _ = lwcr_close(fd) }
        var out: [UInt8] = []
        var chunk = InlineArray<16384, UInt8>(repeating: 0)
        while true {
            let n = withUnsafeMutableBytes(of: &chunk) { lwcr_read(fd, $0.baseAddress, $0.count) }
            if n == -Int(EINTR) { continue }
            if n < 0 { return ([], Int32(-n)) }
            if n == 0 { return (out, 0) }
            withUnsafeBytes(of: &chunk) { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    static func path(_ pid: UInt32, _ name: Bytes) -> [UInt8] {
        var p = [UInt8](Bytes("/proc/"))
        p.append(contentsOf: decimal(UInt64(pid)))
        p.append(UInt8(ascii: "/"))
        p.append(contentsOf: [UInt8](name))
        return p
    }

    static func decimal(_ n: UInt64) -> [UInt8] {
        var digits: [UInt8] = []
        var v = n
        repeat { digits.insert(UInt8(ascii: "0") + UInt8(v % 10), at: 0); v /= 10 } while v > 0
        return digits
    }

    /// Reads what status needs; the errno of maps when it cannot be read
    /// (no such process, or another user's without the right to trace it).
    static func open(_ pid: UInt32) -> (ProcessView?, Int32) {
        let (maps, e) = read(pid, "maps")
        if e != 0 { return (nil, e) }
        var view = ProcessView(pid: pid)
        maps.withBytes { text in
            _ = text.forEachPart(separatedBy: 10) { line -> Bool in
                if let m = parse(line) { view.maps.append(m) }
                return true
            }
        }
        let (environ, ee) = read(pid, "environ")
        view.environment = environ
        view.environmentReadable = ee == 0
        view.auxv = read(pid, "auxv").0
        return (view, 0)
    }

    /// `START-END PERMS OFFSET MAJ:MIN INODE   PATH`; nil for lines without a file.
    static func parse(_ line: Bytes) -> Mapping? {
        var fields = InlineArray<5, Bytes>(repeating: .empty)
        var at = 0
        var k = 0
        while k < 5 {
            while at < line.count && line[at] == UInt8(ascii: " ") { at += 1 }
            let start = at
            while at < line.count && line[at] != UInt8(ascii: " ") { at += 1 }
            fields[k] = line.slice(start, at)
            k += 1
        }
        while at < line.count && line[at] == UInt8(ascii: " ") { at += 1 }
        var name = line.slice(at, line.count)
        guard name.count > 0, name[0] == UInt8(ascii: "/"), let colon = fields[3].firstIndex(of: UInt8(ascii: ":")),
              let major = hex(fields[3].slice(0, colon)), let minor = hex(fields[3].slice(colon + 1, fields[3].count)),
              let inode = decimalValue(fields[4]) else { return nil }
        var deleted = false
        if name.hasSuffix(" (deleted)") { deleted = true; name = name.slice(0, name.count - 10) }
        return Mapping(range: [UInt8](fields[0]), major: major, minor: minor, inode: inode, path: [UInt8](name), deleted: deleted)
    }

    static func hex(_ b: Bytes) -> UInt64? {
        if b.isEmpty || b.count > 16 { return nil }
        var v: UInt64 = 0
        var i = 0
        while i < b.count {
            guard let d = Hex.value(b[i]) else { return nil }
            v = v << 4 | UInt64(d)
            i += 1
        }
        return v
    }

    static func decimalValue(_ b: Bytes) -> UInt64? {
        if b.isEmpty || b.count > 19 { return nil }
        var v: UInt64 = 0
        var i = 0
        while i < b.count {
            guard b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9") else { return nil }
            v = v * 10 + UInt64(b[i] - UInt8(ascii: "0"))
            i += 1
        }
        return v
    }

    /// NAME's value in the environment the process started with.
    func variable(_ name: StaticString) -> [UInt8]? {
        var found: [UInt8]? = nil
        environment.withBytes { env in
            _ = env.forEachPart(separatedBy: 0) { entry -> Bool in
                let n = Bytes(name)
                if entry.count > n.count && entry.hasPrefix(n) && entry[n.count] == UInt8(ascii: "=") {
                    found = [UInt8](entry.slice(n.count + 1, entry.count))
                    return false
                }
                return true
            }
        }
        return found
    }

    /// AT_SECURE from the auxiliary vector; nil when it cannot be read.
    var secureExecution: Bool? {
        let pair = 2 * MemoryLayout<UInt>.size
        if auxv.count < pair { return nil }
        return auxv.withUnsafeBytes { a -> Bool? in
            var i = 0
            while i + pair <= a.count {
                let type = a.loadUnaligned(fromByteOffset: i, as: UInt.self)
                if type == 0 { return nil }
                if type == 23 { return a.loadUnaligned(fromByteOffset: i + pair / 2, as: UInt.self) != 0 }  // AT_SECURE
                i += pair
            }
            return nil
        }
    }

    /// The file a mapping shows, opened for reading: through
    /// /proc/PID/map_files (the very file, even replaced; root only), else
    /// by its name when that still leads to the same file. -1 otherwise.
    func openMapped(_ m: Mapping) -> Int32 {
        var name = [UInt8](Bytes("map_files/"))
        name.append(contentsOf: m.range)
        let direct = name.withBytes { n in Self.path(pid, n) }.withCString {
            lwcr_openat(AT_FDCWD, $0, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0)
        }
        if direct >= 0 { return direct }
        let fd = m.path.withCString { lwcr_openat(AT_FDCWD, $0, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0) }
        if fd < 0 { return -1 }
        var st = stat()
        if lwcr_fstat(fd, &st) == 0 && Self.same(m, st) { return fd }
        _ = lwcr_close(fd)
        return -1
    }

    /// Whether `st` describes the file the mapping shows.
    static func same(_ m: Mapping, _ st: stat) -> Bool {
        let (major, minor) = VerificationCache.device(st)
        return major == m.major && minor == m.minor && UInt64(st.st_ino) == m.inode
    }

    /// Whether the mapping's name still leads to the file mapped.
    static func current(_ m: Mapping) -> Bool {
        var st = stat()
        return !m.deleted && m.path.withCString { lwcr_fstatat(AT_FDCWD, $0, &st, 0) } == 0 && same(m, st)
    }
}

/// The version string (LWCR_VERSION_MARK) a library file carries.
enum LibraryVersion {
    static func of(_ fd: Int32) -> [UInt8]? {
        var file: [UInt8] = []
        var chunk = InlineArray<65536, UInt8>(repeating: 0)
        var offset = 0
        while offset < 64 << 20 {
            let n = withUnsafeMutableBytes(of: &chunk) { lwcr_pread(fd, $0.baseAddress, $0.count, offset) }
            if n == -Int(EINTR) { continue }
            if n <= 0 { break }
            withUnsafeBytes(of: &chunk) { file.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += n
        }
        let mark = Bytes(cString: lwcr_version_mark())
        return file.withBytes { b -> [UInt8]? in
            var i = 0
            while i + mark.count < b.count {
                // The mark alone (a C literal of it) is not the version string.
                if b[i] == mark[0] && b[i + mark.count] != 0 && b.slice(i, i + mark.count).equals(mark) {
                    var end = i + mark.count
                    while end < b.count && b[end] != 0 && end - i < 80 { end += 1 }
                    return [UInt8](b.slice(i + mark.count, end))
                }
                i += 1
            }
            return nil
        }
    }

    /// The version of the library file at `path`, if it carries one.
    static func at(_ path: UnsafePointer<CChar>) -> [UInt8]? {
        let fd = lwcr_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0)
        if fd < 0 { return nil }
        defer { _ = lwcr_close(fd) }
        return of(fd)
    }
}
