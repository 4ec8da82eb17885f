# Which policy files are read, and how: a policy file (or signers file) that
# is not a plain regular file is an error, never a hang or an empty policy;
# policy that others could have written is refused whole; a file read while
# it is rewritten never reads as empty; and a file's `mode` and `default`
# mean what they say within one layer. Each denial names the file at fault.
LWCR=$ROOT/build/lwcr

# pf_launch [PROGRAM]: launches PROGRAM (/bin/true: allowed without policy)
# under $WORK/policy.d, bounded; status in $RC.
pf_launch() {
    timeout 10 env LWCR_POLICY="${PF_POLICY:-$WORK/policy.d}" LD_PRELOAD="$LIB" "$BIN/launch_execve" "${1:-/bin/true}" x > out 2> err
    RC=$?; echo "launch status $RC"; cat out err
}

# pf_under PROGRAM ARGS: PROGRAM under the library and $WORK/policy.d, bounded.
pf_under() { timeout 10 env LWCR_POLICY="$WORK/policy.d" LD_PRELOAD="$LIB" "$@"; }

# pf_lint DIR: lwcr lint, bounded; status in $RC, output in lint.out.
pf_lint() {
    timeout 10 "$LWCR" lint "$1" > lint.out 2>&1
    RC=$?; echo "lint status $RC"; cat lint.out
}

# pf_expect_denied WHAT TEXT: the last launch returned in time, was denied,
# and its line contains TEXT.
pf_expect_denied() {
    [ $RC -eq 124 ] && { fail "$1: the launch hung (killed after 10 s)"; return 1; }
    [ $RC -eq 0 ] && { fail "$1: the launch was allowed"; return 1; }
    grep -q '^result: errno=13$' out || { fail "$1: expected EACCES"; return 1; }
    grep '^lwcr: deny ' err | grep -qF -- "$2" || { fail "$1: no deny line naming '$2'"; return 1; }
}

# pf_expect_lint_error WHAT TEXT: lint returned in time, nonzero, naming TEXT.
pf_expect_lint_error() {
    [ $RC -eq 124 ] && { fail "$1: lwcr lint hung (killed after 10 s)"; return 1; }
    [ $RC -eq 0 ] && { fail "$1: lwcr lint found nothing wrong"; return 1; }
    grep -qF -- "$2" lint.out || { fail "$1: lwcr lint does not name '$2'"; return 1; }
}

# A FIFO as a policy file is refused without blocking, by launches and lint.
test_policy_file_fifo() {
    umask 022
    policy "default allow"
    mkfifo "$WORK/policy.d/20-fifo.policy"
    pf_launch; pf_expect_denied "FIFO policy file" "20-fifo.policy" || return
    pf_lint "$WORK/policy.d"; pf_expect_lint_error "FIFO policy file" "20-fifo.policy" || return
    pass
}

# A FIFO as a signers file is refused without blocking, by launches and lint.
test_policy_signers_fifo() {
    umask 022
    policy "default allow" "signers allowed_signers"
    mkfifo "$WORK/policy.d/allowed_signers"
    pf_launch; pf_expect_denied "FIFO signers file" "allowed_signers" || return
    pf_lint "$WORK/policy.d"; pf_expect_lint_error "FIFO signers file" "allowed_signers" || return
    pass
}

# A policy file that is a symlink to /proc/self/status (a "regular file" of
# size 0 whose content is not the policy) is refused, not read as empty.
test_policy_file_symlink_to_proc() {
    umask 022
    mkdir -p "$WORK/policy.d"
    ln -s /proc/self/status "$WORK/policy.d/20-proc.policy"
    pf_launch; pf_expect_denied "symlink to /proc/self/status" "20-proc.policy" || return
    pass
}

# pf_untrusted_case WHAT DIR: a layer others could have written is refused
# whole: a launch its content allows is denied as untrusted policy, and lint
# says so.
pf_untrusted_case() {
    PF_POLICY=$2 pf_launch; pf_expect_denied "$1" "untrusted policy" || return 1
    pf_lint "$2"; [ $RC -eq 0 ] && { fail "$1: lwcr lint found nothing wrong"; return 1; }
    grep -qi 'untrusted' lint.out || { fail "$1: lwcr lint does not say untrusted"; return 1; }
}

