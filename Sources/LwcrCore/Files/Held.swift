import CInterpose

/// Whether no one but root or `uid` can put another file at a path: the
/// question behind trusting a name after the fact (the name of a descriptor
/// from /proc, the path a script's interpreter will open).
///
/// Every directory from the file up to `/` must be one that others cannot
/// change the entry in: owned by root or `uid` and writable by no group or
/// other user, or sticky (like /tmp) with the entry itself owned by root or
/// `uid` (in a sticky directory only the entry's owner, the directory's
/// owner or root may rename or remove it, so the directory must be root's
/// or `uid`'s too).
public enum Held {
    public static func byUs(_ path: Bytes, uid: UInt32) -> Bool { culprit(path, uid: uid) == nil }

    /// Nil when no one but root or `uid` can put another file at `path`;
    /// otherwise what is at fault: the directory others can change (a
    /// symlink on the way counts: its mode is 0777), or `path` itself when
    /// it is relative or cannot be examined.
    public static func culprit(_ path: Bytes, uid: UInt32) -> Bytes? {
        var entry = stat()
        let ok = withPath(path) { lwcr_fstatat(AT_FDCWD, $0, &entry, AT_SYMLINK_NOFOLLOW) } == 0
        if !ok || path.isEmpty || path[0] != UInt8(ascii: "/") { return path }
        var fault = path
        let held = ancestors(of: path) { dir, st in
            let ours = st.st_uid == 0 || st.st_uid == uid
            let closed = st.st_mode & Mode.groupOrOtherWritable == 0
            let sticky = st.st_mode & Mode.sticky != 0 && (entry.st_uid == 0 || entry.st_uid == uid)
            entry = st
            fault = dir
            return ours && (closed || sticky)
        }
        return held ? nil : fault
    }

    /// Calls `body` with each directory above `path` (an absolute path),
    /// nearest first, and its status, while it returns true; false when it
    /// returned false or a directory could not be examined (then `body` gets
    /// a zeroed status once, so it can report where).
    static func ancestors(of path: Bytes, _ body: (Bytes, stat) -> Bool) -> Bool {
        var buffer = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &buffer) { b -> Bool in
            if path.count >= b.count || path.count == 0 { return false }
            b.copyMemory(from: path.raw)
            let cs = b.baseAddress!.assumingMemoryBound(to: CChar.self)
            var end = path.count
            while end > 1 {
                end -= 1
                while end > 0 && path[end] != UInt8(ascii: "/") { end -= 1 }
                let dirLength = end == 0 ? 1 : end
                b[dirLength] = 0
                var dir = stat()
                if lwcr_fstatat(AT_FDCWD, cs, &dir, AT_SYMLINK_NOFOLLOW) != 0 {
                    _ = body(path.slice(0, dirLength), stat())
                    return false
                }
                if !body(path.slice(0, dirLength), dir) { return false }
            }
            return true
        }
    }
}
