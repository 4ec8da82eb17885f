import CInterpose

/// `lwcr exec --landlock`: the kernel backstop. Through Landlock
/// (LANDLOCK_ACCESS_FS_EXECUTE), this process and all its descendants may
/// execute files only beneath what the policy's allow and require rules
/// name (up to their first wildcard) and the ELF loader's directory.
///
/// Defends against what no preload sees: static binaries and raw execve
/// system calls cannot execute from anywhere else either. It is an allow
/// list only, so `deny` rules and `default allow` have no part in it, and
/// it cannot be lifted once applied.
enum Landlock {
    static let loaders: [StaticString] = ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1", "/lib/ld-musl-x86_64.so.1"]

    /// 0 when restricted (or skipped where optional), else an exit status.
    static func restrict(_ policy: Policy, optional: Bool) -> Int32 {
        let abi = lwcr_landlock_abi()
        if abi < 1 {
            if optional {
                complain(text("exec: warning: this kernel has no Landlock; continuing with the preload's checks only"))
                return 0
            }
            complain(text("exec: --landlock: this kernel has no Landlock (Linux 5.13+ with the landlock LSM enabled); "),
                     text("refusing to start. Use --landlock-if-available to start without it."))
            return 2
        }
        let ruleset = lwcr_landlock_execute_ruleset()
        if ruleset < 0 { complain(text("exec: --landlock: cannot create a ruleset: "), Bytes(cString: strerror(-ruleset))); return 2 }
        defer { _ = lwcr_close(ruleset) }
        var allowed = 0
        var l = 0
        while l < policy.layerCount {
            let layer = policy.layers.unsafelyUnwrapped[l]
            var r = 0
            while r < layer.ruleCount {
                let rule = layer.rules.unsafelyUnwrapped[r]
                if rule.kind != .deny && allow(ruleset, prefix(rule.pattern)) { allowed += 1 }
                r += 1
            }
            l += 1
        }
        if allowed == 0 {
            complain(text("exec: --landlock: the policy's allow and require rules name no existing file or directory to execute from; refusing to forbid every launch"))
            return 2
        }
        for loader in loaders {
            var name = InlineArray<4097, UInt8>(repeating: 0)
            withUnsafeMutableBytes(of: &name) { n in
                var count = 0
                guard case .file(let fd) = PathWalk.open(AT_FDCWD, cString(loader), flags: O_PATH | O_CLOEXEC,
                                                         noFollow: false, into: n, &count) else { return }
                _ = lwcr_close(fd)
                var dir = count
                while dir > 1 && n[dir - 1] != UInt8(ascii: "/") { dir -= 1 }
                if allow(ruleset, Bytes(UnsafeRawBufferPointer(rebasing: n[0..<(dir > 1 ? dir - 1 : 1)]))) { allowed += 1 }
            }
        }
        let e = lwcr_landlock_restrict_self(ruleset)
        if e < 0 { complain(text("exec: --landlock: cannot restrict: "), Bytes(cString: strerror(-e))); return 2 }
        return 0
    }

    /// The part of a pattern before its first wildcard, cut back to a whole component.
    static func prefix(_ pattern: Bytes) -> Bytes {
        var i = 0
        // An escaped literal (NUL + byte, see Pattern) ends it too: the
        // directory above it is allowed, which is still a real directory.
        while i < pattern.count && pattern[i] != UInt8(ascii: "*") && pattern[i] != UInt8(ascii: "?") && pattern[i] != 0 { i += 1 }
        if i == pattern.count { return pattern }
        while i > 0 && pattern[i - 1] != UInt8(ascii: "/") { i -= 1 }
        return pattern.slice(0, i > 1 ? i - 1 : 1)
    }

    static func allow(_ ruleset: Int32, _ path: Bytes) -> Bool {
        var c = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &c) { b -> Bool in
            if path.count >= b.count { return false }
            b.copyMemory(from: path.raw)
            b[path.count] = 0
            let fd = lwcr_open(b.baseAddress!.assumingMemoryBound(to: CChar.self), O_PATH | O_CLOEXEC)
            if fd < 0 { return false }
            defer { _ = lwcr_close(fd) }
            return lwcr_landlock_allow_execute_beneath(ruleset, fd) == 0
        }
    }
}
