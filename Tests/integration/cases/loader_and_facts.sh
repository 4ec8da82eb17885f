# The dynamic loader run directly, and the facts beyond v1.

# The loader run directly (or a copy) is judged by the program it would load,
# whatever its options; a bare or unopenable name is refused; ldd still works.
test_loader_run_directly_is_judged_as_program() {
    local ld=/lib64/ld-linux-x86-64.so.2
    [ -e "$ld" ] || { skip "no $ld on this machine"; return; }
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"; cp "$(readlink -f "$ld")" "$WORK/bin/my-loader"
    policy "require $WORK/bin/tool sha256=$WRONG"
    for loader in "$ld" "$WORK/bin/my-loader"; do
        for args in "" "--library-path /nonexistent" "--argv0 fake --inhibit-cache"; do
            # shellcheck disable=SC2086
            under "$BIN/launch_execv_args" "$loader" $args "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
            [ -e "$WORK/ran" ] && { fail "$loader $args ran a denied program"; return; }
            grep -q "^lwcr: deny $WORK/bin/tool: sha256 mismatch" err || { fail "$loader $args: no deny line for the program"; return; }
        done
    done
    under "$BIN/launch_execv_args" "$ld" --frobnicate "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "an unknown loader option hid the program"; return; }
    # A bare name is looked up by the loader, not here: refused.
    (cd "$WORK/bin" && under "$BIN/launch_execv_args" "$ld" tool "$WORK/ran") > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "a bare program name ran through the loader"; return; }
    grep -q "given to the dynamic loader without a path" err || { fail "no deny line for a bare name"; return; }
    # What lwcr cannot open, the loader must not run either.
    under "$BIN/launch_execv_args" "$ld" "$WORK/bin/missing" > out 2> err; cat out err
    grep -q "lwcr cannot open it to check it" err || { fail "no deny line for an unopenable program"; return; }
    policy "require $WORK/bin/tool sha256=$(pin "$WORK/bin/tool")"
    under "$BIN/launch_execv_args" "$ld" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] || { fail "an allowed program did not run through the loader"; return; }
    under ldd "$WORK/bin/tool" > out 2> err; cat out err
    grep -q 'libc.so' out || { fail "ldd of an allowed program broke"; return; }
    pass
}

fact_case() {  # fact_case FACT EXPECT(allow|deny) [REASON]
    policy "require $WORK/bin/tool $1"
    rm -f "$WORK/ran"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err
    echo "$1 -> $(cat err)"
    if [ "$2" = allow ]; then [ -e "$WORK/ran" ] || { fail "$1 should hold"; return 1; }
    else
        [ -e "$WORK/ran" ] && { fail "$1 should not hold"; return 1; }
        [ -z "${3:-}" ] || grep -q "$3" err || { fail "$1: expected reason '$3'"; return 1; }
    fi
}

# group= holds by gid or by name and says what it found when false; elf holds
# for a binary, script does not (not a #! script), and !script negates it.
test_facts_group_elf_script() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"; chgrp 0 "$WORK/bin/tool"
    fact_case "group=0" allow || return
    fact_case "group=root" allow || return
    fact_case "group=4321" deny "group is gid 0, policy requires group=4321" || return
    fact_case "elf" allow || return
    fact_case "script" deny "not a #! script" || return
    fact_case "!script elf" allow || return
    pass
}

# readonly-mount holds only for a file on a read-only mount, and says so
# when it does not.
test_fact_readonly_mount() {
    [ "$(id -u)" = 0 ] || { skip "needs root for a read-only bind mount"; return; }
    mkdir -p "$WORK/bin" "$WORK/ro"; cp /usr/bin/touch "$WORK/bin/tool"
    fact_case "readonly-mount" deny "not on a read-only mount" || return
    mount --bind "$WORK/bin" "$WORK/ro" 2>/dev/null && mount -o remount,bind,ro "$WORK/ro" 2>/dev/null \
        || { umount "$WORK/ro" 2>/dev/null; skip "cannot make a read-only bind mount here"; return; }
    policy "require $WORK/ro/tool readonly-mount"
    under "$BIN/launch_execve" "$WORK/ro/tool" "$WORK/ran" > out 2> err; cat err
    umount "$WORK/ro"
    [ -e "$WORK/ran" ] || { fail "a file on a read-only mount failed readonly-mount"; return; }
    pass
}

