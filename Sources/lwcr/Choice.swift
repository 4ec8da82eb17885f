import CInterpose

/// Which facts admit a file, from what this machine shows of it:
///   trusted-path  root's file in directories only root can change;
///   sha256=       a file someone else could change (by content, then);
///   nothing       a file in a world-writable place, such as /tmp: anyone
///                 could put another file there, so no rule is written.
enum Choice {
    static let legend: StaticString = """
    #   trusted-path  root's file, in directories only root can change
    #   sha256=       a file someone other than root could change: pinned by its content now
    #   (no rule)     a file in a world-writable directory such as /tmp, or not on this machine

    """

    enum Kind { case trusted, pinned, worldWritable, absent, unreadable }

    struct Made {
        var kind: Kind
        var digest: SHA256Digest? = nil
        /// The world-writable directory or file, for `worldWritable`.
        var at: [UInt8] = []
        /// The canonical name, when the file could be opened.
        var canonical: [UInt8] = []
    }

    static func choose(_ path: [UInt8]) -> Made {
        var failure = Opened.failed(Errno(0))
        guard let file = path.withCString({ OpenedFile.open($0, &failure) }) else {
            if case .failed(let e) = failure, e.code == ENOENT || e.code == ENOTDIR { return Made(kind: .absent) }
            return Made(kind: .unreadable)
        }
        defer { file.close() }
        if !file.isRegular { return Made(kind: .unreadable) }
        let st = file.status
        return file.canonical.withBytes { canonical -> Made in
            // World-writable: the file, its own directory, or a directory
            // above without the sticky bit. Below a sticky one, as
            // /tmp/app/tool, an entry can be renamed only by its owner, and
            // a sha256= pin holds whoever that is.
            var open: [UInt8] = []
            if st.st_mode & 0o002 != 0 { open = file.canonical }
            var slash = canonical.count
            while slash > 0 && canonical[slash - 1] != UInt8(ascii: "/") { slash -= 1 }
            let parentLength = slash > 1 ? slash - 1 : 1
            _ = Held.ancestors(of: canonical) { dir, dst in
                let own = dir.count == parentLength
                if open.isEmpty && dst.st_mode & 0o002 != 0 && (own || dst.st_mode & Mode.sticky == 0) { open = [UInt8](dir) }
                return true
            }
            if !open.isEmpty { return Made(kind: .worldWritable, at: open, canonical: file.canonical) }
            var why = Finding()
            if TrustedPath.holds(canonical, st, nil, &why) { return Made(kind: .trusted, canonical: file.canonical) }
            guard let digest = file.sha256() else { return Made(kind: .unreadable, canonical: file.canonical) }
            return Made(kind: .pinned, digest: digest, canonical: file.canonical)
        }
    }

    /// The group's comment and rule (or, where none can be made, a comment saying why).
    static func emit(_ g: Seen.Group, _ made: Made, _ o: inout Output) {
        o.write("# seen ")
        o.write(g.total)
        o.write(g.total == 1 ? " time" : " times")
        var parts = 0
        for (count, word) in [(g.deny, Bytes("deny")), (g.audit, Bytes("audit")), (g.allow, Bytes("allow"))] where count > 0 {
            o.write(parts == 0 ? " (" : ", ")
            o.write(word); o.write(" "); o.write(count)
            parts += 1
        }
        if parts > 0 { o.write(")") }
        write(made, g.path, &o)
    }

    /// `: why\nRULE\n`, or `: why, no rule\n# NAME\n`.
    static func write(_ made: Made, _ path: [UInt8], _ o: inout Output) {
        switch made.kind {
        case .trusted:
            o.write(": root's, in root's directories\nrequire ")
            made.canonical.withBytes { o.writePolicyWord($0) }
            o.write(" trusted-path\n")
        case .pinned:
            o.write(": others could change it, so pinned by content\nrequire ")
            made.canonical.withBytes { o.writePolicyWord($0) }
            o.write(" sha256=")
            o.write(made.digest!)
            o.write("\n")
        case .worldWritable:
            o.write(": no rule, ")
            made.at.withBytes { o.writePolicyWord($0) }
            o.write(" is world-writable\n# ")
            path.withBytes { o.writePolicyWord($0) }
            o.write("\n")
        case .absent:
            o.write(": no rule, the file is not on this machine (pin it where it is: lwcr pin PATH)\n# ")
            path.withBytes { o.writePolicyWord($0) }
            o.write("\n")
        case .unreadable:
            o.write(": no rule, the file cannot be read here\n# ")
            path.withBytes { o.writePolicyWord($0) }
            o.write("\n")
        }
    }
}
