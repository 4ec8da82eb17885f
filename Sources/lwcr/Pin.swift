import CInterpose

/// `lwcr pin [--signed-by NAME] [-r] PATH...`: a `require CANONICAL
/// sha256=HEX` line per file, the name written so that it means exactly
/// that file whatever bytes it holds (PolicyText.encode: spaces, newlines
/// and wildcard characters escaped). With -r, every executable regular
/// file in the trees, each once however many symlinks lead to it.
/// `lwcr pin --refresh FILE...` is Refresh.
enum Pin {
    static func run(_ args: inout Arguments) -> Int32 {
        var signer = Bytes.empty
        var recursive = false
        while let w = args.peek() {
            if w.equals("--refresh") {
                _ = args.next()
                return Refresh.run(&args)
            } else if w.equals("-r") || w.equals("--recursive") {
                _ = args.next()
                recursive = true
            } else if let value = Options.value(&args, long: "--signed-by", short: nil) {
                guard let name = value, !name.isEmpty, name[0] != UInt8(ascii: "-") else {
                    complain(text("pin: --signed-by needs a signer name"))
                    return 2
                }
                signer = name
            } else if w.equals("--") {
                _ = args.next()
                break
            } else if w.count > 1 && w[0] == UInt8(ascii: "-") {
                complain(text("pin: unknown option '"), w, text("' (see lwcr pin --help)"))
                return 2
            } else {
                break
            }
        }
        guard args.peek() != nil else {
            complain(text("pin: which files? usage: lwcr pin [--signed-by NAME] [-r] PATH..."))
            return 2
        }
        var status: Int32 = 0
        var o = Output.out
        var found: [Tree.Found] = []
        while args.next() != nil {
            let path = args.previous
            if recursive {
                if !Tree.executables(Array(Bytes(cString: path)), into: &found) { status = 2 }
                continue
            }
            if !pin(path, links: [], signer: signer, given: true, &o) { status = 2 }
        }
        if recursive {
            found.sort { [UInt8].precedes($0.canonical, $1.canonical) }
            var i = 0
            while i < found.count {
                var j = i
                var links: [[UInt8]] = []
                var outside = true
                while j < found.count && found[j].canonical == found[i].canonical {
                    if let l = found[j].link { links.append(l) }
                    if !found[j].outside { outside = false }
                    j += 1
                }
                links.sort { [UInt8].precedes($0, $1) }
                let ok = found[i].canonical.withCString { pin($0, links: links, outside: outside, signer: signer, &o) }
                if !ok { status = 2 }
                i = j
            }
        }
        o.flush()
        return status
    }

    /// One file's line, after a comment naming the symlinks that lead to it.
    static func pin(_ path: UnsafePointer<CChar>, links: [[UInt8]], outside: Bool = false, signer: Bytes, given: Bool = false,
                    _ o: inout Output) -> Bool {
        var failure = Opened.failed(Errno(0))
        guard let file = OpenedFile.open(path, &failure) else {
            complain(text("pin: "), Bytes(cString: path), text(": "), openFailure(failure))
            return false
        }
        defer { file.close() }
        if !file.isRegular {
            let directory = file.status.st_mode & Mode.typeMask == Mode.directory
            complain(text("pin: "), Bytes(cString: path),
                     directory && given ? text(": a directory (lwcr pin -r pins every executable file in it)") : text(": not a regular file"))
            return false
        }
        guard let digest = file.sha256() else {
            complain(text("pin: "), Bytes(cString: path), text(": cannot read"))
            return false
        }
        if !links.isEmpty {
            o.write(links.count == 1 ? "# also reached by the symlink" : "# also reached by the symlinks")
            for l in links {
                o.write(" ")
                l.withBytes { o.writePolicyWord($0) }
            }
            if outside { o.write(" (this file is outside the trees given: check that it belongs)") }
            o.write("\n")
        }
        o.write("require ")
        file.canonical.withBytes { o.writePolicyWord($0) }
        if signer.isEmpty {
            o.write(" sha256=")
            o.write(digest)
        } else {
            o.write(" signed-by=")
            o.write(signer)
        }
        o.write("\n")
        return true
    }
}

/// The executable regular files of a tree, for `lwcr pin -r`.
enum Tree {
    struct Found {
        /// The file's name as a launch gives it: symlinks and .. resolved.
        var canonical: [UInt8]
        /// The symlink in the tree that led to it, if one did.
        var link: [UInt8]?
        /// Reached by a symlink, and not itself in the tree: said in the
        /// comment, since pinning a tree should not quietly admit files
        /// elsewhere that someone's symlink points at.
        var outside = false
    }

