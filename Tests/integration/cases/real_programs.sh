# Real programs, unmodified, launching a pinned tool in their own ways.
# Each is run twice: with the tool tampered (a wrong pin) it must not run
# and the denial must be logged; with the right pin it must run.

# real_program_case NAME COMMAND...: COMMAND runs "$TOOL $WORK/ran" somehow.
real_program_case() {
    local label=$1; shift
    mkdir -p "$WORK/bin"
    TOOL=$WORK/bin/tool
    cp /usr/bin/touch "$TOOL"
    policy "require $TOOL sha256=$WRONG"
    under "$@" > out 2> err; echo "denied run, status $?"; cat out err
    [ -e "$WORK/ran" ] && { fail "$label: tampered tool ran"; return 1; }
    grep -q "^lwcr: deny $TOOL: sha256 mismatch" err || { fail "$label: no deny line"; return 1; }
    policy "require $TOOL sha256=$(pin "$TOOL")"
    under "$@" > out 2> err; echo "allowed run, status $?"; cat out err
    [ -e "$WORK/ran" ] || { fail "$label: pinned tool did not run"; return 1; }
    grep -q '^lwcr:' err && { fail "$label: allowed run logged"; return 1; }
    pass "$label"
}

# bash -c: a wrong pin is refused and logged, the right one runs.
test_bash() { real_program_case "bash -c" bash -c '"$0" "$1"' "$WORK/bin/tool" "$WORK/ran"; }
# bash finding the tool by name on PATH: a wrong pin is refused and logged,
# the right one runs.
test_bash_path_search() { real_program_case "bash PATH search" env PATH="$WORK/bin:/usr/bin:/bin" bash -c 'tool "$0"' "$WORK/ran"; }
# sh -c: a wrong pin is refused and logged, the right one runs.
test_dash_sh_c() { real_program_case "sh -c" sh -c '"$0" "$1"' "$WORK/bin/tool" "$WORK/ran"; }
# sh under env -i, its environment scrubbed: a wrong pin is still refused and
# logged, the right one runs.
test_env_i() { real_program_case "env -i" env -i /bin/sh -c '"$0" "$1"' "$WORK/bin/tool" "$WORK/ran"; }
# python3 subprocess.run with close_fds=True: a wrong pin is refused and
# logged, the right one runs.
test_python_subprocess_close_fds() {
    real_program_case "python3 subprocess close_fds=True" python3 -c \
        'import subprocess,sys; subprocess.run([sys.argv[1], sys.argv[2]], close_fds=True)' "$WORK/bin/tool" "$WORK/ran"
}
# python3 subprocess.run with close_fds=False: a wrong pin is refused and
# logged, the right one runs.
test_python_subprocess_keep_fds() {
    real_program_case "python3 subprocess close_fds=False" python3 -c \
        'import subprocess,sys; subprocess.run([sys.argv[1], sys.argv[2]], close_fds=False)' "$WORK/bin/tool" "$WORK/ran"
}
# python3 os.posix_spawn: refused and logged on a wrong pin, run on the right.
test_python_os_posix_spawn() {
    real_program_case "python3 os.posix_spawn" python3 -c \
        'import os,sys; p=os.posix_spawn(sys.argv[1], [sys.argv[1], sys.argv[2]], os.environ); os.waitpid(p,0)' "$WORK/bin/tool" "$WORK/ran"
}
# xargs: a wrong pin is refused and logged, the right one runs.
test_xargs() { real_program_case "xargs" sh -c 'echo "$1" | xargs "$0"' "$WORK/bin/tool" "$WORK/ran"; }
# find -exec: a wrong pin is refused and logged, the right one runs.
test_find_exec() { real_program_case "find -exec" find "$WORK/bin" -maxdepth 0 -exec "$WORK/bin/tool" "$WORK/ran" ';'; }
# make running the tool from a recipe: a wrong pin is refused and logged, the
# right one runs.
test_make() {
    printf 'all:\n\t%s %s\n' "$WORK/bin/tool" "$WORK/ran" > "$WORK/Makefile"
    real_program_case "make" make -s -C "$WORK"
}

# The requirement follows env -i: the child of a scrubbed launch still has
# the library and the layers, and nothing else of the caller's environment.
test_env_i_carries_only_preload_and_policy() {
    policy "default allow"
    under env -i FOO=1 /usr/bin/env > out 2> err; cat out err
    local expected
    expected=$(printf 'FOO=1\nLD_PRELOAD=%s\nLWCR_POLICY=%s\n' "$LIB" "$WORK/policy.d")
    [ "$(cat out)" = "$expected" ] || { fail "environment was: $(tr '\n' ' ' < out)"; return; }
    # An unchanged environment is passed through as it is.
    under /usr/bin/env > out2
    grep -c '^LD_PRELOAD=' out2 | grep -qx 1 || { fail "LD_PRELOAD duplicated"; return; }
    pass
}

# A relative LWCR_POLICY is made absolute, so a child in another directory
# reads the same layer.
test_relative_policy_directory() {
    mkdir -p "$WORK/bin" "$WORK/elsewhere"
    cp /usr/bin/touch "$WORK/bin/tool"
    policy "require $WORK/bin/tool sha256=$WRONG"
    (cd "$WORK" && LWCR_POLICY=policy.d LD_PRELOAD=$LIB sh -c 'cd elsewhere && "$0" "$1"' "$WORK/bin/tool" "$WORK/ran") 2> err
    cat err
    [ -e "$WORK/ran" ] && { fail "tool ran from another directory"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool" err || { fail "no deny line"; return; }
    pass
}

# The shipped baseline lets ordinary programs work, and stops a copy of a
# system tool launched from /tmp.
test_baseline_policy_with_real_programs() {
    printf 'all:\n\t@ls / > /dev/null && echo make-ok\n' > "$WORK/Makefile"
    LWCR_POLICY=$ROOT/policy.d LD_PRELOAD=$LIB bash -c \
        'ls / > /dev/null && echo ls-ok; python3 -c "import subprocess; subprocess.run([\"true\"]); print(\"python-ok\")"; make -s -C "$0"; echo x | xargs echo xargs-ok; find / -maxdepth 0 -exec echo find-ok \;' \
        "$WORK" > out 2> err
    cat out err
    for w in ls-ok python-ok make-ok 'xargs-ok x' find-ok; do grep -qx "$w" out || { fail "$w missing under the baseline"; return; }; done
    [ -s err ] && { fail "the baseline logged something for ordinary programs"; return; }
    cp /usr/bin/touch /tmp/lwcr-baseline-test-$$
    LWCR_POLICY=$ROOT/policy.d LD_PRELOAD=$LIB bash -c '"$0" "$1"' /tmp/lwcr-baseline-test-$$ "$WORK/ran" > out 2> err
    rm -f /tmp/lwcr-baseline-test-$$
    cat err
    [ -e "$WORK/ran" ] && { fail "a tool in /tmp ran under the baseline"; return; }
    grep -q "denied by rule \[10-baseline.policy:" err || { fail "no deny line"; return; }
    pass
}
