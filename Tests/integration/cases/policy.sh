# What the policy language means at launch time.

# With no policy at all (no LWCR_POLICY, no /etc/lwcr/policy.d) a launch is
# allowed and nothing is logged.
test_no_policy_allows_silently() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    [ -d /etc/lwcr/policy.d ] && { skip "/etc/lwcr/policy.d exists on this machine"; return; }
    LD_PRELOAD=$LIB "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && [ ! -s err ] || { fail "no policy: expected a silent allow"; return; }
    pass
}

# A policy directory that does not exist denies every launch, naming the
# directory.
test_missing_policy_directory_denies_all() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    LWCR_POLICY=$WORK/nonexistent LD_PRELOAD=$LIB "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "launch allowed with a missing policy directory"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: policy error: policy directory does not exist \[$WORK/nonexistent\]\( pid=.*\)\?$" err \
        || { fail "deny line does not name the directory"; return; }
    pass
}

# A syntax error denies every launch, even under default allow; the deny
# line names the unknown word and its FILE:LINE, comment lines counted.
test_syntax_error_denies_all_naming_line() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "default allow" "# a comment" "require /usr/bin/** trusted-path frobnicate"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "launch allowed with a broken policy"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: policy error: unknown fact 'frobnicate' \[10-test.policy:3\]\( pid=.*\)\?$" err \
        || { fail "deny line does not name file:line and word"; return; }
    pass
}

# A policy file that cannot be read (here a directory) denies every launch,
# naming the file.
test_unreadable_policy_file_denies_all() {
    mkdir -p "$WORK/bin" "$WORK/policy.d"; cp /usr/bin/touch "$WORK/bin/tool"
    # A directory named *.policy cannot be read as a file, even by root.
    mkdir "$WORK/policy.d/20-broken.policy"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "launch allowed with an unreadable policy file"; return; }
    grep -qF "policy error: policy file is not a regular file [$WORK/policy.d/20-broken.policy]" err || { fail "no error naming the file"; return; }
    pass
}

# mode audit lets a failing launch run and logs an audit line citing the rule.
test_audit_mode_logs_and_allows() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "mode audit" "require $WORK/bin/tool sha256=$WRONG"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] || { fail "audit mode blocked the launch"; return; }
    grep -q "^lwcr: audit $WORK/bin/tool: sha256 mismatch \[10-test.policy:2\]\( pid=.*\)\?$" err || { fail "no audit line"; return; }
    pass
}

# The last matching rule, across files, decides, to allow as to deny (a later
# file over an earlier one), and a denial cites that rule.
test_last_matching_rule_decides() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    mkdir -p "$WORK/policy.d"
    echo "deny $WORK/**" > "$WORK/policy.d/10-base.policy"
    echo "allow $WORK/bin/tool" > "$WORK/policy.d/99-local.policy"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] || { fail "99-local.policy should override 10-base.policy"; return; }
    echo "deny $WORK/bin/*" > "$WORK/policy.d/99-local.policy"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran2" > out 2> err; cat out err
    [ -e "$WORK/ran2" ] && { fail "deny in the last file should win"; return; }
    grep -q "denied by rule \[99-local.policy:1\]" err || { fail "wrong rule cited"; return; }
    pass
}

# Every layer must pass: a second layer can only tighten the first.
test_layers_all_must_pass() {
    mkdir -p "$WORK/bin" "$WORK/user.d"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "allow $WORK/bin/tool"
    echo "require $WORK/bin/tool sha256=$WRONG" > "$WORK/user.d/10-user.policy"
    LWCR_POLICY=$WORK/policy.d:$WORK/user.d LD_PRELOAD=$LIB "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "second layer's denial ignored"; return; }
    grep -q "sha256 mismatch \[10-user.policy:1\]" err || { fail "wrong layer cited"; return; }
    pass
}

