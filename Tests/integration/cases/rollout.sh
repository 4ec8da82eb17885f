# Rolling out: learn, enforce, audit and suggest, pin trees, refresh pins,
# logs for people and machines (lwcr.conf, JSON, syslog, journal), and the
# rough edges of the command (signals, options, check like a launch). The
# README's "Rolling out" block and login-shell recipe are run as written.

# The ```bash block after the README heading $1.
readme_block() {
    python3 - "$ROOT/README.md" "$1" <<'PY'
import sys
text = open(sys.argv[1]).read()
start = text.index(sys.argv[2])
body = text[start:]
fence = body.index("```bash\n") if "```bash\n" in body[:body.find("\n## ", 3)] else body.index("```sh\n")
body = body[fence:]
body = body[body.index("\n") + 1:]
print(body[:body.index("```\n")], end="")
PY
}

test_rollout_readme_walkthrough() {
    mkdir -p "$WORK/site"; cd "$WORK/site" || { fail "no scratch directory"; return; }
    readme_block "## Rolling out" > walk.sh
    [ -s walk.sh ] || { fail "no Rolling out block in the README"; return; }
    PATH=$ROOT/build:$PATH timeout 60 bash walk.sh > out 2> err; local rc=$?
    echo "exit $rc"; cat out; echo "stderr:"; cat err
    # 1. learn wrote default deny, a pin of the script and the tool, and
    #    trusted-path for root's system files (the interpreter, ls, the loader).
    local learned=app.d/50-learned.policy
    [ -f "$learned" ] || { fail "learn wrote no policy"; return; }
    grep -qx 'default deny' "$learned" || { fail "the learned policy does not deny by default"; return; }
    grep -q "^require $WORK/site/app/run.sh sha256=" "$learned" && grep -q "^require $WORK/site/app/bin/tool sha256=" "$learned" \
        || { fail "the app's own files are not pinned"; return; }
    grep -q "^require $(readlink -f /bin/sh) trusted-path$" "$learned" && grep -q "^require $LOADER trusted-path$" "$learned" \
        && grep -q "^require $(readlink -f "$(command -v ls)") trusted-path$" "$learned" \
        || { fail "the interpreter, ls or the loader is missing or not trusted-path"; return; }
    # 2. enforced: the workload ran, the unseen launch was refused.
    grep -qx 'workload: ran' out || { fail "the learned workload did not run enforced"; return; }
    grep -qx 'unseen launch: refused (126)' out && grep -q "^lwcr: deny /usr/bin/id: no rule matches and the default is deny \[50-learned.policy:[0-9]*\] pid=" err \
        || { fail "the unseen launch was not refused by the learned default"; return; }
    # 3. the audit log became policy lines, counted.
    grep -q "^# seen [0-9]* times\? (audit [0-9]*): " 60-seen.policy && grep -q "^require $WORK/site/app/bin/tool sha256=" 60-seen.policy \
        && grep -q "^require $(readlink -f "$(command -v ls)") trusted-path$" 60-seen.policy || { fail "suggest did not turn the audit log into rules"; return; }
    # 4. the tree: executables once each, the symlink in a comment, odd names quoted.
    local tools=app.d/70-tools.policy
    [ "$(grep -c "^require $WORK/site/app/bin/tool " "$tools")" = 1 ] || { fail "tool not pinned exactly once"; return; }
    grep -q "^# also reached by the symlink $WORK/site/app/bin/tool-alias$" "$tools" || { fail "the symlink is not named"; return; }
    grep -q "^require $WORK/site/app/libexec/two\\\\x20words sha256=" "$tools" && grep -q "^require $WORK/site/app/libexec/new\\\\x0aline sha256=" "$tools" \
        || { fail "odd names not written as policy words"; return; }
    grep -q "tool-alias sha256" "$tools" && { fail "the symlink got a rule of its own"; return; }
    # 5. refresh: the change shown, old and new digest; the file now pins false.
    grep -q "70-tools.policy:[0-9]*: $WORK/site/app/bin/tool: sha256 $(pin /usr/bin/true) -> $(pin app/bin/tool)$" out \
        || { fail "the refreshed pin was not shown"; return; }
    grep -q "^require $WORK/site/app/bin/tool sha256=$(pin app/bin/tool)$" "$tools" || { fail "the pin was not rewritten"; return; }
    PATH=$ROOT/build:$PATH "$LWCR" run --policy app.d -- ./app/run.sh > /dev/null 2> err2 || { cat err2; fail "the upgraded app is refused after refresh"; return; }
    # 6. the JSON line's fields.
    tail -n 1 audit.log | python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
need = ["time", "pid", "uid", "program", "verdict", "path", "reason", "rule", "file", "line", "layer"]
missing = [k for k in need if k not in o]
assert not missing, missing
assert o["verdict"] == "audit" and o["file"].startswith("/") and o["file"].endswith("/audit.d/10-audit.policy"), o
assert o["layer"].endswith("/audit.d") and o["time"].endswith("Z") and o["program"].startswith("/"), o
assert o["reason"] == "no rule matches and the default is deny", o
print("json ok")' || { fail "the JSON log line lacks fields"; return; }
    # 7. SIGTERM went on to sleep: 143, and no sleep 30 is left.
    grep -qx 'sleep ended by SIGTERM (143)' out || { fail "lwcr run did not return 143 for SIGTERM"; return; }
    pgrep -f '^sleep 30$' > /dev/null && { pkill -f '^sleep 30$'; fail "sleep was left running"; return; }
    pass "$(grep -c '^require' "$learned") learned rules"
}

