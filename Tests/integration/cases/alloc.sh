# The launch path allocates nothing: alloccount defines malloc and friends,
# counts every call made while a launch is under way (in the caller and in
# its vfork or fork child, through a shared page) over twelve scenarios, from
# the first launch of the process in a vfork child (which loads the policy)
# to system(); a malloc(16) control proves that the counter counts.
test_alloc() {
    local dir allowed denied script status
    dir=$(readlink -f "$WORK")/bin
    mkdir -p "$dir"
    allowed=$dir/allowed denied=$dir/denied script=$dir/script.sh
    cp /bin/true "$allowed"
    cp /bin/true "$denied"
    printf '#!/bin/sh\nexit 0\n' > "$script"
    chmod +x "$script"

    mkdir -p "$WORK/policy.d"
    {
        printf 'require %s sha256=%s\n' "$allowed" "$(pin "$allowed")"
        printf 'require %s sha256=%s\n' "$denied" 0000000000000000000000000000000000000000000000000000000000000000
        printf 'require %s sha256=%s\n' "$script" "$(pin "$script")"
    } > "$WORK/policy.d/10-test.policy"
    # Quoting, escapes, an audit file and a default: parsed at the first
    # launch, in the vfork child, like the rest.
    printf '%s\n' 'mode audit' 'default allow' 'require "/nonexistent dir/a\x41\*"/** never' 'deny /nonexistent/st\?r' \
        > "$WORK/policy.d/20-audit.policy"
    LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB "$BIN/alloccount" "$allowed" "$denied" "$script" \
        > "$WORK/alloc.out" 2> "$WORK/alloc.err"
    status=$?
    cat "$WORK/alloc.out" "$WORK/alloc.err"
    [ "$status" -eq 0 ] || { fail "alloccount exited $status: $(grep -c FAIL "$WORK/alloc.out") scenario(s) failed"; return; }
    # Were execve(DENIED) allowed, the process would have become true and
    # exited 0 silently: the last line is the proof that it finished.
    [ "$(tail -1 "$WORK/alloc.out")" = "alloccount: all scenarios passed" ] \
        || { fail "alloccount exited 0 without finishing its scenarios"; return; }
    [ "$(grep -c " allocations=" "$WORK/alloc.out")" -eq 12 ] || { fail "expected 12 scenarios"; return; }
    pass
}

# The build-time guard: no code of ours in the library calls an allocator
# or swift_once; and the guard does fail on a library whose code does.
test_alloc_guard() {
    bash "$ROOT/Tests/alloc-guard.sh" "$LIB" > out 2>&1 || { cat out; fail "the library calls an allocator"; return; }
    printf '#include <stdlib.h>\nvoid *lwcr_bad(void) { return malloc(4); }\n' > bad.c
    cc -shared -fPIC -o bad.so bad.c || { fail "cannot build the control library"; return; }
    bash "$ROOT/Tests/alloc-guard.sh" bad.so > out 2>&1 && { fail "control: the guard passed a library that mallocs"; return; }
    grep -q "lwcr_bad" out || { cat out; fail "control: the guard did not name the caller"; return; }
    pass
}
