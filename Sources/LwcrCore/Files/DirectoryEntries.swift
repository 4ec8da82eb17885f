import CInterpose

/// The entries of an open directory, read with getdents64 into a buffer on
/// the stack: no allocation, so the loader can list a layer on the launch
/// path.
public enum DirectoryEntries {
    public static let regular: UInt8 = 8
    public static let directory: UInt8 = 4
    public static let symlink: UInt8 = 10

    /// Calls `body` with each name but `.` and `..`, and its type as the
    /// directory gives it (DT_*, 0 when unknown); `body` returns false to
    /// stop. 0, or -errno when the directory cannot be read.
    public static func forEach(_ fd: Int32, _ body: (Bytes, UInt8) -> Bool) -> Int {
        var buffer = InlineArray<8192, UInt8>(repeating: 0)
        while true {
            let n = withUnsafeMutableBytes(of: &buffer) { lwcr_getdents64(fd, $0.baseAddress, $0.count) }
            if n == 0 { return 0 }
            if n < 0 { return n }
            var stop = false
            withUnsafeBytes(of: &buffer) { b in
                var at = 0
                while at < n && !stop {
                    // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, name
                    let reclen = Int(b.loadUnaligned(fromByteOffset: at + 16, as: UInt16.self))
                    let type = b[at + 18]
                    let name = Bytes(cString: (b.baseAddress! + at + 19).assumingMemoryBound(to: CChar.self))
                    at += reclen
                    if name.equals(".") || name.equals("..") { continue }
                    if !body(name, type) { stop = true }
                }
            }
            if stop { return 0 }
        }
    }
}