# A learned policy's unseen launch is refused; a file in /tmp itself gets no
# rule and is reported; a given layer only audits while learning.
test_learn_reports_world_writable_and_audits_given_layers() {
    local tmpfile; tmpfile=$(mktemp /tmp/lwcr-learn-test.XXXXXX)
    cp /usr/bin/true "$tmpfile"; chmod 755 "$tmpfile"
    mkdir -p "$WORK/strict.d"; printf 'default deny\n' > "$WORK/strict.d/10.policy"
    "$LWCR" learn -o "$WORK/out.d" --policy "$WORK/strict.d" -- sh -c "$tmpfile; /usr/bin/true" > out 2> err; local rc=$?
    cat out err
    rm -f "$tmpfile"
    [ $rc -eq 0 ] || { fail "learn exited $rc"; return; }
    grep -q "^lwcr: learn: no rule for $tmpfile: /tmp is world-writable" err || { fail "the /tmp file was not reported"; return; }
    grep -q "^require $tmpfile" "$WORK/out.d/50-learned.policy" && { fail "a rule was written for a file in /tmp"; return; }
    grep -q '^require /usr/bin/true trusted-path$' "$WORK/out.d/50-learned.policy" || { fail "true was not learned while the given layer denies it"; return; }
    "$LWCR" learn -o "$WORK/out.d" -- true > out 2> err && { fail "learn replaced an existing policy"; return; }
    grep -q "50-learned.policy exists" err || { fail "no reason given for refusing: $(cat err)"; return; }
    pass
}

test_suggest_reads_text_json_and_syslog_lines() {
    cp_marker tool
    cat > log <<EOF
lwcr: deny $WORK/bin/tool: no rule matches and the default is deny [10.policy:1] pid=1 uid=0 program=/usr/bin/bash layer=/x time=2026-12-02T00:00:00.000Z
Dec  2 10:00:00 host lwcr[42]: audit $WORK/bin/tool: denied by rule [10.policy:2] uid=0 program=/usr/bin/make layer=/x time=2026-12-02T00:00:00.000Z
{"time":"2026-12-02T00:00:00.000Z","pid":7,"uid":0,"program":"/usr/bin/sh","verdict":"deny","path":"/usr/bin/true","reason":"x","rule":null,"layer":null}
{"LWCR_VERDICT":"deny","LWCR_PATH":"/usr/bin/true","MESSAGE":"lwcr: deny /usr/bin/true: x"}
lwcr: deny /gone/tool: denied by rule [10.policy:2] pid=1 uid=0 program=/usr/bin/bash time=2026-12-02T00:00:00.000Z
lwcr: deny $WORK/bin/tool: interpreter /usr/bin/dash: denied by rule [10.policy:2] pid=1 uid=0 program=/usr/bin/bash time=2026-12-02T00:00:00.000Z
not a log line
EOF
    "$LWCR" suggest log > out 2> err; local rc=$?; cat out err
    [ $rc -eq 0 ] || { fail "suggest exited $rc"; return; }
    grep -qx "# seen 2 times (deny 1, audit 1): others could change it, so pinned by content" out \
        && grep -qx "require $WORK/bin/tool sha256=$(pin "$WORK/bin/tool")" out || { fail "the text and syslog lines were not counted together"; return; }
    grep -qx "# seen 2 times (deny 2): root's, in root's directories" out && grep -qx "require /usr/bin/true trusted-path" out \
        || { fail "the JSON and journal lines were not read"; return; }
    grep -qx '# /gone/tool' out || { fail "a file not on this machine got a rule, or no comment"; return; }
    grep -qx "require $(readlink -f /usr/bin/dash) trusted-path" out || { fail "the interpreter of a script line was not the file suggested"; return; }
    mkdir -p "$WORK/s.d"; grep -v '^#' out > "$WORK/s.d/10.policy"
    "$LWCR" lint "$WORK/s.d" > lint.out || { cat lint.out; fail "suggested lines do not lint"; return; }
    "$LWCR" suggest < /dev/null > /dev/null 2>&1; [ $? -eq 1 ] || { fail "empty input did not exit 1"; return; }
    pass
}