# A policy directory writable by others is refused.
test_policy_dir_others_writable() {
    umask 022
    policy "default allow"; chmod 777 "$WORK/policy.d"
    pf_untrusted_case "policy directory mode 777" "$WORK/policy.d" || return
    pass
}

# A policy file writable by others is refused.
test_policy_file_others_writable() {
    umask 022
    policy "default allow"; chmod 666 "$WORK/policy.d/10-test.policy"
    pf_untrusted_case "policy file mode 666" "$WORK/policy.d" || return
    pass
}

# A policy directory owned by another user is refused (here by root).
test_policy_dir_owned_by_other_user() {
    umask 022
    policy "default allow"; chown 65534 "$WORK/policy.d"
    pf_untrusted_case "policy directory owned by uid 65534" "$WORK/policy.d" || return
    pass
}

# A policy directory inside a directory writable by others (not sticky),
# where anyone could rename it away and put theirs there, is refused.
test_policy_parent_others_writable() {
    umask 022
    mkdir -p "$WORK/open/policy.d"; chmod 777 "$WORK/open"
    printf 'default allow\n' > "$WORK/open/policy.d/10-test.policy"
    pf_untrusted_case "parent of the policy directory mode 777" "$WORK/open/policy.d" || return
    pass
}

# A policy file only root can read: lint (as root) warns that other users
# will be denied everything; a launch by another user is denied with the
# file's full path and EACCES.
test_policy_file_unreadable_by_others() {
    umask 022
    [ "$(id -u)" = 0 ] || { skip "needs root to switch users"; return; }
    command -v setpriv > /dev/null || { skip "needs setpriv (util-linux)"; return; }
    chmod 755 "$(dirname "$WORK")" "$WORK"
    policy "default allow"; chmod 600 "$WORK/policy.d/10-test.policy"
    pf_lint "$WORK/policy.d"
    grep -qi 'other users' lint.out || { fail "lwcr lint does not warn that other users will be denied"; return; }
    timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups env LWCR_POLICY="$WORK/policy.d" LD_PRELOAD="$LIB" \
        "$BIN/launch_execve" /bin/true x > out 2> err
    RC=$?; echo "launch as nobody: status $RC"; cat out err
    pf_expect_denied "launch by nobody" "$WORK/policy.d/10-test.policy" || return
    grep '^lwcr: deny ' err | grep -q 'EACCES' || { fail "the deny line does not say EACCES"; return; }
    pass
}

# A policy file rewritten in place (truncate, then write) while launches
# read it is never read as an empty policy: the program it denies never runs.
test_policy_file_rewritten_in_place() {
    umask 022
    local prog=$WORK/bin/prog f=$WORK/policy.d/10.policy writer end n=0 ran k
    mkdir -p "$WORK/bin" "$WORK/policy.d" "$WORK/ran"; cp /usr/bin/touch "$prog"
    printf 'deny %s\n' "$prog" > "$f"
    timeout 10 bash -c 'while :; do printf "deny %s\n" "$1" > "$2"; done' rewriter "$prog" "$f" &
    writer=$!
    end=$(( ${EPOCHREALTIME/./} + 3000000 ))
    # Eight launchers at once: a launch that finds the file changing waits
    # for it to settle, so one launcher alone would make few launches.
    for k in 1 2 3 4 5 6 7 8; do
        ( i=0
          while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
              i=$((i + 1))
              timeout 10 env LWCR_POLICY="$WORK/policy.d" LD_PRELOAD="$LIB" "$BIN/launch_execve" "$prog" "$WORK/ran/$k-$i" > /dev/null 2>> "err.$k"
              echo >> "count.$k"
          done ) &
    done
    wait $(jobs -p | grep -v "^$writer$") 2> /dev/null
    kill "$writer" 2> /dev/null; wait "$writer" 2> /dev/null
    n=$(cat count.* | wc -l)
    cat err.* > err
    ran=$(ls "$WORK/ran" | wc -l)
    echo "launches: $n, ran: $ran; lines:"; sed "s|$WORK|WORK|" err | sort | uniq -c | sort -rn | head
    [ "$n" -ge 20 ] || { fail "only $n launches in 3 s: the test proves nothing"; return; }
    [ "$ran" -eq 0 ] || { fail "$ran of $n launches ran the program the policy denies"; return; }
    pass "$n launches, none ran"
}

