import CInterpose

/// `lwcr run` and `lwcr exec`: PROGRAM started through the same Gate as
/// every preloaded launch (this command links the library's own code), with
/// LD_PRELOAD and the layers carried to it and to everything it launches.
enum Launcher {
    static func run(_ args: inout Arguments, replace: Bool) -> Int32 {
        let command: StaticString = replace ? "exec" : "run"
        guard let options = Options.parse(&args, command: command, landlock: replace) else { return 2 }
        return launch(options, &args, command: command, replace: replace)
    }

    /// PROGRAM (the rest of `args`) under `options`' layers: waited for
    /// and its status returned, or (`replace`) executed in our place.
    static func launch(_ options: Options, _ args: inout Arguments, command: StaticString, replace: Bool) -> Int32 {
        guard args.peek() != nil else {
            complain(text(command), text(": which program? usage: lwcr "), text(command), text(" [--policy DIR]... -- PROGRAM [ARG]..."))
            return 2
        }
        guard Library.locate() else {
            complain(text(command), text(": cannot find liblwcr.so beside this command, in ../lib, or at "),
                     Bytes(cString: lwcr_installed_library()))
            return 2
        }
        if !options.install() { complain(text(command), text(": the policy directories are too long")); return 2 }
        // A policy that does not load would deny everything, PROGRAM first:
        // say so now, as a usage error.
        guard let loaded = LoadedPolicy.load() else { return 2 }
        if loaded.reportError() { return 2 }
        if options.landlock {
            let r = Landlock.restrict(loaded.policy, optional: options.landlockOptional)
            if r != 0 { return r }
        }
        let program = args.rest[0]!
        let argv = UnsafePointer(args.rest)
        if replace {
            let e = PathSearch.execute(program, Launch(argv: argv, envp: UnsafePointer(lwcr_environ()), report: .direct, shellFallback: true))
            return failed(command, program, e)
        }
        lwcr_forward_signals_hold()
        let pid = fork()
        if pid < 0 {
            lwcr_forward_signals_release()
            complain(text(command), text(": fork: "), Bytes(cString: strerror(lwcr_get_errno())))
            return 2
        }
        if pid == 0 {
            lwcr_forward_signals_release()
            let e = PathSearch.execute(program, Launch(argv: argv, envp: UnsafePointer(lwcr_environ()), report: .direct, shellFallback: true))
            lwcr_exit(failed(command, program, e))
        }
        // Like a shell waiting for a foreground job, the terminal's
        // interrupt is the program's to handle; and like a supervisor, a
        // signal sent to lwcr goes on to the program (an init system's
        // SIGTERM), so it is never left running without us.
        var status: Int32 = 0
        if lwcr_forward_signals(pid) != 0 {
            complain(text(command), text(": cannot forward signals: "), Bytes(cString: strerror(lwcr_get_errno())))
        }
        while lwcr_wait4(pid, &status, 0) == -EINTR {}
        lwcr_forward_signals_stop()
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// The shell's convention: 127 not found, 126 found but not run.
    static func failed(_ command: StaticString, _ program: UnsafePointer<CChar>, _ e: Int32) -> Int32 {
        complain(text(command), text(": "), Bytes(cString: program), text(": "), Bytes(cString: strerror(e)))
        return e == ENOENT || e == ENOTDIR ? 127 : 126
    }
}

/// Where liblwcr.so is: beside this command (the build tree), in ../lib
/// (an installed prefix), or where `make install` put it.
enum Library {
    static func locate() -> Bool {
        var buffer = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &buffer) { b -> Bool in
            let p = b.baseAddress!.assumingMemoryBound(to: CChar.self)
            let n = lwcr_readlink("/proc/self/exe", p, b.count - 64)
            if n > 0 {
                var dir = n
                while dir > 0 && b[dir - 1] != UInt8(ascii: "/") { dir -= 1 }
                for candidate in [text("liblwcr.so"), text("../lib/liblwcr.so")] {
                    var m = Message(UnsafeMutableRawBufferPointer(rebasing: b[dir..<(b.count - 1)]))
                    m.append(candidate)
                    b[dir + m.count] = 0
                    if use(p) { return true }
                }
            }
            return use(lwcr_installed_library())
        }
    }

    /// Makes `path` (canonical) the library carried to children, if it is there.
    static func use(_ path: UnsafePointer<CChar>) -> Bool {
        var name = InlineArray<4097, UInt8>(repeating: 0)
        return withUnsafeMutableBytes(of: &name) { n -> Bool in
            var count = 0
            guard case .file(let fd) = PathWalk.open(AT_FDCWD, path, flags: O_RDONLY | O_CLOEXEC, noFollow: false, into: n, &count)
            else { return false }
            _ = lwcr_close(fd)
            copy(Bytes(UnsafeRawBufferPointer(rebasing: n[0..<count])), into: lwcr_state_library()!, lwcr_state_capacity())
            return true
        }
    }
}