# immutable holds only for a file with chattr +i, and says so otherwise.
test_fact_immutable() {
    command -v chattr > /dev/null || { skip "chattr (e2fsprogs) is not installed"; return; }
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    fact_case "immutable" deny "not immutable" || return
    chattr +i "$WORK/bin/tool" 2>/dev/null || { skip "chattr +i is not supported on $(df --output=fstype "$WORK" | tail -1)"; return; }
    fact_case "immutable" allow; local r=$?
    chattr -i "$WORK/bin/tool"
    [ $r -eq 0 ] && pass
}

# no-caps holds for a file without file capabilities, and fails, saying so,
# once it has one.
test_fact_no_caps() {
    command -v setcap > /dev/null || { skip "setcap (libcap2-bin) is not installed"; return; }
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    fact_case "no-caps" allow || return
    setcap cap_net_raw+ep "$WORK/bin/tool" 2>/dev/null || { skip "setcap is not supported here"; return; }
    fact_case "no-caps" deny "the file has capabilities" || return
    pass
}

# fsverity= on a file with no fs-verity digest is false, and the deny line
# says why.
test_fact_fsverity_says_why() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    fact_case "fsverity=$WRONG" deny "no fs-verity digest for the file" || return
    pass "false with a reason (no fs-verity here)"
}

# sealed: while a writer rewrites the file in place as fast as it can, no
# launch ever runs the rewritten content.
test_sealed_launch() {
    command -v cc > /dev/null || { skip "no C compiler to build the bad program"; return; }
    mkdir -p "$WORK/bin"
    cp /usr/bin/true "$WORK/bin/good"
    printf 'int main(void) { return 42; }\n' > "$WORK/bad.c"; cc -o "$WORK/bin/bad" "$WORK/bad.c"
    cp "$WORK/bin/good" "$WORK/bin/target"
    policy "require $WORK/bin/target sha256=$(pin "$WORK/bin/good") sealed"
    # A short pause between rewrites leaves launches a chance to find either
    # content whole; without one nearly every copy is caught mid-write.
    "$BIN/rewriter" "$WORK/bin/target" "$WORK/bin/good" "$WORK/bin/bad" 50 & local writer=$!
    LWCR_LOG=none under bash -c 'ok=0; for i in $(seq 3000); do "$0"; s=$?; echo "status=$s"; [ $s = 0 ] && ok=$((ok + 1)); [ $i -ge 400 ] && [ $ok -ge 20 ] && break; done' \
        "$WORK/bin/target" > out 2> err
    kill $writer; wait $writer 2>/dev/null
    local good bad denied
    good=$(grep -cx 'status=0' out); bad=$(grep -cx 'status=42' out); denied=$(grep -cx 'status=126' out)
    echo "good=$good bad=$bad denied=$denied"
    [ "$bad" -eq 0 ] || { fail "the rewritten content ran $bad times"; return; }
    [ "$good" -ge 1 ] || { fail "no launch ran: the test proves nothing"; return; }
    # The kernel's own exec checks still apply to a sealed file: no execute bit, no run.
    cp "$WORK/bin/good" "$WORK/bin/noexec"; chmod 644 "$WORK/bin/noexec"
    policy "require $WORK/bin/noexec sha256=$(pin "$WORK/bin/good") sealed"
    under "$BIN/launch_execve" "$WORK/bin/noexec" x > out2 2> err2; cat out2 err2
    grep -q '^result: errno=13$' out2 || { fail "a sealed copy ran a file without the execute bit"; return; }
    pass "good=$good denied=$denied, rewritten content never ran"
}
