# The lwcr command: each verb's behaviour and exit codes, installation, and
# the three ways people use it (app, container entrypoint, user shell).
LWCR=$ROOT/build/lwcr

# lwcr --help and each verb's --help describe it; an unknown command (named
# in the message) or no command at all exits 2.
test_cli_help() {
    local c
    "$LWCR" --help > out || { fail "lwcr --help failed"; return; }
    grep -q '^    lwcr exec' out || { fail "general help lacks exec"; return; }
    for c in pin check lint run exec; do
        "$LWCR" "$c" --help > out 2>&1 || { fail "lwcr $c --help exited $?"; return; }
        grep -q "^lwcr $c" out || { fail "lwcr $c --help does not describe $c"; return; }
    done
    "$LWCR" frobnicate > out 2> err; [ $? -eq 2 ] || { fail "unknown command should exit 2"; return; }
    grep -q "unknown command 'frobnicate'" err || { fail "no message for an unknown command"; return; }
    "$LWCR" > out 2>&1; [ $? -eq 2 ] || { fail "no command should exit 2"; return; }
    pass
}

# pin prints one require line per file, a symlink's target (signed-by= with
# --signed-by), that a launch accepts; a missing file or name exits 2.
test_cli_pin() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"; ln -s tool "$WORK/bin/link"
    "$LWCR" pin "$WORK/bin/link" /usr/bin/env > out 2> err || { fail "pin exited $?"; return; }
    cat out err
    [ "$(sed -n 1p out)" = "require $WORK/bin/tool sha256=$(pin "$WORK/bin/tool")" ] || { fail "first line"; return; }
    [ "$(sed -n 2p out)" = "require /usr/bin/env sha256=$(pin /usr/bin/env)" ] || { fail "second line"; return; }
    "$LWCR" pin --signed-by acme "$WORK/bin/link" > out 2> err; cat out err
    [ "$(cat out)" = "require $WORK/bin/tool signed-by=acme" ] || { fail "--signed-by line"; return; }
    "$LWCR" pin --signed-by > out 2> err; [ $? -eq 2 ] || { fail "--signed-by without a name should exit 2"; return; }
    "$LWCR" pin "$WORK/missing" > out 2> err; [ $? -eq 2 ] || { fail "missing file should exit 2"; return; }
    grep -q "lwcr: pin: $WORK/missing: No such file or directory" err || { fail "missing file message"; return; }
    # What pin prints is a policy a launch accepts.
    "$LWCR" pin "$WORK/bin/tool" > "$WORK/pinned.policy"; mkdir -p "$WORK/policy.d"; mv "$WORK/pinned.policy" "$WORK/policy.d/"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] || { fail "a pinned file was not allowed"; return; }
    pass
}

# check explains each condition (a script's interpreter too), exits 0 or 1 and
# ends on the very line the launch logs; usage and policy errors exit 2.
test_cli_check_explains_and_agrees_with_launches() {
    mkdir -p "$WORK/bin"
    cp /usr/bin/touch "$WORK/bin/good"; cp /usr/bin/touch "$WORK/bin/bad"
    printf '#!%s\ntouch "$1"\n' "$(readlink -f /bin/sh)" > "$WORK/bin/script"; chmod +x "$WORK/bin/script"
    policy "default allow" \
           "require $WORK/bin/good sha256=$(pin "$WORK/bin/good") owner=root" \
           "require $WORK/bin/bad sha256=$WRONG | never" \
           "deny $(readlink -f /bin/sh)"
    "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin/good" > out 2> err; rc=$?; cat out err
    [ $rc -eq 0 ] || { fail "allowed file: exit $rc"; return; }
    grep -q "sha256=$(pin "$WORK/bin/good"): holds" out && grep -q 'owner=root: holds (owner is uid 0)' out \
        && grep -q '^=> allow$' out || { fail "allowed file not explained"; return; }
    "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin/bad" > out 2> err; rc=$?; cat out err
    [ $rc -eq 1 ] || { fail "denied file: exit $rc"; return; }
    grep -q "sha256=$WRONG: does not hold (found sha256=$(pin "$WORK/bin/bad"))" out || { fail "sha256 not explained"; return; }
    grep -q '^      |$' out && grep -q 'never: does not hold' out || { fail "alternatives not shown"; return; }
    # The verdict line is the very line the library logs for that launch.
    under "$BIN/launch_execve" "$WORK/bin/bad" "$WORK/x" > /dev/null 2> launch-err
    grep -qxF "$(sed 's/ pid=[0-9]* uid=.*$//' launch-err)" <(sed -n 's/^=> //p' out) || { fail "check and the launch disagree: $(cat launch-err)"; return; }
    "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin/script" > out 2> err; rc=$?; cat out err
    under "$BIN/launch_execve" "$WORK/bin/script" "$WORK/x" > /dev/null 2> launch-err
    [ $rc -eq 1 ] || { fail "script with a denied interpreter: exit $rc"; return; }
    grep -q "^  interpreter $(readlink -f /bin/sh)" out || { fail "interpreter not checked"; return; }
    grep -qxF "$(sed 's/ pid=[0-9]* uid=.*$//' launch-err)" <(sed -n 's/^ *=> //p' out) || { fail "check and the script launch disagree"; return; }
    # Usage and policy errors: 2.
    "$LWCR" check --policy > out 2> err; [ $? -eq 2 ] || { fail "--policy without a directory"; return; }
    echo "frobnicate" > "$WORK/policy.d/20-bad.policy"
    "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin/good" > out 2> err; rc=$?; cat err
    [ $rc -eq 2 ] && grep -q "policy error: 20-bad.policy:1: unknown directive 'frobnicate'" err || { fail "policy error: exit $rc"; return; }
    pass
}

