/// A walk that only explains: `lwcr check`, and execveat's
/// AT_EXECVE_CHECK. It is the walk of a launch, the same gate, so the two
/// cannot disagree; but where a launch would execute, the kernel is only
/// asked whether it would (AT_EXECVE_CHECK, or mode and noexec before Linux
/// 6.14: that is where Landlock, a missing x bit or a noexec mount answer).
///
/// `judging` is told of each file as it is decided (its descriptor, or -1
/// when it could not be named; its name; its role; the `Subject` that was
/// decided, or nil for a file the kernel would not execute), before the
/// decision's line, which `line` gets. C function pointers and a context
/// pointer: nothing is captured, nothing allocated.
struct Explain {
    /// What a judged file is to the launch.
    static let target: Int32 = 0
    static let interpreter: Int32 = 1
    static let loaderProgram: Int32 = 2
    /// An ELF's PT_INTERP, which the kernel opens.
    static let elfInterpreter: Int32 = 3
    /// A library the launch names (LD_PRELOAD, LD_AUDIT, --preload, --audit).
    static let library: Int32 = 4

    var context: UnsafeMutableRawPointer?
    var judging: (@convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<UInt8>?, Int, Int32, UnsafeMutableRawPointer?) -> Void)?
    var line: (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int) -> Void)?
    /// What a file of `role` is called in a log line about the launch it
    /// belongs to.
    static func word(_ role: Int32) -> StaticString {
        if role == elfInterpreter { return "ELF interpreter" }
        if role == library { return "library" }
        return "interpreter"
    }

    /// A large buffer to read content through (the command has one).
    var readBuffer: UnsafeMutableRawBufferPointer? = nil

    init(context: UnsafeMutableRawPointer?,
         judging: (@convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<UInt8>?, Int, Int32, UnsafeMutableRawPointer?) -> Void)?,
         line: (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int) -> Void)?) {
        self.context = context
        self.judging = judging
        self.line = line
    }
}