test_pin_recursive_each_file_once() {
    mkdir -p "$WORK/t/a/b" "$WORK/t/c"
    cp /usr/bin/true "$WORK/t/a/real"; cp /usr/bin/true "$WORK/t/a/b/other"
    echo data > "$WORK/t/a/data"; chmod 644 "$WORK/t/a/data"
    ln -s ../a/real "$WORK/t/c/one"; ln -s "$WORK/t/a/real" "$WORK/t/c/two"; ln -s ../a "$WORK/t/c/dirlink"
    ln -s /nonexistent "$WORK/t/c/dangling"; mkfifo "$WORK/t/c/fifo"
    ln -s "$(readlink -f /usr/bin/true)" "$WORK/t/c/sys"
    cp /usr/bin/true "$WORK/t/a/"$'star*q?[x] "quote" \\back'
    "$LWCR" pin -r "$WORK/t" > out 2> err; local rc=$?; cat out err
    [ $rc -eq 0 ] || { fail "pin -r exited $rc"; return; }
    [ "$(grep -c '^require' out)" = 4 ] || { fail "expected 4 pins (real, other, the odd name, true), got $(grep -c '^require' out)"; return; }
    grep -qx "# also reached by the symlink $WORK/t/c/sys (this file is outside the trees given: check that it belongs)" out \
        || { fail "a symlink out of the tree is not said to be"; return; }
    grep -q "^# also reached by the symlinks $WORK/t/c/one .*outside" out && { fail "a file in the tree was called outside"; return; }
    grep -qx "# also reached by the symlinks $WORK/t/c/one $WORK/t/c/two" out || { fail "the symlinks are not named once, together"; return; }
    grep -q "data" out && { fail "a file that is not executable was pinned"; return; }
    mkdir -p "$WORK/p.d"; cp out "$WORK/p.d/10.policy"; printf 'default deny\nallow %s\n' "$LOADER" > "$WORK/p.d/00.policy"
    "$LWCR" lint "$WORK/p.d" > lint.out || { cat lint.out; fail "the pins do not lint"; return; }
    LWCR_POLICY=$WORK/p.d LD_PRELOAD=$LIB "$WORK/t/a/"$'star*q?[x] "quote" \\back' || { fail "the odd name's pin does not admit it"; return; }
    LWCR_POLICY=$WORK/p.d LD_PRELOAD=$LIB "$WORK/t/c/one" || { fail "the pin does not admit the file through its symlink"; return; }
    "$LWCR" pin "$WORK/t" > /dev/null 2> err; [ $? -eq 2 ] && grep -q "a directory (lwcr pin -r" err || { fail "pin DIR without -r: $(cat err)"; return; }
    pass
}

test_pin_refresh_changes_only_stale_digests() {
    cp_marker a; cp_marker b; cp_marker c
    local old; old=$(pin "$WORK/bin/a")
    { echo "# tools"; echo "require $WORK/bin/a sha256=$old   # keep this comment"
      echo "require $WORK/bin/b sha256=$old owner=root"; echo "require $WORK/bin/* sha256=$old"
      echo "require $WORK/bin/c sha256=$WRONG | sha256=$old"; echo "allow /usr/bin/true"; } > p.policy
    cp /usr/bin/false "$WORK/bin/a"
    cp p.policy before
    "$LWCR" pin --refresh --dry-run p.policy > out 2> err || { cat out err; fail "dry run failed"; return; }
    cmp -s p.policy before || { fail "--dry-run wrote the file"; return; }
    chmod 640 p.policy
    "$LWCR" pin --refresh p.policy > out 2> err; local rc=$?; cat out err
    [ $rc -eq 0 ] || { fail "refresh exited $rc"; return; }
    grep -qx "p.policy:2: $WORK/bin/a: sha256 $old -> $(pin /usr/bin/false)" out || { fail "the change was not shown"; return; }
    [ "$(wc -l < out)" = 1 ] || { fail "other pins were reported as changed"; return; }
    grep -q "a pattern, not one file" err || { fail "the wildcard rule was not named"; return; }
    diff before p.policy | grep -c '^[<>]' | grep -qx 2 || { fail "more than the one line changed"; return; }
    sed "s/$old   # keep/$(pin /usr/bin/false)   # keep/" before | cmp -s - p.policy || { fail "bytes other than the digest changed"; return; }
    [ "$(stat -c %a p.policy)" = 640 ] || { fail "the mode was not kept"; return; }
    rm "$WORK/bin/b"; cp /usr/bin/false "$WORK/bin/c"; cp p.policy before
    "$LWCR" pin --refresh p.policy > out 2> err; rc=$?; cat out err
    [ $rc -eq 2 ] && grep -q "p.policy:3: $WORK/bin/b: pinned file is gone" err && cmp -s p.policy before \
        || { fail "a vanished file did not stop the refresh before anything was written"; return; }
    "$LWCR" pin --refresh --keep-missing p.policy > out 2> err; rc=$?; cat out err
    [ $rc -eq 0 ] && grep -q "several sha256= pins and none matches" err || { fail "--keep-missing, or the several-pins rule"; return; }
    pass
}