# lint is silent on a clean policy and passes the shipped one; it exits 1 on
# a broken policy, each problem as FILE:LINE: message, or a missing directory.
test_cli_lint() {
    mkdir -p "$WORK/good.d" "$WORK/bad.d"
    printf 'default allow\ndeny /tmp/**\n' > "$WORK/good.d/10.policy"
    "$LWCR" lint "$WORK/good.d" > out 2>&1; rc=$?; cat out
    [ $rc -eq 0 ] && [ ! -s out ] || { fail "clean policy: exit $rc"; return; }
    printf 'default maybe\nrequire /x sha256=12\nallow /usr/bin/ls\nallow /usr/bin/**\n' > "$WORK/bad.d/10-a.policy"
    printf 'deny relative\n' > "$WORK/bad.d/20-b.policy"
    "$LWCR" lint "$WORK/bad.d" > out 2>&1; rc=$?; cat out
    [ $rc -eq 1 ] || { fail "broken policy: exit $rc"; return; }
    grep -qx "$WORK/bad.d/10-a.policy:1: default takes allow or deny, not 'maybe'" out \
        && grep -qx "$WORK/bad.d/10-a.policy:2: sha256= needs 64 hex digits, not 'sha256=12'" out \
        && grep -qx "$WORK/bad.d/20-b.policy:1: a pattern must be an absolute path, not 'relative'" out \
        || { fail "not every problem reported as FILE:LINE: message"; return; }
    grep -qx "$WORK/bad.d/10-a.policy:3: warning: no launch can reach this rule: 10-a.policy:4 decides every path it matches" out \
        || { fail "shadowed rule not reported"; return; }
    "$LWCR" lint "$ROOT/policy.d" > out 2>&1 || { cat out; fail "the shipped policy.d does not lint"; return; }
    "$LWCR" lint "$WORK/missing.d" > out 2>&1; [ $? -eq 1 ] || { fail "missing directory"; return; }
    pass
}

# run checks every launch beneath it and returns the program's status: 126
# when denied, 127 when missing, 2 for a missing policy or unknown option.
test_cli_run() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "require $WORK/bin/tool sha256=$WRONG"
    "$LWCR" run --policy "$WORK/policy.d" -- sh -c 'exit 7'; rc=$?
    [ $rc -eq 7 ] || { fail "run should return the program's status, got $rc"; return; }
    "$LWCR" run --policy "$WORK/policy.d" -- sh -c '"$0" "$1"; echo "tool=$?"; echo "preload=$LD_PRELOAD"' "$WORK/bin/tool" "$WORK/ran" > out 2> err
    cat out err
    [ -e "$WORK/ran" ] && { fail "a launch inside run was not checked"; return; }
    grep -qx 'tool=126' out && grep -qx "preload=$ROOT/build/liblwcr.so" out || { fail "run's children"; return; }
    "$LWCR" run --policy "$WORK/policy.d" -- "$WORK/bin/tool" "$WORK/ran" > out 2> err; rc=$?; cat err
    [ $rc -eq 126 ] && grep -q "^lwcr: deny $WORK/bin/tool: sha256 mismatch" err || { fail "denied program: exit $rc"; return; }
    "$LWCR" run -- "$WORK/no-such-program" 2> err; [ $? -eq 127 ] || { fail "missing program should exit 127"; return; }
    "$LWCR" run --policy "$WORK/missing.d" -- true 2> err; rc=$?; cat err
    [ $rc -eq 2 ] && grep -q 'policy directory does not exist' err || { fail "missing policy: exit $rc"; return; }
    "$LWCR" run --bogus -- true 2> err; [ $? -eq 2 ] || { fail "unknown option"; return; }
    pass
}

