import CInterpose

/// Recognising the ELF dynamic loader by what the file is, not by its path:
/// a 64-bit ET_DYN object with no PT_INTERP of its own whose DT_SONAME is a
/// loader's (ld-linux*, ld64.so*, ld.so*). Run directly
/// (`ld.so [OPTIONS] PROGRAM [ARGS]`), it executes PROGRAM from inside its own
/// process, which no exec of PROGRAM would show: so that run is judged as a
/// launch of PROGRAM too.
public enum DynamicLoader {
    public static func isLoader(_ fd: Int32) -> Bool {
        var header = InlineArray<64, UInt8>(repeating: 0)
        let n = withUnsafeMutableBytes(of: &header) { lwcr_pread(fd, $0.baseAddress, 64, 0) }
        if n < 64 { return false }
        return withUnsafeBytes(of: &header) { h -> Bool in
            // \x7fELF, 64-bit, little-endian, ET_DYN
            if h.loadUnaligned(as: UInt32.self) != 0x464c_457f || h[4] != 2 || h[5] != 1 { return false }
            if h.loadUnaligned(fromByteOffset: 16, as: UInt16.self) != 3 { return false }
            let phoff = Int(h.loadUnaligned(fromByteOffset: 32, as: UInt64.self))
            let phentsize = Int(h.loadUnaligned(fromByteOffset: 54, as: UInt16.self))
            let phnum = Int(h.loadUnaligned(fromByteOffset: 56, as: UInt16.self))
            if phentsize != 56 || phnum == 0 || phnum > 64 { return false }
            return soname(fd, phoff, phnum)
        }
    }

    static func soname(_ fd: Int32, _ phoff: Int, _ phnum: Int) -> Bool {
        var table = InlineArray<3584, UInt8>(repeating: 0)  // 64 program headers
        return withUnsafeMutableBytes(of: &table) { t -> Bool in
            if lwcr_pread(fd, t.baseAddress, phnum * 56, phoff) != phnum * 56 { return false }
            var dynamicOffset = 0, dynamicSize = 0
            var i = 0
            while i < phnum {
                let type = t.loadUnaligned(fromByteOffset: i * 56, as: UInt32.self)
                if type == 3 { return false }  // PT_INTERP: a program, not the loader
                if type == 2 {
                    dynamicOffset = Int(t.loadUnaligned(fromByteOffset: i * 56 + 8, as: UInt64.self))
                    dynamicSize = Int(t.loadUnaligned(fromByteOffset: i * 56 + 32, as: UInt64.self))
                }
                i += 1
            }
            if dynamicSize == 0 { return false }
            var dynamic = InlineArray<4096, UInt8>(repeating: 0)
            return withUnsafeMutableBytes(of: &dynamic) { d -> Bool in
                let size = min(dynamicSize, d.count)
                if lwcr_pread(fd, d.baseAddress, size, dynamicOffset) != size { return false }
                var strtab: UInt64 = 0, name: UInt64 = 0, hasName = false
                var e = 0
                while e + 16 <= size {
                    let tag = d.loadUnaligned(fromByteOffset: e, as: Int64.self)
                    let value = d.loadUnaligned(fromByteOffset: e + 8, as: UInt64.self)
                    if tag == 0 { break }
                    if tag == 5 { strtab = value }
                    if tag == 14 { name = value; hasName = true }
                    e += 16
                }
                if !hasName { return false }
                // DT_STRTAB is an address: find the PT_LOAD holding it.
                var j = 0
                while j < phnum {
                    let o = j * 56
                    if t.loadUnaligned(fromByteOffset: o, as: UInt32.self) == 1 {
                        let offset = t.loadUnaligned(fromByteOffset: o + 8, as: UInt64.self)
                        let vaddr = t.loadUnaligned(fromByteOffset: o + 16, as: UInt64.self)
                        let filesz = t.loadUnaligned(fromByteOffset: o + 32, as: UInt64.self)
                        if strtab >= vaddr && strtab < vaddr + filesz {
                            return isLoaderName(fd, Int(strtab - vaddr + offset + name))
                        }
                    }
                    j += 1
                }
                return false
            }
        }
    }

    static func isLoaderName(_ fd: Int32, _ offset: Int) -> Bool {
        var text = InlineArray<32, UInt8>(repeating: 0)
        let n = withUnsafeMutableBytes(of: &text) { lwcr_pread(fd, $0.baseAddress, 31, offset) }
        if n <= 0 { return false }
        return withUnsafeBytes(of: &text) { t -> Bool in
            let name = Bytes(UnsafeRawBufferPointer(rebasing: t[0..<n]))
            return name.hasPrefix("ld-linux") || name.hasPrefix("ld64.so") || name.hasPrefix("ld.so")
        }
    }

    /// Where PROGRAM is in a loader's argv: after its options (ld.so(8)).
    /// -1 when there is none (--help, --version: nothing runs); -2 for an
    /// option this code does not know, which could take an argument and so
    /// hide the program: refused.
    public static func programIndex(_ count: Int, _ word: (Int) -> Bytes) -> Int {
        var i = 1
        while i < count {
            let w = word(i)
            if !w.hasPrefix("--") { return i }
            if w.equals("--") { return i + 1 < count ? i + 1 : -1 }
            if w.equals("--library-path") || w.equals("--inhibit-rpath") || w.equals("--audit") || w.equals("--preload")
                || w.equals("--argv0") || w.equals("--glibc-hwcaps-prepend") || w.equals("--glibc-hwcaps-mask") {
                i += 2
            } else if w.equals("--list") || w.equals("--verify") || w.equals("--inhibit-cache") || w.equals("--list-tunables")
                        || w.equals("--list-diagnostics") || w.equals("--help") || w.equals("--version") {
                i += 1
            } else {
                return -2
            }
        }
        return -1
    }
}
