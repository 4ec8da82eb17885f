import CInterpose

/// wordexp(3): a command substitution (`$(...)`, backquotes) makes glibc
/// start `/bin/sh -c` through its own internal spawn, which no interposed
/// symbol sees. So /bin/sh is judged first as that launch would be; where
/// it may not run, glibc is called with WRDE_NOCMD, and refuses
/// (WRDE_CMDSUB) exactly where a command would have run. Everything else
/// wordexp does is glibc's own.
@_cdecl("wordexp")
public func interposed_wordexp(_ words: UnsafePointer<CChar>?, _ result: UnsafeMutableRawPointer?, _ flags: Int32) -> Int32 {
    guard let real = lwcr_libc_symbol(cString("wordexp")) else { return Int32(WRDE_NOSPACE) }
    var flags = flags
    if flags & Int32(WRDE_NOCMD) == 0, let words, !Shell.mayRunCommands(words) { flags |= Int32(WRDE_NOCMD) }
    return lwcr_call_wordexp(real, words, result, flags)
}
