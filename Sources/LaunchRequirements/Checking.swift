import CInterpose
import Glibc
import LwcrCoreHosted

/// Checking without launching: a file on disk (Apple's
/// OnDiskCodeRequirement), and the executable of a running process (its
/// ProcessCodeRequirement).
extension LaunchRequirement {
    /// Whether `path` would launch: the walk a launch takes (the file, its
    /// `#!` interpreters, its ELF interpreter, the kernel's own answer for
    /// mode and mounts), executing nothing. Throws as `run` would.
    public func check(path: String) throws(LaunchRequirementError) {
        try checked(path) { policy, line, denial in
            path.withCString { OwnRequirement.check($0, descriptor: -1, policy, line: Self.keepLine, context: line, denial: denial) }
        }
    }

    /// The same for the file open on `descriptor` (which stays open).
    public func check(descriptor: Int32) throws(LaunchRequirementError) {
        try checked("(descriptor \(descriptor))") { policy, line, denial in
            OwnRequirement.check(nil, descriptor: descriptor, policy, line: Self.keepLine, context: line, denial: denial)
        }
    }

    /// Judges the executable of the process `pidfd` refers to: the file of
    /// its last execve, as the kernel keeps it (/proc/PID/exe), opened while
    /// the pidfd shows the process still there, so a PID reused meanwhile
    /// is never judged in its place.
    ///
    /// What this proves: that file, as it is now, meets the requirement.
    /// What it does not: what the process runs next (it may exec another
    /// file), or runs besides (libraries it loads, code it maps or writes);
    /// that the content it loaded was this content, where someone could
    /// write the file in place after the exec; nor anything of a hostile
    /// process: where unprivileged user namespaces are enabled, any process
    /// can point its exe link at a file it does not run (PR_SET_MM_MAP
    /// with exe_fd, in a user namespace of its own). A script's process
    /// shows its interpreter.
    public func check(pidfd: Int32) throws(LaunchRequirementError) {
        let what = "(pidfd \(pidfd))"
        guard let pid = Self.pid(ofPidfd: pidfd) else {
            throw .launchFailed(path: what, errno: ESRCH, message: "the process has ended, or this is not a pidfd")
        }
        let exe = open("/proc/\(pid)/exe", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        if exe < 0 {
            let e = errno
            throw .launchFailed(path: "/proc/\(pid)/exe", errno: e, message: Self.text(e))
        }
        defer { _ = lwcr_close(exe) }
        // Still the same process: a PID reused before the open would mean
        // this one had ended, which the pidfd would now say.
        if lwcr_pidfd_alive(pidfd) != 0 {
            throw .launchFailed(path: what, errno: ESRCH, message: "the process ended while it was being checked")
        }
        try check(descriptor: exe)
    }

    /// Judges the peer of a connected Unix socket by its pidfd
    /// (SO_PEERPIDFD, Linux 6.5): the process that connected or made the
    /// pair, not whoever holds the socket now. See check(pidfd:).
    public func check(peerOf socket: Int32) throws(LaunchRequirementError) {
        var fd: Int32 = -1
        var size = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(socket, SOL_SOCKET, 77 /* SO_PEERPIDFD */, &fd, &size) != 0 {
            let e = errno
            throw .launchFailed(path: "(socket \(socket))", errno: e,
                                message: e == ENOPROTOOPT ? "the kernel has no SO_PEERPIDFD (Linux 6.5)" : Self.text(e))
        }
        defer { _ = lwcr_close(fd) }
        try check(pidfd: fd)
    }

    func checked(_ name: String,
                 _ body: (UnsafePointer<Policy>, UnsafeMutableRawPointer, UnsafeMutablePointer<Decision>) -> Int32) throws(LaunchRequirementError) {
        var line: [UInt8] = []
        var denial = Decision()
        var failed: LaunchRequirementError? = nil
        try withPolicy { (policy) throws(LaunchRequirementError) in
            let e = withUnsafeMutablePointer(to: &line) { body(policy, UnsafeMutableRawPointer($0), &denial) }
            if e != 0 { failed = Self.failure(name, e, denial, line) }
        }
        if let failed { throw failed }
    }

    /// The PID a pidfd names (its fdinfo's Pid: line), nil when it has ended.
    static func pid(ofPidfd fd: Int32) -> Int32? {
        let info = open("/proc/self/fdinfo/\(fd)", O_RDONLY | O_CLOEXEC)
        if info < 0 { return nil }
        defer { _ = lwcr_close(info) }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { lwcr_read(info, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            text += chunk[0..<n]
        }
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") where line.hasPrefix("Pid:") {
            guard let pid = Int32(line.dropFirst(4).trimmingSpaces), pid > 0 else { return nil }
            return pid
        }
        return nil
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }
}