# lwcr exec replaces itself with the program: the process id stays the same.
test_cli_exec_replaces_itself() {
    policy "default allow"
    sh -c 'echo "outer=$$"; exec "$0" exec --policy "$1" -- sh -c "echo inner=\$\$"' "$LWCR" "$WORK/policy.d" > out 2>&1
    cat out
    [ "$(sed -n 's/outer=//p' out)" = "$(sed -n 's/inner=//p' out)" ] || { fail "exec did not keep the process id"; return; }
    pass
}

# make install lays out lwcr (which finds its library), a baseline that lints
# and a cache directory root's 755; a second install keeps an edited policy.
test_cli_install() {
    local root=$WORK/root
    make -s -C "$ROOT" install DESTDIR="$root" > out 2>&1 || { cat out; fail "make install failed"; return; }
    for f in usr/local/bin/lwcr usr/local/lib/liblwcr.so etc/lwcr/policy.d/10-baseline.policy; do
        [ -e "$root/$f" ] || { fail "$f not installed"; return; }
    done
    # The verification cache directory, root's and writable by no one else.
    [ "$(stat -c '%U %a' "$root/var/cache/lwcr" 2>&1)" = "root 755" ] || { fail "cache directory: $(stat -c '%U %a' "$root/var/cache/lwcr" 2>&1)"; return; }
    "$root/usr/local/bin/lwcr" run -- sh -c 'echo "preload=$LD_PRELOAD"' > out 2>&1; cat out
    grep -qx "preload=$root/usr/local/lib/liblwcr.so" out || { fail "installed lwcr does not find its library"; return; }
    "$root/usr/local/bin/lwcr" lint "$root/etc/lwcr/policy.d" || { fail "installed baseline does not lint"; return; }
    # A second install keeps a policy the administrator changed.
    echo "# mine" >> "$root/etc/lwcr/policy.d/10-baseline.policy"
    make -s -C "$ROOT" install DESTDIR="$root" > out 2>&1
    grep -q '^# mine$' "$root/etc/lwcr/policy.d/10-baseline.policy" || { fail "install overwrote a changed policy"; return; }
    pass
}

# make demo, the README's first command, shows the tampered tool refused.
test_make_demo() {
    bash "$ROOT/Tests/demo.sh" > out 2>&1; local rc=$?
    cat out
    [ $rc -eq 0 ] || { fail "the demo exited $rc"; return; }
    grep -q '^mycommandlinetool: hello, I am the genuine tool$' out || { fail "the genuine tool did not run"; return; }
    grep -q "^lwcr: deny $ROOT/build/demo/bin/mycommandlinetool: sha256 mismatch \[10-tools.policy:2\]\( pid=.*\)\?$" out \
        || { fail "the tampered tool was not refused"; return; }
    pass
}

