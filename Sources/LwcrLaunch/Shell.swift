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

    static func mutable(_ s: StaticString) -> UnsafeMutablePointer<CChar> {
        UnsafeMutablePointer(mutating: cString(s))
    }
}