# When no rule matches under default deny, the deny line says so and cites
# the default's line.
test_default_deny_cites_its_line() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "default deny" "allow /usr/**"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "default deny ignored"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: no rule matches and the default is deny \[10-test.policy:1\]\( pid=.*\)\?$" err || { fail "wrong message"; return; }
    pass
}

# Rules match the canonical path of the opened file: a symlink elsewhere
# or a path with .. is judged as the file it reaches.
test_symlink_and_dotdot_do_not_dodge_rules() {
    mkdir -p "$WORK/bin" "$WORK/other"; cp /usr/bin/touch "$WORK/bin/tool"
    ln -s "$WORK/bin/tool" "$WORK/other/link"
    policy "deny $WORK/bin/tool"
    under "$BIN/launch_execve" "$WORK/other/link" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "symlink dodged the rule"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: denied by rule" err || { fail "denial does not name the canonical path"; return; }
    under "$BIN/launch_execve" "$WORK/other/../bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail ".. dodged the rule"; return; }
    pass
}

# LWCR_LOG=none logs nothing; LWCR_LOG=FILE writes the line to FILE and
# nothing to stderr.
test_log_none_and_file() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "deny $WORK/bin/tool"
    LWCR_LOG=none under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -s err ] && { fail "LWCR_LOG=none still logged"; return; }
    LWCR_LOG=$WORK/lwcr.log under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err "$WORK/lwcr.log"
    [ -s err ] && { fail "LWCR_LOG=FILE also logged to stderr"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: denied by rule" "$WORK/lwcr.log" || { fail "nothing in the log file"; return; }
    pass
}

# owner=root, trusted-path and no-setid hold for /usr/bin/touch; a writable
# directory, another owner, a setuid bit fail them; !no-setid passes setuid.
test_owner_trusted_path_no_setid() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    # /usr/bin/touch itself: root-owned all the way up, not setid.
    policy "require /usr/bin/touch owner=root trusted-path no-setid"
    under "$BIN/launch_execve" /usr/bin/touch "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] || { fail "trusted /usr/bin/touch denied"; return; }
    chmod 777 "$WORK/bin"
    policy "require $WORK/bin/tool trusted-path"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran2" > out 2> err; cat out err
    [ -e "$WORK/ran2" ] && { fail "tool in a world-writable directory passed trusted-path"; return; }
    grep -q "not trusted-path: $WORK/bin is writable by group or others" err || { fail "trusted-path reason"; return; }
    chown 1234 "$WORK/bin/tool"; chmod 755 "$WORK/bin"
    policy "require $WORK/bin/tool owner=root"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran3" > out 2> err; cat out err
    grep -q "owned by uid 1234, policy requires owner=root" err || { fail "owner reason"; return; }
    chown 0 "$WORK/bin/tool"; chmod u+s "$WORK/bin/tool"
    policy "require $WORK/bin/tool no-setid"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran4" > out 2> err; cat out err
    [ -e "$WORK/ran4" ] && { fail "setuid file passed no-setid"; return; }
    policy "require $WORK/bin/tool sha256=$WRONG | !no-setid"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran5" > out 2> err; cat out err
    [ -e "$WORK/ran5" ] || { fail "second alternative (!no-setid) should allow"; return; }
    pass
}

# A file the policy cannot read does not pass a negated content fact.
test_unreadable_file_fails_negated_sha256() {
    command -v setpriv > /dev/null || { skip "needs setpriv (util-linux) to drop to another user"; return; }
    [ "$(id -u)" = 0 ] || { skip "needs root to switch users"; return; }
    mkdir -p "$WORK/bin"; chmod 755 "$(dirname "$WORK")" "$WORK" "$WORK/bin"
    cp /usr/bin/touch "$WORK/bin/blocked"; chmod 0111 "$WORK/bin/blocked"
    policy "require $WORK/bin/** !sha256=$(pin /usr/bin/touch)"
    chmod -R a+rX "$WORK/policy.d"
    setpriv --reuid=65534 --regid=65534 --clear-groups env LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB \
        "$BIN/launch_execve" "$WORK/bin/blocked" /tmp/lwcr-unreadable-$$ > out 2> err; cat out err
    [ -e /tmp/lwcr-unreadable-$$ ] && { rm -f /tmp/lwcr-unreadable-$$; fail "an execute-only copy passed !sha256="; return; }
    grep -q 'cannot read the file' err || { fail "no deny line saying why"; return; }
    pass
}