test_run_forwards_signals_and_returns_status() {
    cat > "$WORK/trap.sh" <<'EOF'
#!/bin/bash
trap 'echo got USR1; exit 7' USR1
echo ready; while :; do sleep 0.1; done
EOF
    chmod +x "$WORK/trap.sh"
    "$LWCR" run -- "$WORK/trap.sh" > out 2>&1 & local lp=$!
    local i; for i in $(seq 50); do grep -q ready out && break; sleep 0.1; done
    kill -USR1 $lp; wait $lp; local rc=$?
    cat out
    [ $rc -eq 7 ] && grep -qx 'got USR1' out || { fail "USR1 was not passed on (exit $rc)"; return; }
    "$LWCR" run -- sleep 30 & lp=$!; sleep 0.5
    local child; child=$(pgrep -P $lp)
    kill -TERM $lp; wait $lp; rc=$?
    [ $rc -eq 143 ] || { fail "SIGTERM: exit $rc, not 143"; return; }
    [ -n "$child" ] && kill -0 "$child" 2> /dev/null && { kill "$child"; fail "the child outlived lwcr run"; return; }
    pass
}

test_options_follow_conventions() {
    cp_marker tool
    policy "deny $WORK/bin/tool"
    local form
    for form in "--policy=$WORK/policy.d" "-p $WORK/policy.d" "--policy $WORK/policy.d"; do
        # shellcheck disable=SC2086
        "$LWCR" check $form "$WORK/bin/tool" > out 2>&1; [ $? -eq 1 ] || { cat out; fail "check $form"; return; }
        "$LWCR" run $form -- "$WORK/bin/tool" > out 2>&1; [ $? -eq 126 ] || { cat out; fail "run $form"; return; }
        "$LWCR" lint $form > out 2>&1 || { cat out; fail "lint $form"; return; }
    done
    "$LWCR" check --policy= "$WORK/bin/tool" > out 2>&1; [ $? -eq 2 ] || { fail "--policy= with no directory"; return; }
    "$LWCR" lint --policy "$WORK/nonexistent" > out 2>&1; [ $? -eq 1 ] || { fail "lint --policy of a missing directory"; return; }
    pass
}

test_check_behaves_like_a_launch() {
    mkdir -p "$WORK/bin" "$WORK/sys.d"
    cp /usr/bin/true "$WORK/bin/runme"; cp /usr/bin/true "$WORK/bin/noexec"; chmod 644 "$WORK/bin/noexec"
    policy "allow $WORK/**"
    PATH=$WORK/bin:$PATH "$LWCR" check --policy "$WORK/policy.d" runme > out 2>&1; local rc=$?; cat out
    [ $rc -eq 0 ] && grep -qx "runme: found in PATH: $WORK/bin/runme" out || { fail "a bare name was not looked up in PATH"; return; }
    "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin" > out 2>&1; rc=$?; cat out
    [ $rc -eq 1 ] && grep -q "=> the kernel would refuse it: not a regular file (a directory)" out || { fail "a directory"; return; }
    "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin/noexec" > out 2>&1; rc=$?; cat out
    [ $rc -eq 1 ] && grep -q "=> the kernel would refuse it: not executable" out || { fail "a file without execute permission"; return; }
    PATH=/nonexistent "$LWCR" check nosuchprogram > out 2>&1; [ $? -eq 2 ] && grep -q "not found in PATH" out || { fail "a name not in PATH"; return; }
    # A candidate system directory, judged in place of the installed one.
    printf 'deny %s/bin/runme\n' "$WORK" > "$WORK/sys.d/10.policy"; chmod -R go-w "$WORK/sys.d"
    "$LWCR" check --system "$WORK/sys.d" "$WORK/bin/runme" > out 2>&1; rc=$?; cat out
    [ $rc -eq 1 ] && grep -q "layer $WORK/sys.d: deny $WORK/bin/runme \[10.policy:1\]" out || { fail "--system was not judged by"; return; }
    "$LWCR" check --system "$WORK/sys.d" --json "$WORK/bin/runme" > out 2>&1; cat out
    python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert o["verdict"] == "deny" and o["files"][0]["role"] == "target" and "denied by rule" in o["files"][0]["decision"], o' out \
        || { fail "check --json"; return; }
    mkdir -p "$WORK/sp ace"; cp /usr/bin/true "$WORK/sp ace/t"; printf 'deny %s/sp\\x20ace/t\n' "$WORK" >> "$WORK/sys.d/10.policy"
    "$LWCR" check --system "$WORK/sys.d" --json "$WORK/sp ace/t" > out 2>&1; cat out
    python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert o["files"][0]["decision"] == "lwcr: deny " + sys.argv[2] + "/sp\\x20ace/t: denied by rule [10.policy:2]", o' out "$WORK" \
        || { fail "check --json escaped the decision line twice"; return; }
    pass
}