# `mode audit` applies to the rules of its own file: a deny of an enforcing
# file stays enforced, and the audit file's rule only logs.
test_policy_mode_audit_scoped_to_file() {
    umask 022
    mkdir -p "$WORK/policy.d" "$WORK/tmp" "$WORK/bin"; cp /usr/bin/touch "$WORK/tmp/x"; cp /usr/bin/touch "$WORK/bin/x"
    printf 'deny %s\n' "$WORK/tmp/**" > "$WORK/policy.d/10-base.policy"
    printf 'mode audit\nrequire %s sha256=%s\n' "$WORK/bin/**" "$WRONG" > "$WORK/policy.d/20-trial.policy"
    pf_under "$BIN/launch_execve" "$WORK/tmp/x" "$WORK/ran-tmp" > out 2> err; cat out err
    [ -e "$WORK/ran-tmp" ] && { fail "the enforced deny of 10-base.policy became audit-only"; return; }
    grep -q "^lwcr: deny $WORK/tmp/x: denied by rule \[10-base.policy:1\]\( pid=.*\)\?$" err || { fail "no deny line from 10-base.policy"; return; }
    pf_under "$BIN/launch_execve" "$WORK/bin/x" "$WORK/ran-bin" > out 2> err; cat out err
    [ -e "$WORK/ran-bin" ] || { fail "the audit-only rule of 20-trial.policy blocked the launch"; return; }
    grep -q "^lwcr: audit $WORK/bin/x: sha256 mismatch \[20-trial.policy:2\]\( pid=.*\)\?$" err || { fail "no audit line"; return; }
    pass
}

# A later file's `mode enforce` does not turn an earlier audit file's rule
# into an enforced one.
test_policy_mode_audit_file_before_enforce_file() {
    umask 022
    mkdir -p "$WORK/policy.d" "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/x"
    printf 'mode audit\ndeny %s\n' "$WORK/bin/x" > "$WORK/policy.d/05-trial.policy"
    printf 'mode enforce\n' > "$WORK/policy.d/10-base.policy"
    pf_under "$BIN/launch_execve" "$WORK/bin/x" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] || { fail "the audit-only deny of 05-trial.policy was enforced"; return; }
    grep -q "^lwcr: audit $WORK/bin/x: denied by rule \[05-trial.policy:2\]\( pid=.*\)\?$" err || { fail "no audit line"; return; }
    pass
}

# An audit file never weakens enforced files: its later allow does not free
# what an enforcing file denies.
test_policy_mode_audit_file_never_weakens_enforced() {
    umask 022
    mkdir -p "$WORK/policy.d" "$WORK/tmp"; cp /usr/bin/touch "$WORK/tmp/x"
    printf 'deny %s\n' "$WORK/tmp/**" > "$WORK/policy.d/10-base.policy"
    printf 'mode audit\nallow %s\n' "$WORK/tmp/**" > "$WORK/policy.d/20-trial.policy"
    pf_under "$BIN/launch_execve" "$WORK/tmp/x" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "an audit file's allow overrode an enforced deny"; return; }
    grep -q "^lwcr: deny $WORK/tmp/x: denied by rule \[10-base.policy:1\]\( pid=.*\)\?$" err || { fail "no deny line from 10-base.policy"; return; }
    pass
}

# Two files of one layer with different `default`s are a policy error (no
# file silently wins): every launch is denied, even one a rule allows, with
# the conflict's FILE:LINE, and lint reports it.
test_policy_conflicting_defaults() {
    umask 022
    mkdir -p "$WORK/policy.d"
    printf 'default allow\n' > "$WORK/policy.d/10-a.policy"
    printf 'default deny\nallow /usr/bin/true\n' > "$WORK/policy.d/20-b.policy"
    pf_launch; pf_expect_denied "conflicting defaults" "conflicting default" || return
    grep -Eq '^lwcr: deny .*conflicting default.*\[(10-a|20-b)\.policy:1\]( pid=.*)?$' err || { fail "the deny line does not name FILE:LINE"; return; }
    pf_lint "$WORK/policy.d"; [ $RC -eq 0 ] && { fail "lwcr lint found nothing wrong"; return; }
    grep -Eq "^$WORK/policy.d/(10-a|20-b)\.policy:1: .*conflicting default" lint.out || { fail "lwcr lint does not report the conflict as FILE:LINE"; return; }
    pass
}