# fexecve of a file renamed after its open is not judged by its new name.
test_descriptor_launch_after_rename() {
    mkdir -p "$WORK/bin"; chmod 777 "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "require $WORK/bin/tool sha256=$WRONG"
    under "$BIN/fexecve_renamed" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "renamed after open, the file ran"; return; }
    grep -q 'cannot name the file' err || { fail "no deny line"; return; }
    pass
}

# execveat(AT_EXECVE_CHECK) answers with the policy too, by the walk of a
# launch (a script's interpreter counts), and never allows in doubt.
test_execve_check_query() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"; cp "$(readlink -f /bin/sh)" "$WORK/bin/sh"
    printf '#!%s\ntrue\n' "$WORK/bin/sh" > "$WORK/bin/script"; chmod +x "$WORK/bin/script"
    policy "deny $WORK/bin/tool" "deny $WORK/bin/sh"
    under "$BIN/execve_check" /usr/bin/env > out 2> err; cat out err
    if grep -q '^result: errno=22$' out; then skip "this kernel has no AT_EXECVE_CHECK"; return; fi
    grep -q '^result: status=0$' out || { fail "an allowed file failed AT_EXECVE_CHECK"; return; }
    under "$BIN/execve_check" "$WORK/bin/tool" > out 2> err; cat out err
    grep -q '^result: errno=13$' out || { fail "a denied file passed AT_EXECVE_CHECK"; return; }
    under "$BIN/execve_check" "$WORK/bin/script" > out 2> err; cat out err
    grep -q '^result: errno=13$' out || { fail "a script whose interpreter is denied passed AT_EXECVE_CHECK"; return; }
    grep -q "interpreter $WORK/bin/sh: denied by rule" err || { fail "no line naming the denied interpreter"; return; }
    LWCR_POLICY=$WORK/missing LD_PRELOAD=$LIB "$BIN/execve_check" /usr/bin/env > out 2> err; cat out err
    grep -q '^result: errno=13$' out || { fail "a broken policy answered yes"; return; }
    pass
}

# LWCR_LOG=syslog sends one datagram to /dev/log (authpriv.warning). Run
# only where no syslog daemon owns /dev/log: the test listens there itself.
test_log_syslog() {
    [ -e /dev/log ] && { skip "/dev/log belongs to a running syslog; not intercepting it"; return; }
    [ -w /dev ] || { skip "cannot create /dev/log here"; return; }
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "deny $WORK/bin/tool"
    python3 - "$WORK" "$LIB" "$BIN/launch_execve" > out 2>&1 <<'PY'
import os, socket, subprocess, sys
work, lib, launcher = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
try:
    env = dict(os.environ, LWCR_POLICY=work + "/policy.d", LD_PRELOAD=lib, LWCR_LOG="syslog")
    r = subprocess.run([launcher, work + "/bin/tool", work + "/ran"], env=env, capture_output=True, text=True)
    print("stderr:", repr(r.stderr))
    s.settimeout(5)
    print("datagram:", s.recv(4096).decode())
finally:
    s.close()
    os.unlink("/dev/log")
PY
    cat out
    grep -qx "stderr: ''" out || { fail "syslog mode also wrote to stderr"; return; }
    # Tagged lwcr[PID] (RFC 3164), then the text line with its fields.
    grep -qx "datagram: <84>lwcr\[[0-9]*\]: deny $WORK/bin/tool: denied by rule \[10-test.policy:1\] pid=[0-9]* uid=0 program=$BIN/launch_execve layer=$WORK/policy.d time=20[0-9-]*T[0-9:.]*Z" out \
        || { fail "no syslog datagram"; return; }
    pass
}
