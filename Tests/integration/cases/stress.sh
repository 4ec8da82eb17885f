# Launching from a threaded program whose other threads hammer malloc,
# getenv, snprintf and stdio neither deadlocks nor fails: 400 launches of
# a pinned copy of true, alternating vfork + execve and fork + execve.
test_stress() {
    local dir target status
    dir=$(readlink -f "$WORK")/bin
    mkdir -p "$dir"
    target=$dir/target
    cp /bin/true "$target"
    mkdir -p "$WORK/policy.d"
    printf 'require %s sha256=%s\n' "$target" "$(pin "$target")" > "$WORK/policy.d/10-test.policy"
    # --foreground: on a deadlock, the SIGTERM goes to stress alone, which
    # reports the stuck child's state and kills it; -k: should stress hang.
    LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB timeout --foreground -k 10 120 "$BIN/stress" "$target" 400 \
        > "$WORK/stress.out" 2> "$WORK/stress.err"
    status=$?
    cat "$WORK/stress.out" "$WORK/stress.err"
    [ "$status" -eq 124 ] && { fail "timed out after 120s: deadlock"; return; }
    [ "$status" -eq 0 ] || { fail "stress exited $status: a launch failed"; return; }
    grep -q '^stress: vfork+execve ok=200/200 fork+execve ok=200/200 ' "$WORK/stress.out" \
        || { fail "unexpected counts"; return; }
    pass "$(sed -n 's/^stress: //p' "$WORK/stress.out" | head -1)"
}
