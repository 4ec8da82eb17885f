/// `lwcr --help` and `lwcr COMMAND --help`.
enum Help {
    enum Topic {
        case general, pin, check, lint, compile, run, exec, learn, suggest, status

        init?(_ word: Bytes) {
            if word.equals("pin") { self = .pin }
            else if word.equals("check") { self = .check }
            else if word.equals("lint") { self = .lint }
            else if word.equals("compile") { self = .compile }
            else if word.equals("run") { self = .run }
            else if word.equals("exec") { self = .exec }
            else if word.equals("learn") { self = .learn }
            else if word.equals("suggest") { self = .suggest }
            else if word.equals("status") { self = .status }
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
        case .learn: o.write(learn)
        case .suggest: o.write(suggest)
        case .status: o.write(status)
        }
        o.flush()
    }

    static let general: StaticString = """
    lwcr - launch code requirements for Linux

    USAGE
        lwcr pin [--signed-by NAME] [-r] PATH...  print policy lines that pin files (-r: whole trees)
        lwcr pin --refresh [--keep-missing] [--dry-run] FILE...
                                                  rewrite the sha256= pins of changed files
        lwcr check [-p DIR]... [--system DIR] [--json] PATH...
                                                  explain whether each PATH would launch
        lwcr lint [--json] [--strict] [-p DIR]... [DIR]...
                                                  report every problem in policy directories
        lwcr compile [DIR]...                     publish compiled policy snapshots, live
        lwcr learn -o DIR [-p DIR]... -- PROGRAM [ARG]...
                                                  run PROGRAM, record its launches, write a policy
        lwcr suggest [LOGFILE]...                 turn lwcr's log lines into policy lines
        lwcr run [-p DIR]... -- PROGRAM [ARG]...  start PROGRAM under the policy and wait
        lwcr exec [-p DIR]... [--landlock] -- PROGRAM [ARG]...
                                                  become PROGRAM under the policy (entrypoints)
        lwcr status [PID]                         what a running process enforces, or the system
        lwcr --version                            the version of lwcr (the library carries the same)

    Every program started by run or exec, and everything it launches, runs with
    liblwcr.so preloaded: each launch is checked against the policy layers and
    the checked file is executed by descriptor. See lwcr COMMAND --help.
    -p DIR, --policy DIR and --policy=DIR are the same option.

    POLICY LAYERS
        The system directory /etc/lwcr/policy.d (when present), then each
        --policy DIR, then each directory of LWCR_POLICY: a launch must pass
        every layer. --policy adds layers; it never drops those of LWCR_POLICY.

    WHEN EDITS TAKE EFFECT
        A directory without a compiled snapshot is read as text by each process
        at its first launch. Once a directory is compiled (lwcr compile), every
        launch follows its snapshot: edit the text, then run lwcr compile, as
        after editing /etc/aliases you run newaliases. Running processes obey
        the new snapshot from their next launch.

    ENVIRONMENT
        Read once, when a process starts: export LWCR_LOG=... in a running
        shell changes what the programs it starts do, not the shell itself.
        None is read by a setuid or setgid program (secure-execution mode).
        LWCR_POLICY      more layers, DIR:DIR...
        LWCR_LOG         stderr, syslog, journal, none or an absolute file,
                         over log= of /etc/lwcr/lwcr.conf
        LWCR_LOG_FORMAT  text or json, over format= of /etc/lwcr/lwcr.conf

    EXIT STATUS
        0 success; 1 a path would be denied (check), a policy has problems
        (lint; with --strict, warnings too), or nothing was seen (suggest,
        learn) or the library is not loaded in the process (status PID); 2 usage
        or policy errors (compile: nothing was published; status: no such process).
        run and exec return the program's status (128+N when signal N ended
        it), 126 when it is denied or cannot be executed, 127 when it is not
        found.

    """

