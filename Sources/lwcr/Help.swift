/// `lwcr --help` and `lwcr COMMAND --help`.
enum Help {
    enum Topic {
        case general, pin, check, lint, compile, run, exec

        init?(_ word: Bytes) {
            if word.equals("pin") { self = .pin }
            else if word.equals("check") { self = .check }
            else if word.equals("lint") { self = .lint }
            else if word.equals("compile") { self = .compile }
            else if word.equals("run") { self = .run }
            else if word.equals("exec") { self = .exec }
            else { return nil }
        }
    }

    static func show(_ topic: Topic) {
        var o = Output.out
        switch topic {
        case .general: o.write(general)
        case .pin: o.write(pin)
        case .check: o.write(check)
        case .lint: o.write(lint)
        case .compile: o.write(compile)
        case .run: o.write(run)
        case .exec: o.write(exec)
        }
        o.flush()
    }

    static let general: StaticString = """
    lwcr - launch code requirements for Linux

    USAGE
        lwcr pin PATH...                          print policy lines that pin files
        lwcr check [--policy DIR]... PATH...      explain whether each PATH would launch
        lwcr lint [DIR]...                        report every problem in policy directories
        lwcr compile [DIR]...                     publish compiled policy snapshots, live
        lwcr run [--policy DIR]... -- PROGRAM [ARG]...
                                                  start PROGRAM under the policy and wait
        lwcr exec [--policy DIR]... [--landlock] -- PROGRAM [ARG]...
                                                  become PROGRAM under the policy (entrypoints)

    Every program started by run or exec, and everything it launches, runs with
    liblwcr.so preloaded: each launch is checked against the policy layers and
    the checked file is executed by descriptor. See lwcr COMMAND --help.

    POLICY LAYERS
        The system directory /etc/lwcr/policy.d (when present) and each --policy
        DIR (or, without --policy, each directory of LWCR_POLICY). A launch must
        pass every layer.

    WHEN EDITS TAKE EFFECT
        A directory without a compiled snapshot is read as text by each process
        at its first launch. Once a directory is compiled (lwcr compile), every
        launch follows its snapshot: edit the text, then run lwcr compile, as
        after editing /etc/aliases you run newaliases. Running processes obey
        the new snapshot from their next launch.

    EXIT STATUS
        0 success; 1 a path would be denied (check) or a policy has problems
        (lint); 2 usage or policy errors (compile: nothing was published). run and exec return the program's status,
        126 when it is denied or cannot be executed, 127 when it is not found.

    """

    static let pin: StaticString = """
    lwcr pin [--signed-by NAME] PATH...

    Prints, for each PATH, a policy line that pins the file by content:

        require CANONICAL-PATH sha256=HEX

    or, with --signed-by NAME, one that requires a signature by the signer
    NAME (declared in the policy with `signer` or `signers`):

        require CANONICAL-PATH signed-by=NAME

    CANONICAL-PATH is PATH with symlinks and .. resolved, as a launch names it,
    written so that it means exactly that file: bytes outside ! to ~ as \\xHH,
    and \\ " * ? [ escaped with a backslash.
    Append the output to a policy file:  lwcr pin /usr/local/bin/tool >> DIR/10-tools.policy

    Exit 0, or 2 when a PATH cannot be read.

    """

    static let check: StaticString = """
    lwcr check [--policy DIR]... PATH...

    Takes the very walk a launch of each PATH takes (the same code: regular
    files only, #! interpreters, the dynamic loader's program, sealed copies)
    without executing anything, and explains each decision: for every layer,
    the deciding rule (FILE:LINE) or the default, and each fact of that rule
    with what it requires and what was found. At the end the kernel is asked
    whether it would execute the file (mode, noexec mounts, Landlock under
    lwcr exec --landlock), as a launch would find out.

    Without --policy, the layers are those of LWCR_POLICY, as for a launch.

    Exit 0 when every PATH would launch, 1 when one would be denied, 2 on usage
    or policy errors.

    """

    static let lint: StaticString = """
    lwcr lint [DIR]...

    Parses the *.policy files of each DIR (by default the system directory and
    the LWCR_POLICY layers) and reports every problem as FILE:LINE: message.
    Also warns about rules no launch can reach, because a later rule of the same
    layer decides every path they match.

    Run it before installing a policy system-wide: with /etc/ld.so.preload, a
    policy that does not parse denies every launch on the machine.

    Exit 0 when there is no problem, 1 when there is one, 2 on usage errors.

    """

    static let compile: StaticString = """
    lwcr compile [DIR]...

    Lints each DIR (by default the system directory) and, when it has no error,
    publishes its compiled snapshot, DIR/.lwcr-snapshot: the policy in the form
    a launch uses, which every process maps (shared, read-only) instead of
    parsing the text. A launch then costs the same whatever the size of the
    policy. Publishing is atomic, and every running process judges its next
    launch by the new snapshot: a new deny and a lifted one alike.

    A directory with an error is not published: the snapshot in force stays.
    Once a directory is compiled, edits to its files take effect only when it is
    compiled again; lwcr lint and lwcr check say when there are changes not yet
    compiled. owner=NAME and group=NAME are resolved at compile time.

    Exit 0 when every DIR was published, 2 otherwise.

    """

    static let run: StaticString = """
    lwcr run [--policy DIR]... [--] PROGRAM [ARG]...

    Starts PROGRAM (searched in PATH) with liblwcr.so preloaded and the given
    policy layers, waits for it and exits with its status. PROGRAM itself is
    checked like any launch, and so is everything it launches. The per-app and
    per-user-shell entry:

        lwcr run --policy ~/lwcr.d -- bash -l

    Layers already in force (LWCR_POLICY) are kept after the given ones: a
    layer can be added, never dropped.

    """

    static let exec: StaticString = """
    lwcr exec [--policy DIR]... [--landlock | --landlock-if-available] [--] PROGRAM [ARG]...

    Like run, but lwcr replaces itself with PROGRAM (which keeps lwcr's process
    id: PID 1 in a container). The container entrypoint:

        ENTRYPOINT ["/usr/local/bin/lwcr", "exec", "--landlock", "--"]

    --landlock  Before starting PROGRAM, restricts through Landlock
                (LANDLOCK_ACCESS_FS_EXECUTE, Linux 5.13+) where the whole process
                tree may execute files from: only the files and directories named
                by the allow and require rules (up to their first wildcard), and
                the directory of the ELF dynamic loader. The kernel enforces it,
                so it holds even for static binaries and raw system calls, and it
                cannot be undone. Without Landlock in the kernel, lwcr exec
                refuses to start (exit 2).
    --landlock-if-available
                The same where the kernel has Landlock; elsewhere a warning, and
                PROGRAM starts with the preload's checks only.

    """
}