test_lint_json_strict_and_ignored_files() {
    mkdir -p "$WORK/l.d"
    printf 'allow /usr/bin/true\nallow /usr/bin/*\n' > "$WORK/l.d/10.policy"
    echo 'frobnicate' > "$WORK/l.d/10.conf"; echo 'frobnicate' > "$WORK/l.d/x.policy~"
    "$LWCR" lint "$WORK/l.d" > out 2>&1; local rc=$?; cat out
    [ $rc -eq 0 ] && grep -qx "$WORK/l.d/10.conf: note: ignored: only \*.policy files are read" out \
        && grep -qx "$WORK/l.d/x.policy~: note: ignored: only \*.policy files are read" out || { fail "ignored files not named"; return; }
    "$LWCR" lint --strict "$WORK/l.d" > out 2>&1; [ $? -eq 1 ] || { fail "--strict did not fail on the unreachable-rule warning"; return; }
    rm "$WORK/l.d/10.conf" "$WORK/l.d/x.policy~"; printf 'allow /usr/bin/*\n' > "$WORK/l.d/10.policy"
    "$LWCR" lint --strict "$WORK/l.d" > out 2>&1 || { cat out; fail "--strict failed without warnings"; return; }
    printf 'allow relative\nallow /usr/bin/true\nallow /usr/bin/*\n' > "$WORK/l.d/10.policy"
    "$LWCR" lint --json "$WORK/l.d" > out 2>&1; rc=$?; cat out
    python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
e = [r for r in rows if r["severity"] == "error"]; w = [r for r in rows if r["severity"] == "warning"]
assert e and e[0]["file"].endswith("/l.d/10.policy") and e[0]["line"] == 1 and "relative" in e[0]["message"], rows
assert w and w[0]["line"] == 2, rows' out && [ $rc -eq 1 ] || { fail "lint --json"; return; }
    pass
}

# The README's login-shell recipe, as written there: a missing or broken
# layer leaves the plain shell, with a warning; a good one re-enters once.
test_login_shell_recipe_falls_back() {
    chmod 755 "$(dirname "$WORK")" "$WORK"
    readme_block "**A user's login shell**" | sed "s|/usr/local/bin/lwcr|$LWCR|g" > "$WORK/.profile"
    grep -q 'lint --policy' "$WORK/.profile" || { fail "the README recipe does not lint first"; return; }
    HOME=$WORK SHELL=/bin/bash timeout 20 bash -l -c 'echo "alive LWCR_POLICY=${LWCR_POLICY:-}"' > out 2> err < /dev/null; cat out err
    grep -qx 'alive LWCR_POLICY=' out && grep -q "lwcr.d is missing, does not lint, or denies your shell" err || { fail "a missing ~/lwcr.d ended the login"; return; }
    mkdir -p "$WORK/lwcr.d"; echo frobnicate > "$WORK/lwcr.d/10.policy"
    HOME=$WORK SHELL=/bin/bash timeout 20 bash -l -c 'echo alive' > out 2> err < /dev/null; cat out err
    grep -qx 'alive' out && grep -q "or denies your shell" err || { fail "a broken ~/lwcr.d ended the login"; return; }
    # A layer that lints but denies the shell itself: still the plain shell.
    printf 'default deny\nallow %s\n' "$LOADER" > "$WORK/lwcr.d/10.policy"
    HOME=$WORK SHELL=/bin/bash timeout 20 bash -l -c 'echo alive' > out 2> err < /dev/null; cat out err
    grep -qx 'alive' out && grep -q "or denies your shell" err || { fail "a ~/lwcr.d that denies the shell ended the login"; return; }
    printf 'deny %s/bin/tool\n' "$WORK" > "$WORK/lwcr.d/10.policy"; cp_marker tool
    echo 'echo "inner LWCR_POLICY=$LWCR_POLICY"; '"$WORK"'/bin/tool; echo "tool $?"' | HOME=$WORK SHELL=/bin/bash timeout 20 bash -l > out 2> err; cat out err
    grep -qx "inner LWCR_POLICY=$WORK/lwcr.d" out && grep -qx 'tool 126' out || { fail "a good ~/lwcr.d was not entered"; return; }
    pass
}

