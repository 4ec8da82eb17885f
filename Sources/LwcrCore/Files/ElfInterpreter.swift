import CInterpose

/// The program interpreter (PT_INTERP) the kernel opens, by path, when it
/// executes an ELF file: read as fs/binfmt_elf.c reads it, so that what
/// lwcr judges is the file the kernel will look for. That is: "\x7fELF",
/// ET_EXEC or ET_DYN, a program header table of entries of the class's own
/// size (at most 64 KiB), and the first PT_INTERP entry, 2 to PATH_MAX
/// bytes ending in a NUL. 32-bit files too (the compat loader runs them).
///
/// Little-endian only: on the machines lwcr is built for, a big-endian ELF
/// fails the kernel's architecture check and runs nowhere.
public enum ElfInterpreter {
    public enum Found: Equatable {
        /// Not an ELF file the kernel would run, or no PT_INTERP (static).
        case none
        /// The interpreter's path, NUL-terminated in `out`, of this length.
        case path(Int)
        /// What the kernel would refuse to execute (ENOEXEC, EIO).
        case refused
    }

    public static func read(_ fd: Int32, into out: UnsafeMutableRawBufferPointer) -> Found {
        var header = InlineArray<64, UInt8>(repeating: 0)
        let n = withUnsafeMutableBytes(of: &header) { lwcr_pread(fd, $0.baseAddress, 64, 0) }
        return withUnsafeBytes(of: &header) { h -> Found in
            if n < 52 || h.loadUnaligned(as: UInt32.self) != 0x464c_457f || h[5] != 1 { return .none }
            let type = h.loadUnaligned(fromByteOffset: 16, as: UInt16.self)
            if type != 2 && type != 3 { return .none }  // ET_EXEC, ET_DYN
            let wide = h[4] == 2
            if !wide && h[4] != 1 { return .none }
            if wide && n < 64 { return .none }
            let phoff = wide ? Int(h.loadUnaligned(fromByteOffset: 32, as: UInt64.self)) : Int(h.loadUnaligned(fromByteOffset: 28, as: UInt32.self))
            let entrySize = Int(h.loadUnaligned(fromByteOffset: wide ? 54 : 42, as: UInt16.self))
            let count = Int(h.loadUnaligned(fromByteOffset: wide ? 56 : 44, as: UInt16.self))
            if entrySize != (wide ? 56 : 32) { return .refused }
            if count == 0 || count * entrySize > 65536 || phoff < 0 { return .refused }
            return interpreter(fd, phoff, count, entrySize, wide, out)
        }
    }

    /// The first PT_INTERP of the table, read in pieces of 64 entries.
    static func interpreter(_ fd: Int32, _ phoff: Int, _ count: Int, _ entrySize: Int, _ wide: Bool,
                            _ out: UnsafeMutableRawBufferPointer) -> Found {
        var table = InlineArray<3584, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &table) { t -> Found in
            var first = 0
            while first < count {
                let entries = min(count - first, t.count / entrySize)
                let want = entries * entrySize
                if lwcr_pread(fd, t.baseAddress, want, phoff + first * entrySize) != want { return .refused }
                var i = 0
                while i < entries {
                    let e = i * entrySize
                    if t.loadUnaligned(fromByteOffset: e, as: UInt32.self) == 3 {  // PT_INTERP
                        let offset = wide ? Int(t.loadUnaligned(fromByteOffset: e + 8, as: UInt64.self)) : Int(t.loadUnaligned(fromByteOffset: e + 4, as: UInt32.self))
                        let size = wide ? Int(t.loadUnaligned(fromByteOffset: e + 32, as: UInt64.self)) : Int(t.loadUnaligned(fromByteOffset: e + 16, as: UInt32.self))
                        if size < 2 || size > 4096 || size > out.count || offset < 0 { return .refused }
                        if lwcr_pread(fd, out.baseAddress, size, offset) != size { return .refused }
                        if out[size - 1] != 0 { return .refused }
                        // The kernel opens the string up to its first NUL.
                        var length = 0
                        while out[length] != 0 { length += 1 }
                        return length == 0 ? .refused : .path(length)
                    }
                    i += 1
                }
                first += entries
            }
            return .none
        }
    }
}