    /// Adds the tree at `root` (or the one file it names). Directories are
    /// entered, never through a symlink (no loops, nothing outside the
    /// trees asked for); a symlink to an executable file brings that file.
    static func executables(_ given: [UInt8], into found: inout [Found]) -> Bool {
        // Absolute, so that the symlinks named in comments are too.
        var root = given
        if root.first != UInt8(ascii: "/") {
            var buffer = InlineArray<4097, UInt8>(repeating: 0)
            withUnsafeMutableBytes(of: &buffer) { b in
                let p = b.baseAddress!.assumingMemoryBound(to: CChar.self)
                given.withBytes { copy($0, into: p, b.count) }
                if absolutize(p, b.count) { root = [UInt8](Bytes(cString: p)) }
            }
        }
        var st = stat()
        let r = root.withCString { lwcr_fstatat(AT_FDCWD, $0, &st, 0) }
        if r != 0 {
            root.withBytes { complain(text("pin: "), $0, text(": "), Bytes(cString: strerror(-r))) }
            return false
        }
        if st.st_mode & Mode.typeMask != Mode.directory { return add(root, link: nil, &found) }
        var failure = Opened.failed(Errno(0))
        let rootFile = root.withCString { OpenedFile.open($0, &failure) }
        rootFile?.close()
        var prefix = rootFile?.canonical ?? root
        if prefix.last != UInt8(ascii: "/") { prefix.append(UInt8(ascii: "/")) }
        let start = found.count
        let ok = walk(root, depth: 0, &found)
        var i = start
        while i < found.count {
            if found[i].link != nil && !found[i].canonical.starts(with: prefix) { found[i].outside = true }
            i += 1
        }
        return ok
    }

    static func walk(_ dir: [UInt8], depth: Int, _ found: inout [Found]) -> Bool {
        if depth > 64 {
            dir.withBytes { complain(text("pin: "), $0, text(": more than 64 directories deep; not entered")) }
            return false
        }
        let fd = dir.withCString { lwcr_openat(AT_FDCWD, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (depth > 0 ? O_NOFOLLOW : 0), 0) }
        if fd < 0 {
            dir.withBytes { complain(text("pin: "), $0, text(": "), Bytes(cString: strerror(-fd))) }
            return false
        }
        defer { _ = lwcr_close(fd) }
        var entries: [([UInt8], UInt8)] = []
        let r = DirectoryEntries.forEach(fd) { name, type in
            entries.append(([UInt8](name), type))
            return true
        }
        if r < 0 {
            dir.withBytes { complain(text("pin: "), $0, text(": cannot list: "), Bytes(cString: strerror(Int32(-r)))) }
            return false
        }
        var ok = true
        for (name, knownType) in entries {
            var path = dir
            if path.last != UInt8(ascii: "/") { path.append(UInt8(ascii: "/")) }
            path.append(contentsOf: name)
            var type = knownType
            if type == 0 {
                var st = stat()
                if name.withCString({ lwcr_fstatat(fd, $0, &st, AT_SYMLINK_NOFOLLOW) }) != 0 { continue }
                let t = st.st_mode & Mode.typeMask
                type = t == Mode.directory ? DirectoryEntries.directory : t == Mode.regular ? DirectoryEntries.regular
                    : t == Mode.symlink ? DirectoryEntries.symlink : 1
            }
            if type == DirectoryEntries.directory {
                if !walk(path, depth: depth + 1, &found) { ok = false }
            } else if type == DirectoryEntries.regular {
                if !add(path, link: nil, &found) { ok = false }
            } else if type == DirectoryEntries.symlink {
                // Only a link to an executable file counts; others (to a
                // directory, dangling) are not pins.
                var st = stat()
                if path.withCString({ lwcr_fstatat(AT_FDCWD, $0, &st, 0) }) != 0 { continue }
                if st.st_mode & Mode.typeMask != Mode.regular || st.st_mode & 0o111 == 0 { continue }
                if !add(path, link: path, &found) { ok = false }
            }
        }
        return ok
    }

    /// Records `path` when it is an executable regular file, by its canonical name.
    static func add(_ path: [UInt8], link: [UInt8]?, _ found: inout [Found]) -> Bool {
        var failure = Opened.failed(Errno(0))
        guard let file = path.withCString({ OpenedFile.open($0, &failure) }) else {
            path.withBytes { complain(text("pin: "), $0, text(": "), openFailure(failure)) }
            return false
        }
        file.close()
        if !file.isRegular || file.status.st_mode & 0o111 == 0 { return true }
        found.append(Found(canonical: file.canonical, link: link))
        return true
    }
}