# lwcr.conf: the machine's log target and format; the environment overrides
# it; a file others could write is not used, and lint says so. Run in a
# private mount namespace over a copy of /etc: the real one is not touched.
conf_namespace() {  # conf_namespace SCRIPT: bash SCRIPT with /etc a copy holding lwcr/lwcr.conf from $WORK/lwcr.conf
    [ "$(id -u)" = 0 ] || { skip "needs root for a mount namespace"; return 1; }
    timeout 10 unshare -m true 2> /dev/null || { skip "cannot create a mount namespace here"; return 1; }
    cp -a /etc "$WORK/etc" 2> /dev/null || { skip "cannot copy /etc"; return 1; }
    echo "copy of /etc for an lwcr test" > "$WORK/etc/.lwcr-test-copy"
    rm -rf "$WORK/etc/lwcr"; mkdir -p "$WORK/etc/lwcr"; chmod 755 "$WORK/etc/lwcr"
    cat > "$WORK/ns.sh" <<EOF
set -u
mount --make-rprivate / || exit 90
mount --bind "$WORK/etc" /etc || exit 91
[ -f /etc/.lwcr-test-copy ] || exit 92
$1
EOF
    timeout 30 unshare -m bash "$WORK/ns.sh"
}

test_lwcr_conf_sets_log_target_and_format() {
    chmod 755 "$(dirname "$WORK")" "$WORK"
    cp_marker tool; policy "deny $WORK/bin/tool"
    conf_namespace "
printf 'log = $WORK/machine.log  # a file\nformat = json\n' > /etc/lwcr/lwcr.conf; chmod 644 /etc/lwcr/lwcr.conf
LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB sh -c $WORK/bin/tool 2> $WORK/err1
LWCR_LOG=stderr LWCR_LOG_FORMAT=text LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB sh -c $WORK/bin/tool 2> $WORK/err2
$LWCR lint > $WORK/lint1 2>&1; echo \"lint1 \$?\" >> $WORK/lint1
chmod 666 /etc/lwcr/lwcr.conf
LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB sh -c $WORK/bin/tool 2> $WORK/err3
$LWCR lint > $WORK/lint2 2>&1; echo \"lint2 \$?\" >> $WORK/lint2
chmod 644 /etc/lwcr/lwcr.conf; printf 'log = nowhere\nlevel = 3\n' > /etc/lwcr/lwcr.conf
$LWCR lint > $WORK/lint3 2>&1; echo \"lint3 \$?\" >> $WORK/lint3
exit 0"
    local rc=$?; [ $rc -eq 1 ] && return
    [ $rc -eq 0 ] || { fail "the namespace could not be set up (status $rc)"; return; }
    cat "$WORK"/err* "$WORK"/lint* "$WORK/machine.log"
    grep -q '^lwcr:' "$WORK/err1" && { fail "lwcr.conf's log= did not keep the line off stderr"; return; }
    python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).readline())
assert o["verdict"] == "deny" and o["path"].endswith("/bin/tool") and o["rule"].endswith("/policy.d/10-test.policy:1"), o
assert o["reason"] == "denied by rule", o' "$WORK/machine.log" \
        || { fail "lwcr.conf's format=json was not used"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: denied by rule \[10-test.policy:1\] pid=" "$WORK/err2" || { fail "the environment did not override lwcr.conf"; return; }
    grep -qx "lint1 0" "$WORK/lint1" || { fail "lint found problems in a good lwcr.conf"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool" "$WORK/err3" || { fail "an lwcr.conf others can write was used"; return; }
    grep -q "/etc/lwcr/lwcr.conf: writable by group or others: not used" "$WORK/lint2" && grep -qx "lint2 1" "$WORK/lint2" \
        || { fail "lint did not report the writable lwcr.conf"; return; }
    grep -q "/etc/lwcr/lwcr.conf:1: log must be stderr, syslog, journal, none or an absolute path 'nowhere'" "$WORK/lint3" \
        && grep -q "/etc/lwcr/lwcr.conf:2: unknown setting (log and format are known) 'level'" "$WORK/lint3" && grep -qx "lint3 1" "$WORK/lint3" \
        || { fail "lint did not name the bad lines"; return; }
    pass
}

