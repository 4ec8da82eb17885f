# Where log lines go, and what they may contain: LWCR_LOG=PATH never blocks
# a launch (a FIFO) and never writes through a symlink: then the line goes
# to stderr. A line never carries raw bytes outside 0x20..0x7e: they are
# written as \xHH, and a backslash as \\, so a file name cannot forge a line.

# A FIFO with no reader as LWCR_LOG does not hang the launch: the denial
# returns at once and its line goes to stderr.
test_log_fifo_does_not_block() {
    umask 022
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    mkfifo "$WORK/log.fifo"
    policy "deny $WORK/bin/tool"
    local start rc secs
    start=$(date +%s)
    timeout 10 env LWCR_LOG="$WORK/log.fifo" LWCR_POLICY="$WORK/policy.d" LD_PRELOAD="$LIB" \
        "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err
    rc=$? secs=$(( $(date +%s) - start ))
    echo "status $rc after ${secs}s"; cat out err
    [ $rc -eq 124 ] && { fail "the launch hung on a FIFO as LWCR_LOG (killed after 10 s)"; return; }
    [ "$secs" -le 5 ] || { fail "the launch took ${secs}s"; return; }
    [ -e "$WORK/ran" ] && { fail "the denied tool ran"; return; }
    grep -q '^result: errno=13$' out || { fail "expected EACCES"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: denied by rule \[10-test.policy:1\]$" err || { fail "the deny line is not on stderr"; return; }
    pass
}

# A symlink as LWCR_LOG is not followed: its target is not written, and the
# line goes to stderr.
test_log_symlink_not_followed() {
    umask 022
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    echo "precious" > "$WORK/target"
    ln -s "$WORK/target" "$WORK/log.link"
    policy "deny $WORK/bin/tool"
    LWCR_LOG=$WORK/log.link timeout 10 env LWCR_POLICY="$WORK/policy.d" LD_PRELOAD="$LIB" \
        "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err
    echo "status $?"; cat out err; echo "target:"; cat "$WORK/target"
    [ "$(cat "$WORK/target")" = precious ] || { fail "the log followed the symlink and wrote its target"; return; }
    [ -e "$WORK/ran" ] && { fail "the denied tool ran"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: denied by rule \[10-test.policy:1\]$" err || { fail "the deny line is not on stderr"; return; }
    pass
}

# A path with a newline cannot forge a second log line: one decision, one
# line, the newline written as \x0a; other bytes outside 0x20..0x7e as \xHH
# (hex digits of either case), a backslash as \\.
test_log_escapes_names() {
    umask 022
    export LC_ALL=C
    local forged=$'evil: x [10.policy:1]\nlwcr: audit /usr/bin/ok'
    local odd=$'a\\b\x01\xff\tc\x7f'
    mkdir -p "$WORK/bin/${forged%/ok}"
    cp /usr/bin/touch "$WORK/bin/$forged"; cp /usr/bin/touch "$WORK/bin/$odd"
    policy "deny $WORK/bin/**"
    LWCR_LOG=$WORK/lwcr.log timeout 10 env LWCR_POLICY="$WORK/policy.d" LD_PRELOAD="$LIB" \
        "$BIN/launch_execve" "$WORK/bin/$forged" "$WORK/ran" > out 2> err
    echo "status $?"; cat out err; echo "log:"; cat -A "$WORK/lwcr.log"
    [ -e "$WORK/ran" ] && { fail "the denied file ran"; return; }
    [ "$(wc -l < "$WORK/lwcr.log")" -eq 1 ] || { fail "one decision wrote $(wc -l < "$WORK/lwcr.log") lines"; return; }
    grep -q '^lwcr: audit /usr/bin/ok' "$WORK/lwcr.log" && { fail "a file name forged a log line"; return; }
    grep -qxF "lwcr: deny $WORK/bin/evil: x [10.policy:1]\\x0alwcr: audit /usr/bin/ok: denied by rule [10-test.policy:1]" "$WORK/lwcr.log" \
        || { fail "the newline is not written as \\x0a"; return; }
    : > "$WORK/lwcr.log"
    LWCR_LOG=$WORK/lwcr.log timeout 10 env LWCR_POLICY="$WORK/policy.d" LD_PRELOAD="$LIB" \
        "$BIN/launch_execve" "$WORK/bin/$odd" "$WORK/ran" > out 2> err
    echo "status $?"; cat out err; echo "log:"; cat -A "$WORK/lwcr.log"
    grep -qixF "lwcr: deny $WORK/bin/a\\\\b\\x01\\xff\\x09c\\x7f: denied by rule [10-test.policy:1]" "$WORK/lwcr.log" \
        || { fail "backslash, control and high bytes not escaped as \\\\ and \\xHH"; return; }
    pass
}