# lint scales with the policy (20,000 pins of one directory, 100,000
# wildcard rules: seconds, not minutes) and says what a launch would make
# of a policy too large for its memory, instead of crashing or passing it.
test_cli_lint_large_policies() {
    umask 022
    mkdir -p "$WORK/pins" "$WORK/wild" "$WORK/huge"
    python3 -c "print(''.join('require /usr/bin/t%d sha256=%064d\n' % (i, i) for i in range(20000)), end='')" > "$WORK/pins/10.policy"
    python3 -c "print(''.join('deny /srv/d%d/**\n' % i for i in range(100000)), end='')" > "$WORK/wild/10.policy"
    python3 -c "print(''.join('deny /srv/zz/d%d/**\n' % i for i in range(400000)), end='')" > "$WORK/huge/10.policy"
    sleep 0.2
    local d status
    for d in pins wild; do
        timeout 20 "$ROOT/build/lwcr" lint "$WORK/$d" > out 2>&1
        status=$?
        [ "$status" = 0 ] || { head out; fail "lint of $d: status $status (124: timed out after 20 s)"; return; }
    done
    timeout 20 "$ROOT/build/lwcr" lint "$WORK/huge" > out 2>&1; status=$?; cat out
    [ "$status" = 1 ] || { fail "lint of a too-large policy exited $status"; return; }
    grep -q "policy too large" out || { fail "lint did not say the policy is too large"; return; }
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/x"
    LWCR_POLICY=$WORK/huge LD_PRELOAD=$LIB "$BIN/launch_execve" "$WORK/bin/x" "$WORK/ran" > out 2> err; cat err
    [ -e "$WORK/ran" ] && { fail "the launch passed a policy lint called too large"; return; }
    grep -q "policy too large" err || { fail "the launch's denial does not say the same as lint"; return; }
    pass
}

# lwcr check and a real launch take the same walk, so they agree, case by
# case: a directory, a file without x, a script whose interpreter is
# denied, an allowed script, a sealed rule.
test_cli_check_agrees_with_launch_table() {
    umask 022
    local sh; sh=$(readlink -f /bin/sh)
    mkdir -p "$WORK/bin/dir" "$WORK/other"
    cp /usr/bin/touch "$WORK/bin/noexec"; chmod 644 "$WORK/bin/noexec"
    printf '#!%s\ntouch "$1"\n' "$WORK/bin/denied-sh" > "$WORK/bin/script-denied"; chmod +x "$WORK/bin/script-denied"
    cp "$sh" "$WORK/bin/denied-sh"
    printf '#!%s\ntouch "$1"\n' "$sh" > "$WORK/bin/script-ok"; chmod +x "$WORK/bin/script-ok"
    cp /usr/bin/touch "$WORK/bin/sealed"
    cp /usr/bin/touch "$WORK/other/tool"
    policy "deny $WORK/bin/denied-sh" "require $WORK/bin/sealed sha256=$(pin "$WORK/bin/sealed") sealed"
    local case verdict ran n=0
    for case in dir noexec script-denied script-ok sealed; do
        rm -f "$WORK/ran"
        "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin/$case" > out 2>&1; verdict=$?
        under "$BIN/launch_execve" "$WORK/bin/$case" "$WORK/ran" > /dev/null 2>&1
        ran=1; [ -e "$WORK/ran" ] && ran=0
        echo "$case: check=$verdict launch=$ran"
        [ "$verdict" = "$ran" ] || { cat out; fail "$case: check says $verdict, the launch $ran (0 ran, 1 refused)"; return; }
        n=$((n + 1))
    done
    pass "$n cases agree"
}

# Under lwcr exec --landlock, check says what the kernel will refuse: the
# policy allows $WORK/other/tool (no rule matches), but only the
# directories its rules name may execute.
test_cli_check_agrees_with_launch_under_landlock() {
    umask 022
    local verdict ran
    mkdir -p "$WORK/other"; cp /usr/bin/touch "$WORK/other/tool"
    policy "allow $(dirname "$LWCR")/**" "allow /usr/**"
    "$LWCR" exec --landlock --policy "$WORK/policy.d" -- /usr/bin/true 2> err
    if grep -q 'has no Landlock' err; then skip "the kernel has no Landlock"; return; fi
    rm -f "$WORK/ran"
    "$LWCR" exec --landlock --policy "$WORK/policy.d" -- "$LWCR" check --policy "$WORK/policy.d" "$WORK/other/tool" > out 2>&1; verdict=$?
    "$LWCR" exec --landlock --policy "$WORK/policy.d" -- "$BIN/launch_execve" "$WORK/other/tool" "$WORK/ran" > /dev/null 2>&1
    ran=1; [ -e "$WORK/ran" ] && ran=0
    echo "landlock: check=$verdict launch=$ran"; cat out
    [ "$ran" = 1 ] || { fail "control: Landlock let the launch run"; return; }
    [ "$verdict" = 1 ] || { fail "under Landlock, check says $verdict where the kernel refuses the launch"; return; }
    grep -q "the kernel would refuse it" out || { fail "check does not say the kernel refuses it"; return; }
    pass
}