# log=journal: journald's native protocol to /run/systemd/journal/socket,
# read here by a listener of our own (only where no journald owns it).
test_log_journal_native_fields() {
    [ -e /run/systemd/journal/socket ] && { skip "/run/systemd/journal/socket belongs to a running journald; not intercepting it"; return; }
    [ "$(id -u)" = 0 ] || { skip "needs root to create /run/systemd/journal"; return; }
    cp_marker tool; policy "deny $WORK/bin/tool"
    local made=; [ -d /run/systemd/journal ] || made=1
    python3 - "$WORK" "$LIB" > out 2>&1 <<'PY'
import os, socket, subprocess, sys
work, lib = sys.argv[1:3]
os.makedirs("/run/systemd/journal", exist_ok=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/run/systemd/journal/socket")
try:
    env = dict(os.environ, LWCR_POLICY=work + "/policy.d", LD_PRELOAD=lib, LWCR_LOG="journal")
    r = subprocess.run(["sh", "-c", work + "/bin/tool"], env=env, capture_output=True, text=True)
    print("stderr:", repr(r.stderr))
    s.settimeout(5)
    print(s.recv(65536).decode(), end="")
finally:
    s.close()
    os.unlink("/run/systemd/journal/socket")
PY
    [ -n "$made" ] && rmdir /run/systemd/journal /run/systemd 2> /dev/null
    cat out
    grep -q "^stderr: .*lwcr:" out && { fail "journal mode also wrote to stderr"; return; }
    grep -q "^MESSAGE=lwcr: deny $WORK/bin/tool: denied by rule \[10-test.policy:1\] pid=[0-9]* uid=0 program=/[^ ]* layer=$WORK/policy.d time=" out && grep -qx 'LWCR_VERDICT=deny' out \
        && grep -qx "LWCR_PATH=$WORK/bin/tool" out && grep -qx "LWCR_RULE=$WORK/policy.d/10-test.policy:1" out \
        && grep -qx "LWCR_LAYER=$WORK/policy.d" out && grep -qx 'SYSLOG_IDENTIFIER=lwcr' out && grep -qx 'PRIORITY=4' out \
        && grep -qx 'LWCR_REASON=denied by rule' out || { fail "the journal fields are missing or wrong"; return; }
    # No listener: the line goes to stderr, in the text form.
    LWCR_LOG=journal under sh -c "$WORK/bin/tool" 2> err
    [ -e /run/systemd/journal/socket ] || grep -q "^lwcr: deny $WORK/bin/tool: denied by rule \[10-test.policy:1\] pid=[0-9]* uid=0 program=" err \
        || { cat err; fail "with no journal the line was lost"; return; }
    pass
}

# Every lwcr command line in the README's code blocks names a verb lwcr has,
# and only options that verb's --help documents (and the binary accepts:
# each option is tried, and only "unknown option" counts against it).
test_readme_commands_are_documented_and_accepted() {
    python3 - "$ROOT/README.md" > cmds <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
    for line in block.splitlines():
        for m in re.finditer(r"(?:^|[\s;&|(\"'])(?:[\w/.]*/)?lwcr\"?,? \"?(pin|check|lint|compile|learn|suggest|run|exec)\b([^#|;&:]*)", line):
            opts = re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", m.group(2).split(" -- ")[0].split(" / ")[0])
            seen = []
            for o in opts:
                if o != "--" and o not in seen: seen.append(o)
            print(m.group(1), *seen)
PY
    sort -u cmds -o cmds; cat cmds
    [ "$(wc -l < cmds)" -ge 10 ] || { fail "too few README commands found: $(wc -l < cmds)"; return; }
    local verb opts o bad= given
    while read -r verb opts; do
        "$LWCR" "$verb" --help > help 2>&1 || { bad="$bad $verb(no help)"; continue; }
        given=()
        for o in $opts; do
            o=${o%%=*}
            grep -q -- "$o\b" help || bad="$bad $verb:$o(undocumented)"
            # In the order the README gives them (--keep-missing follows --refresh).
            given+=("$o")
            "$LWCR" "$verb" "${given[@]}" < /dev/null 2>&1 | grep -q "unknown option '$o'" && bad="$bad $verb:$o(refused)"
        done
    done < cmds
    [ -z "$bad" ] || { fail "README commands:$bad"; return; }
    pass "$(wc -l < cmds) command forms"
}

# LWCR_LEARN relaxes the layers the learner brought, never the system
# layer: a file the system policy denies stays denied while learning.
test_learning_never_loosens_the_system_layer() {
    chmod 755 "$(dirname "$WORK")" "$WORK"
    mkdir -p "$WORK/bin" "$WORK/given.d"; cp /usr/bin/touch "$WORK/bin/tool"; cp /usr/bin/touch "$WORK/bin/other"
    printf 'deny %s/bin/other\n' "$WORK" > "$WORK/given.d/10.policy"
    conf_namespace "
mkdir -p /etc/lwcr/policy.d; printf 'deny $WORK/bin/tool\n' > /etc/lwcr/policy.d/10.policy; chmod -R go-w /etc/lwcr
$LWCR learn -o $WORK/out.d --policy $WORK/given.d -- sh -c '$WORK/bin/tool $WORK/ran-tool; $WORK/bin/other $WORK/ran-other' > $WORK/learn.out 2>&1
LWCR_LEARN=1 LWCR_POLICY=$WORK/given.d LD_PRELOAD=$LIB sh -c '$WORK/bin/tool $WORK/ran-tool2' > $WORK/env.out 2>&1
exit 0"
    local rc=$?; [ $rc -eq 1 ] && return
    [ $rc -eq 0 ] || { fail "the namespace could not be set up (status $rc)"; return; }
    cat "$WORK/learn.out" "$WORK/env.out"
    [ -e "$WORK/ran-tool" ] || [ -e "$WORK/ran-tool2" ] && { fail "learning let the system layer's denial run"; return; }
    [ -e "$WORK/ran-other" ] || { fail "the given layer's denial was enforced while learning"; return; }
    grep -q "lwcr: deny $WORK/bin/tool: denied by rule \[10.policy:1\] pid=[0-9]* uid=0 program=[^ ]* layer=/etc/lwcr/policy.d" "$WORK/env.out" \
        || { fail "no system-layer denial logged"; return; }
    pass
}

# What the attack on this issue found, each kept found: learn -o through a
# planted symlink, refresh of a FIFO or device, a name that forges the text
# line's fields, and suggest counting one file under several names.
test_rollout_verbs_refuse_planted_paths() {
    chmod 755 "$(dirname "$WORK")" "$WORK"
    mkdir -p "$WORK/att" "$WORK/victim"; chown 65534:65534 "$WORK/att"
    setpriv --reuid=65534 --regid=65534 --clear-groups ln -s "$WORK/victim" "$WORK/att/out"
    setpriv --reuid=65534 --regid=65534 --clear-groups mkdir "$WORK/att/real"
    setpriv --reuid=65534 --regid=65534 --clear-groups ln -s "$WORK/victim" "$WORK/att/real/link"
    "$LWCR" learn -o "$WORK/att/out" -- true > out 2> err; local rc=$?; cat err
    [ $rc -eq 2 ] && grep -q "a symbolic link on the way" err || { fail "learn -o followed a planted symlink (exit $rc)"; return; }
    "$LWCR" learn -o "$WORK/att/real/link/sub" -- true > out 2> err; rc=$?; cat err
    [ $rc -eq 2 ] && [ -z "$(ls "$WORK/victim")" ] || { fail "learn -o made or wrote something through a symlinked directory"; return; }
    setpriv --reuid=65534 --regid=65534 --clear-groups mkfifo "$WORK/att/10.policy"
    timeout 5 "$LWCR" pin --refresh "$WORK/att/10.policy" > out 2> err; rc=$?; cat err
    [ $rc -eq 2 ] && grep -q "not a regular file" err || { fail "pin --refresh of a FIFO: exit $rc"; return; }
    timeout 5 "$LWCR" pin --refresh /dev/zero > out 2> err; rc=$?
    [ $rc -eq 2 ] || { fail "pin --refresh of /dev/zero: exit $rc"; return; }
    mkdir -p "$WORK/policy.d"; cp /usr/bin/true "$WORK/victim/t"; printf 'require %s/victim/t sha256=%s\n' "$WORK" "$WRONG" > "$WORK/victim/10.policy"
    "$LWCR" pin --refresh "$WORK/att/real/link/10.policy" > out 2> err; rc=$?; cat err
    [ $rc -eq 2 ] && grep -q "$WRONG" "$WORK/victim/10.policy" || { fail "pin --refresh rewrote a policy through a symlink"; return; }
    # A name that looks like the fields of a root sshd line is one word.
    local forged="x: sha256 mismatch [10.policy:3] pid=1 uid=0 program=/usr/sbin/sshd layer=/etc/lwcr/policy.d time=2026-01-01T00:00:00.000Z"
    mkdir -p "$WORK/bin/$(dirname "$forged")"; cp /usr/bin/true "$WORK/bin/$forged"
    policy "deny $WORK/bin/**"
    under sh -c "\"$WORK/bin/$forged\"" 2> err; cat err
    grep "^lwcr:" err | grep -q " pid=1 " && { fail "a name forged the fields of a log line"; return; }
    grep -q 'x:\\x20sha256\\x20mismatch' err || { fail "the name's spaces are not escaped"; return; }
    # suggest: one file, three names.
    printf 'lwcr: deny /usr/bin/true: x\nlwcr: deny /usr/bin/tr\\x75e: x\nlwcr: deny /usr/bin/../bin/true: x\nlwcr: deny /usr/bin/true\\x00junk: x\n' > log
    chown 65534 log
    "$LWCR" suggest log > out 2> err; cat out err
    grep -q "suggest: warning: log is owned by uid 65534: lwcr writes no such log file" err || { fail "no warning for a log file someone else owns"; return; }
    [ "$(grep -c '^require /usr/bin/true ' out)" = 1 ] && grep -qx '# seen 3 times (deny 3): root.s, in root.s directories' out \
        && grep -q "1 line in lwcr's form names no absolute path" err || { fail "suggest did not count one file once"; return; }
    pass
}

# A log file that takes no more (here a file-size limit of 0 blocks, as a
# setuid program's caller may hand it) does not swallow the line.
test_log_file_full_falls_back_to_stderr() {
    cp_marker tool; policy "deny $WORK/bin/tool"
    : > "$WORK/lwcr.log"
    # Standard error a pipe, as a caller's terminal or pipe is: no limit there.
    ( ulimit -f 0; LWCR_LOG=$WORK/lwcr.log under sh -c "$WORK/bin/tool" ) 2>&1 | cat > err; cat err
    [ -s "$WORK/lwcr.log" ] && { fail "the limit did not apply"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: denied by rule \[10-test.policy:1\] pid=" err || { fail "the line was dropped"; return; }
    pass
}
