import CInterpose
import LwcrCoreHosted
import Glibc

/// Where a launched program's standard stream comes from or goes to.
public enum StandardStream: Sendable, Equatable {
    /// This program's own.
    case inherit
    /// /dev/null.
    case null
    /// A new pipe; this program's end is in LaunchedProcess.
    case pipe
    /// A descriptor of this program's (it stays open here).
    case descriptor(Int32)
}

/// A program started by `LaunchRequirement.spawn`.
public final class LaunchedProcess {
    public let pid: Int32
    /// A pidfd for the child (pidfd_open semantics), or -1 where the kernel has none.
    public let pidfd: Int32
    /// This program's ends of the pipes asked for: write to `standardInput`,
    /// read from the others. Closed when the value goes away.
    public private(set) var standardInput: Int32?
    public let standardOutput: Int32?
    public let standardError: Int32?
    private var status: Int32?

    init(pid: Int32, pidfd: Int32, standardInput: Int32?, standardOutput: Int32?, standardError: Int32?) {
        self.pid = pid
        self.pidfd = pidfd
        self.standardInput = standardInput
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    deinit {
        for fd in [pidfd, standardInput ?? -1, standardOutput ?? -1, standardError ?? -1] where fd >= 0 { _ = lwcr_close(fd) }
    }

    /// Waits for the program to end: its exit status, or 128+N when signal
    /// N ended it (as a shell says).
    public func wait() -> Int32 {
        if let status { return status }
        var raw: Int32 = 0
        while lwcr_wait4(pid, &raw, 0) == -EINTR {}
        let s = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        status = s
        return s
    }

    /// Closes this program's end of the standard input pipe (EOF for the child).
    public func closeStandardInput() {
        if let fd = standardInput { _ = lwcr_close(fd) }
        standardInput = nil
    }

    /// Everything the program writes to `fd` (one of the pipes) until it closes it.
    public static func readAll(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { lwcr_read(fd, $0.baseAddress, $0.count) }
            if n == -Int(EINTR) { continue }
            if n <= 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }
}

extension LaunchRequirement {
    /// Launches `path` with `arguments` (argv[1...]) and waits: its exit
    /// status, or 128+N when signal N ended it. Throws `notSatisfied` when
    /// the file does not meet the requirement or the policy in force
    /// (nothing ran), `launchFailed` when it could not be started.
    public func run(_ path: String, arguments: [String] = [], environment: [String: String]? = nil,
                    currentDirectory: String? = nil) throws(LaunchRequirementError) -> Int32 {
        try spawn(path, arguments: arguments, environment: environment, currentDirectory: currentDirectory).wait()
    }

    /// Starts `path` as posix_spawn would, after the file actions (a new
    /// working directory, the streams): the file is opened in the child, as
    /// it then finds it, judged, and executed by that descriptor.
    public func spawn(_ path: String, arguments: [String] = [], environment: [String: String]? = nil,
                      currentDirectory: String? = nil, standardInput: StandardStream = .inherit,
                      standardOutput: StandardStream = .inherit, standardError: StandardStream = .inherit)
        throws(LaunchRequirementError) -> LaunchedProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var ours: [Int32?] = [nil, nil, nil]
        var theirs: [Int32] = []
        func closeAll(_ fds: [Int32?]) { for case let fd? in fds { _ = lwcr_close(fd) } }
        for (target, stream) in [standardInput, standardOutput, standardError].enumerated() {
            switch stream {
            case .inherit: break
            case .null:
                posix_spawn_file_actions_addopen(&actions, Int32(target), "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .descriptor(let fd):
                posix_spawn_file_actions_adddup2(&actions, fd, Int32(target))
            case .pipe:
                var ends: [Int32] = [-1, -1]
                let r = lwcr_pipe2(&ends, O_CLOEXEC)
                if r != 0 {
                    let e = -r
                    closeAll(ours + theirs.map { $0 })
                    throw .launchFailed(path: path, errno: e, message: Self.text(e))
                }
                let (mine, child) = target == 0 ? (ends[1], ends[0]) : (ends[0], ends[1])
                ours[target] = mine
                theirs.append(child)
                posix_spawn_file_actions_adddup2(&actions, child, Int32(target))
            }
        }
        if let currentDirectory { _ = lwcr_spawn_file_actions_addchdir(&actions, currentDirectory) }
        let environ = environment.map { env in env.keys.sorted().map { k in "\(k)=\(env[k]!)" } }
        var pid: pid_t = 0
        var pidfd: Int32 = -1
        var line: [UInt8] = []
        var denial = Decision()
        var failed: LaunchRequirementError? = nil
        let e = try withPolicy { (policy) throws(LaunchRequirementError) -> Int32 in
            Self.withCStrings([path] + arguments) { argv in
                Self.withOptionalCStrings(environ) { envp in
                    withUnsafeMutablePointer(to: &line) { lp in
                        path.withCString { p in
                            let e = OwnRequirement.spawn(p, search: false, actions: &actions, attributes: nil, argv: argv,
                                                         envp: envp ?? UnsafePointer(lwcr_environ()), policy, pid: &pid, pidfd: &pidfd,
                                                         line: Self.keepLine, context: UnsafeMutableRawPointer(lp), denial: &denial)
                            // While the requirement's memory, which the decision points into, is there.
                            if e != 0 { failed = Self.failure(path, e, denial, lp.pointee) }
                            return e
                        }
                    }
                }
            }
        }
        closeAll(theirs)
        if e != 0 {
            closeAll(ours)
            throw failed ?? .launchFailed(path: path, errno: e, message: Self.text(e))
        }
        return LaunchedProcess(pid: pid, pidfd: pidfd, standardInput: ours[0], standardOutput: ours[1], standardError: ours[2])
    }

    /// The error for a launch or check that failed with `e`.
    static func failure(_ path: String, _ e: Int32, _ denial: Decision, _ line: [UInt8]) -> LaunchRequirementError {
        guard !denial.allowed else { return .launchFailed(path: path, errno: e, message: text(e)) }
        var reason = [UInt8](repeating: 0, count: 512)
        let count = reason.withUnsafeMutableBytes { b -> Int in
            var m = Message(b)
            m.append(reason: denial)
            return m.count
        }
        var text = line
        while text.last == 10 { text.removeLast() }
        return .notSatisfied(path: path, reason: String(decoding: reason[0..<count], as: UTF8.self),
                             fact: String(decoding: copy(denial.finding.fact), as: UTF8.self),
                             line: String(decoding: text, as: UTF8.self))
    }

    static func copy(_ b: Bytes) -> [UInt8] {
        b.isEmpty ? [] : Array(UnsafeBufferPointer(start: b.base, count: b.count))
    }

    static let keepLine: OwnRequirement.LineSink = { context, line, count in
        guard let line else { return }
        let out = context!.assumingMemoryBound(to: [UInt8].self)
        if out.pointee.isEmpty { out.pointee = Array(UnsafeBufferPointer(start: line, count: count)) }
    }

    static func text(_ e: Int32) -> String { String(cString: strerror(e)) }

    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        copies.append(nil)
        defer { for p in copies { free(p) } }
        return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    static func withOptionalCStrings<R>(_ strings: [String]?, _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> R) -> R {
        guard let strings else { return body(nil) }
        return withCStrings(strings) { body($0) }
    }
}
