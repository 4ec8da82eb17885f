import CInterpose

/// lwcr: write, check and explain launch policies, and start programs
/// under them. One verb per run; exit 0 on success, 1 when a check or lint
/// finds a denial or a problem, 2 on usage or policy errors.
@_cdecl("lwcr_main")
public func lwcr_main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    Lwcr.main(Arguments(argc: Int(argc), argv: argv))
    return 0
}

enum Lwcr {
    static func main(_ arguments: Arguments) {
        var args = arguments
        guard let verb = args.next() else {
            Help.show(.general)
            lwcr_exit(2)
            return
        }
        let code: Int32
        if verb.equals("--help") || verb.equals("-h") || verb.equals("help") {
            let topic = args.next().flatMap(Help.Topic.init) ?? .general
            Help.show(topic)
            code = 0
        } else if let topic = Help.Topic(verb), args.wantsHelp {
            Help.show(topic)
            code = 0
        } else if verb.equals("--version") {
            var o = Output.out
            o.write("lwcr "); o.write(cString: lwcr_version()); o.write("\n")
            o.flush()
            code = 0
        } else if verb.equals("status") {
            code = Status.run(&args)
        } else if verb.equals("pin") {
            code = Pin.run(&args)
        } else if verb.equals("check") {
            code = Check.run(&args)
        } else if verb.equals("lint") {
            code = Lint.run(&args)
        } else if verb.equals("compile") {
            code = Compile.run(&args)
        } else if verb.equals("learn") {
            code = Learn.run(&args)
        } else if verb.equals("suggest") {
            code = Suggest.run(&args)
        } else if verb.equals("run") {
            code = Launcher.run(&args, replace: false)
        } else if verb.equals("exec") {
            code = Launcher.run(&args, replace: true)
        } else {
            complain(text("unknown command '"), verb, text("' (see lwcr --help)"))
            code = 2
        }
        lwcr_exit(code)
    }
}

/// The command line, read word by word.
struct Arguments {
    let argc: Int
    let argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    var index = 1

    mutating func next() -> Bytes? {
        guard index < argc, let a = argv[index] else { return nil }
        index += 1
        return Bytes(cString: a)
    }

    func peek() -> Bytes? {
        guard index < argc, let a = argv[index] else { return nil }
        return Bytes(cString: a)
    }

    /// The C string of the word just read.
    var previous: UnsafeMutablePointer<CChar> { argv[index - 1]! }

    /// The rest of the command line, from the current word on, as an argv.
    var rest: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> { argv + index }

    var wantsHelp: Bool {
        var i = index
        while i < argc, let a = argv[i] {
            let w = Bytes(cString: a)
            if w.equals("--") { return false }
            if w.equals("--help") || w.equals("-h") { return true }
            i += 1
        }
        return false
    }
}
