import CInterpose

/// The PATH search of execvp(3) and posix_spawnp(3), as glibc does it:
/// PATH from the caller's environment (not envp), "/bin:/usr/bin" when
/// unset, an empty entry meaning the working directory; EACCES remembered
/// and the search continued, ENOENT-like errors skipped, any other error
/// returned at once. A denial is an EACCES like any other.
enum PathSearch {
    static func execute(_ file: UnsafePointer<CChar>, _ launch: Launch) -> Int32 {
        OwnStack.run(OwnStack.Entry(kind: .search, path: file, launch: launch))
    }

    static func executeHere(_ file: UnsafePointer<CChar>, _ launch: Launch) -> Int32 {
        let name = Bytes(cString: file)
        if name.isEmpty { return ENOENT }
        if name.firstIndex(of: UInt8(ascii: "/")) != nil {
            return Gate.executeHere(dirfd: AT_FDCWD, path: file, noFollow: false, launch)
        }
        let defaultPath: StaticString = "/bin:/usr/bin"
        let path = getenv(cString("PATH")).map { Bytes(cString: $0) } ?? Bytes(defaultPath)
        if name.count > 255 { return ENAMETOOLONG }
        var buffer = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &buffer) { b -> Int32 in
            var sawEACCES = false
            var last = ENOENT
            var failed: Int32? = nil
            path.forEachPart(separatedBy: UInt8(ascii: ":"), keepEmpty: true) { dir in
                var m = Message(b)
                if !dir.isEmpty {
                    m.append(dir)
                    m.append("/")
                }
                m.append(name)
                if m.count >= b.count - 1 {
                    last = ENAMETOOLONG
                    return true
                }
                b[m.count] = 0
                let e = Gate.executeHere(dirfd: AT_FDCWD, path: b.baseAddress!.assumingMemoryBound(to: CChar.self), noFollow: false, launch)
                switch e {
                case EACCES:
                    sawEACCES = true
                    last = e
                case ENOENT, ESTALE, ENOTDIR, ENODEV, ETIMEDOUT, ENAMETOOLONG:
                    last = e
                default:
                    failed = e
                    return false
                }
                return true
            }
            if let failed { return failed }
            return sawEACCES ? EACCES : last
        }
    }
}
