/// A directory's absolute name in its plain form: no empty or "."
/// components, ".." taken back, no trailing "/". A snapshot records the
/// directory it was compiled for in this form, and a layer named
/// `/etc/lwcr/policy.d/` or `/etc//lwcr/./policy.d` is the same one.
/// Taking ".." back by the text is sound here because a layer's path may
/// hold no symbolic link (PolicyLoader.openLayer refuses one).
public enum DirectoryName {
    /// The plain form of the absolute `path`, written to `out` with a NUL
    /// after it; nil when `path` is not absolute or does not fit.
    public static func plain(_ path: Bytes, into out: UnsafeMutableRawBufferPointer) -> Bytes? {
        if path.count == 0 || path[0] != UInt8(ascii: "/") || out.count < 2 { return nil }
        var n = 0
        var i = 0
        while i < path.count {
            while i < path.count && path[i] == UInt8(ascii: "/") { i += 1 }
            let start = i
            while i < path.count && path[i] != UInt8(ascii: "/") { i += 1 }
            let part = path.slice(start, i)
            if part.count == 0 || part.equals(".") { continue }
            if part.equals("..") {
                while n > 0 && out[n - 1] != UInt8(ascii: "/") { n -= 1 }
                if n > 0 { n -= 1 }
                continue
            }
            if n + 1 + part.count + 1 > out.count { return nil }
            out[n] = UInt8(ascii: "/")
            n += 1
            var k = 0
            while k < part.count { out[n] = part[k]; n += 1; k += 1 }
        }
        if n == 0 { out[0] = UInt8(ascii: "/"); n = 1 }
        out[n] = 0
        return Bytes(UnsafeRawBufferPointer(rebasing: out[0..<n]))
    }

    /// Whether `a` and `b` name the same directory in their plain forms.
    public static func same(_ a: Bytes, _ b: Bytes) -> Bool {
        var x = InlineArray<4097, UInt8>(repeating: 0)
        var y = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &x) { xb -> Bool in
            withUnsafeMutableBytes(of: &y) { yb -> Bool in
                guard let p = plain(a, into: xb), let q = plain(b, into: yb) else { return false }
                return p.equals(q)
            }
        }
    }
}
