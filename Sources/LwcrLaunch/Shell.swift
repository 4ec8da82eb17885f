import CInterpose

/// `/bin/sh -c COMMAND` through the spawn engine, so /bin/sh itself is
/// checked and executed by descriptor like any launch.
enum Shell {
    static func run(_ command: UnsafePointer<CChar>, attributes: SpawnAttributes, pipe: (Int32, Int32)? = nil,
                    started: (pid_t) -> Void) -> Int32 {
        let name: StaticString = "sh"
        let dashC: StaticString = "-c"
        var argv = InlineArray<4, UnsafeMutablePointer<CChar>?>(repeating: nil)
        argv[0] = mutable(name)
        argv[1] = mutable(dashC)
        argv[2] = UnsafeMutablePointer(mutating: command)
        return withUnsafeMutableBytes(of: &argv) { a in
            var request = SpawnRequest(path: cString(Gate.shell), search: false, actions: nil, attributes: attributes,
                                       argv: UnsafePointer(a.baseAddress!.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)),
                                       envp: UnsafePointer(lwcr_environ()))
            request.pipe = pipe
            request.closePopenStreams = pipe != nil
            var pid: pid_t = 0
            var pidfd: Int32 = -1
            let e = Spawn.start(request, &pid, &pidfd)
            if e == 0 { started(pid) }
            return e
        }
    }

    /// Whether `/bin/sh -c WORDS`, started by glibc itself by path
    /// (wordexp's command substitution), may run: true when WORDS has no
    /// `$(` or backquote, so no command can be started. Otherwise the walk
    /// of that launch, logged as a launch but executing nothing, must
    /// allow it; and since glibc opens /bin/sh again, it must be root's
    /// (see OpenedByPath).
    static func mayRunCommands(_ words: UnsafePointer<CChar>) -> Bool {
        let text = Bytes(cString: words)
        var i = 0
        var command = false
        while i < text.count && !command {
            command = text[i] == UInt8(ascii: "`") || (text[i] == UInt8(ascii: "$") && i + 1 < text.count && text[i + 1] == UInt8(ascii: "("))
            i += 1
        }
        if !command { return true }
        switch PolicyState.current() {
        case .none:
            return true
        case .unavailable:
            Gate.deny(unavailable: Bytes(Gate.shell), Launch(argv: nil, envp: nil, report: .direct, shellFallback: false))
            return false
        case .policy(let policy):
            var argv = InlineArray<4, UnsafeMutablePointer<CChar>?>(repeating: nil)
            argv[0] = mutable("sh")
            argv[1] = mutable("-c")
            argv[2] = UnsafeMutablePointer(mutating: words)
            return withUnsafeMutableBytes(of: &argv) { a -> Bool in
                var report = Report.direct
                report.explain = Explain(context: nil, judging: nil, line: nil)  // log as a launch would
                let launch = Launch(argv: UnsafePointer(a.baseAddress!.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)),
                                    envp: UnsafePointer(lwcr_environ()), report: report, shellFallback: false)
                if Gate.run(.path(AT_FDCWD, cString(Gate.shell), false), policy.pointee, launch) != 0 { return false }
                // glibc hands the shell `environ` as it is: without lwcr
                // in it, the shell's own launches would go unchecked.
                let direct = Launch(argv: nil, envp: nil, report: .direct, shellFallback: false)
                if !ChildEnvironment.current.unchanged(UnsafePointer(lwcr_environ())) {
                    return Gate.refuse(Bytes(Gate.shell), .environmentScrubbed, -1, policy.pointee, direct, via: .empty) == 0
                }
                // The walk above judged /bin/sh; what is left to ask is
                // whether only root can change what the path leads to.
                var name = InlineArray<4097, UInt8>(repeating: 0)
                let opened = withUnsafeMutableBytes(of: &name) { n -> Opened in
                    var count = 0
                    return PathWalk.openHeldByRoot(cString(Gate.shell), flags: O_PATH | O_CLOEXEC, into: n, &count)
                }
                switch opened {
                case .file(let fd):
                    _ = lwcr_close(fd)
                    return true
                case .failed:
                    return false
                case .unnamed:
                    return Gate.refuse(Bytes(Gate.shell), .notHeldByRoot, -1, policy.pointee, direct, via: .empty) == 0
                }
            }
        }
    }

    static func mutable(_ s: StaticString) -> UnsafeMutablePointer<CChar> {
        UnsafeMutablePointer(mutating: cString(s))
    }
}