    static let pin: StaticString = """
    lwcr pin [--signed-by NAME] [-r] PATH...
    lwcr pin --refresh [--keep-missing] [--dry-run] FILE...

    Prints, for each PATH, a policy line that pins the file by content:

        require CANONICAL-PATH sha256=HEX

    or, with --signed-by NAME, one that requires a signature by the signer
    NAME (declared in the policy with `signer` or `signers`):

        require CANONICAL-PATH signed-by=NAME

    CANONICAL-PATH is PATH with symlinks and .. resolved, as a launch names it,
    written so that it means exactly that file: bytes outside ! to ~ as \\xHH,
    and \\ " * ? [ escaped with a backslash.
    Append the output to a policy file:  lwcr pin /usr/local/bin/tool >> DIR/10-tools.policy

    -r, --recursive  PATH may be a directory: every executable regular file in
                     the tree, once each, in byte order. A symlink in the tree
                     to an executable file brings that file, and is named in a
                     comment above its line, which says so when the file is
                     outside the trees given. Directories are never entered
                     through a symlink.
    --refresh        After an upgrade: in each policy FILE, every sha256= pin of
                     a require rule whose file changed is rewritten with the
                     file's digest now, and each change is shown (old and new
                     digest). Nothing else in the file changes; the file is
                     replaced atomically, keeping its owner and mode. A pinned
                     file that is gone stops the run before anything is written,
                     unless --keep-missing leaves such pins as they are.
                     --dry-run (-n) shows the changes and writes nothing. A compiled
                     directory obeys the new pins after lwcr compile.

    Exit 0, or 2 when a PATH cannot be read (the others are still printed) or a
    pinned file is gone.

    """

    static let check: StaticString = """
    lwcr check [--policy DIR]... [--system DIR] [--json] PATH...

    Takes the very walk a launch of each PATH takes (the same code: regular
    files only, #! interpreters, the dynamic loader's program, sealed copies)
    without executing anything, and explains each decision: for every layer,
    the deciding rule (FILE:LINE) or the default, and each fact of that rule
    with what it requires and what was found. At the end the kernel is asked
    whether it would execute the file, as a launch would find out: "not a
    regular file", "not executable", a noexec mount, Landlock under
    lwcr exec --landlock.

    A PATH without a slash is looked up in PATH, as which(1) does.
    The layers are the system directory, the --policy layers (-p DIR,
    --policy=DIR), then those of LWCR_POLICY, as for a launch.

    --system DIR  judge by DIR in place of the system directory: try a change
                  before installing it (DIR must be root's, as the system
                  directory must).
    --json        one JSON object per PATH: path, resolved, files (role, name,
                  decision), verdict (allow, deny, refused, fails, error) and
                  message.

    Exit 0 when every PATH would launch, 1 when one would be denied or refused,
    2 on usage or policy errors, or when a PATH cannot be found.

    """

    static let lint: StaticString = """
    lwcr lint [--json] [--strict] [--policy DIR]... [DIR]...

    Parses the *.policy files of each DIR and --policy DIR (by default the
    system directory, the LWCR_POLICY layers and /etc/lwcr/lwcr.conf) and
    reports every problem as FILE:LINE: message. Also warns about rules no
    launch can reach, because a later rule of the same layer decides every path
    they match, and notes the files a launch ignores (10.conf, x.policy~).

    Run it before installing a policy system-wide: with /etc/ld.so.preload, a
    policy that does not parse denies every launch on the machine.

    -p DIR, --policy DIR
              lint DIR too (as a launch names it: made absolute).
    --json    one JSON object per finding: severity (error, warning, note),
              file (a full path), line (0 for a whole file) and message.
    --strict  warnings count as problems (exit 1), for CI.

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

    static let learn: StaticString = """
    lwcr learn -o DIR [--policy DIR]... [--] PROGRAM [ARG]...

    -o DIR, --output DIR and --output=DIR are the same option.

    Runs PROGRAM (with the layers of -p DIR, --policy DIR) with every launch
    of its whole process tree allowed and recorded, then writes DIR/50-learned.policy (DIR is made if need be; an
    existing file is never replaced): `default deny`, then one rule per file
    launched, programs, #! interpreters, the dynamic loader and the programs
    given to it alike, each with how often it was seen. Then

        lwcr run --policy DIR -- PROGRAM [ARG]...

    runs the same workload enforced, and a launch it never made is refused.

    Facts are chosen from each file as it is now: trusted-path for root's
    files in directories only root can change, a sha256= pin for a file anyone
    else could change. A file in a world-writable place (/tmp) gets no rule:
    it is named on standard error instead, and its launch will be denied.