# A layer named through a symbolic link is refused: the chain of
# directories that matters would be another one than the one examined.
test_policy_layer_through_symlink() {
    umask 022
    mkdir -p "$WORK/real" "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/x"
    printf 'allow /**\n' > "$WORK/real/10.policy"
    ln -s real "$WORK/link"
    for layer in "$WORK/link" "$WORK/link/../real"; do
        rm -f "$WORK/ran"
        LWCR_POLICY=$layer LD_PRELOAD=$LIB "$BIN/launch_execve" "$WORK/bin/x" "$WORK/ran" > out 2> err; cat out err
        [ -e "$WORK/ran" ] && { fail "a layer named through a symlink ($layer) was obeyed"; return; }
        grep -q "untrusted policy: the layer.*symbolic link" err || { fail "no line saying the layer is a symlink ($layer)"; return; }
    done
    "$ROOT/build/lwcr" lint "$WORK/link" > out 2>&1 && { cat out; fail "lint accepted a symlinked layer"; return; }
    grep -q "symbolic link" out || { cat out; fail "lint does not say why"; return; }
    LWCR_POLICY=$WORK/real LD_PRELOAD=$LIB "$BIN/launch_execve" "$WORK/bin/x" "$WORK/ran" > out 2> err
    [ -e "$WORK/ran" ] || { cat err; fail "control: the real path was refused"; return; }
    pass
}

# The shipped baseline states no default, so a local file of the same
# directory may say `default deny` without a conflict.
test_baseline_takes_a_local_default() {
    umask 022
    mkdir -p "$WORK/policy.d"
    cp "$ROOT/policy.d/10-baseline.policy" "$WORK/policy.d/"
    printf 'default deny\nallow /usr/bin/**\n' > "$WORK/policy.d/90-local.policy"
    "$ROOT/build/lwcr" lint "$WORK/policy.d" > out 2>&1 || { cat out; fail "baseline + local default deny does not lint"; return; }
    pass
}

# A writer held up between truncating a policy file and writing it (a busy
# machine, a stopped process) leaves it empty for as long as it likes: an
# empty policy file is an error, never "no rules".
test_policy_file_truncated_and_held() {
    umask 022
    local prog=$WORK/bin/prog f=$WORK/policy.d/10.policy
    mkdir -p "$WORK/bin" "$WORK/policy.d"; cp /usr/bin/touch "$prog"
    printf 'deny %s\n' "$prog" > "$f"
    : > "$f"; sleep 0.2   # truncated, and older than the settling time
    LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB "$BIN/launch_execve" "$prog" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "an empty (truncated) policy file allowed the denied program"; return; }
    grep -qF "policy file is empty" err || { fail "no line saying the file is empty"; return; }
    "$ROOT/build/lwcr" lint "$WORK/policy.d" > out 2>&1 && { cat out; fail "lint accepted an empty policy file"; return; }
    pass
}

# The baseline's first idea, on this machine: no world-writable directory
# (as find sees them, two levels below / and /dev, /run, /var) launches.
test_baseline_denies_every_world_writable_place() {
    mkdir -p "$WORK/policy.d"; cp "$ROOT/policy.d/10-baseline.policy" "$WORK/policy.d/"
    local d n=0 bad= f
    for d in $(find / /dev /run /var -maxdepth 2 -xdev -type d -perm -0002 2> /dev/null | sort -u); do
        f=$(mktemp "$d/lwcr-ww-test.XXXXXX" 2> /dev/null) || continue
        cp /usr/bin/true "$f"; chmod 755 "$f"
        under sh -c "$f" 2> /dev/null && bad="$bad $d"
        rm -f "$f"; n=$((n + 1))
    done
    [ $n -gt 0 ] || { skip "no world-writable directory found"; return; }
    [ -z "$bad" ] || { fail "the baseline lets these world-writable directories launch:$bad"; return; }
    pass "$n world-writable directories"
}