    While learning, the given --policy layers (and LWCR_POLICY's) only audit:
    what they would deny is recorded, and allowed. The system layer is still
    enforced; learning cannot loosen it. Not recorded: setuid and setgid
    programs (they read no LWCR_* variable) and what they launch, and the
    launches of a program that clears its environment (env -i) and of its
    children.

    Exit 0 when the file was written, 1 when nothing was launched, 2 on usage
    errors.

    """

    static let suggest: StaticString = """
    lwcr suggest [LOGFILE]...

    Reads lwcr's deny, audit and allow lines from each LOGFILE (standard input
    by default): text lines as stderr, a log file or syslog has them, lwcr's
    JSON lines, or journalctl -o json output. Prints policy lines that would
    admit the files they name, each once, commented with how many times it was
    seen and how it was decided. Facts are chosen as lwcr learn chooses them,
    from the file as it is on this machine; a file that is not here, or is in
    a world-writable place, gets a comment instead of a rule.

    Names that lead to one file are one entry. Any user can write a line that
    looks like lwcr's to syslog or the journal: read what suggest prints
    before installing it.

        journalctl -o json LWCR_VERDICT=deny | lwcr suggest > 60-seen.policy

    Exit 0, 1 when the input has no lwcr line, 2 when a LOGFILE cannot be read.

    """

    static let status: StaticString = """
    lwcr status [PID]

    With PID: what that running process enforces, as far as the kernel shows
    it under /proc/PID: the liblwcr.so it mapped (its version, and whether the
    file was replaced on disk since), whether it came through LD_PRELOAD or
    /etc/ld.so.preload, secure-execution mode (AT_SECURE: LWCR_* ignored), the
    layers (the system directory, then LWCR_POLICY from the environment it
    started with), each compiled snapshot it maps with its generation, in
    force or superseded, its log target and format, and learn mode. A policy
    read as text lives in the process's private memory, which /proc does not
    show; status says so rather than guess. Another user's process needs root.

    Without PID: the system. The version; the system policy directory and its
    compile state (not compiled, compiled generation N and up to date, changes
    not yet compiled, a policy error); the verification cache and whether
    launches can use it; whether /etc/ld.so.preload names the library; the
    library lwcr run and exec preload.

    Exit 0 (PID: the library is loaded in it), 1 the library is not loaded in
    PID, 2 no such process or its /proc files cannot be read.

    """

    static let run: StaticString = """
    lwcr run [--policy DIR]... [--] PROGRAM [ARG]...

    Starts PROGRAM (searched in PATH) with liblwcr.so preloaded and the given
    policy layers (-p DIR, --policy DIR, --policy=DIR), waits for it and exits with its status, as a shell would
    (128+N when signal N ended it). PROGRAM itself is checked like any launch,
    and so is everything it launches. The per-app and per-user-shell entry:

        lwcr run --policy ~/lwcr.d -- bash -l

    TERM, INT, HUP, QUIT, USR1, USR2 and WINCH sent to lwcr by another process
    are passed on to PROGRAM; a terminal's interrupt already reaches it.

    Layers already in force (LWCR_POLICY) are kept after the given ones: a
    layer can be added, never dropped.

    """

    static let exec: StaticString = """
    lwcr exec [--policy DIR]... [--landlock | --landlock-if-available] [--] PROGRAM [ARG]...

    Like run (-p DIR is --policy DIR), but lwcr replaces itself with PROGRAM (which keeps lwcr's process
    id: PID 1 in a container). The container entrypoint:

        ENTRYPOINT ["/usr/local/bin/lwcr", "exec", "--landlock", "--"]

    --landlock  Before starting PROGRAM, restricts through Landlock
                (LANDLOCK_ACCESS_FS_EXECUTE, Linux 5.13+) where the whole process
                tree may execute files from: only the files and directories named
                by the allow and require rules (up to their first wildcard), and
                the directory of the ELF dynamic loader. The kernel enforces it,
                so it holds even for static binaries and raw system calls (but
                not for a dynamically linked file given to the loader, as in
                ld.so /any/prog by a raw execve: the loader maps it, which the
                execute right does not cover), and it cannot be undone. Without Landlock in the kernel, lwcr exec
                refuses to start (exit 2).
    --landlock-if-available
                The same where the kernel has Landlock; elsewhere a warning, and
                PROGRAM starts with the preload's checks only.

    """
}
