# Secure-execution mode: in a setuid program (getauxval(AT_SECURE) set) the
# library trusts nothing from the environment the caller chose. LWCR_POLICY,
# LWCR_LOG and LWCR_CACHE are ignored: only the system layer applies, the log
# is stderr and the cache is the built-in /var/cache/lwcr; and every LWCR_*
# variable is removed, so what the setuid program launches inherits none.
#
# Each test runs in a private mount namespace with a copy of /etc bind-mounted
# over /etc: the copy's ld.so.preload names $LIB (glibc honours it for setuid
# programs, unlike LD_PRELOAD) and its lwcr/policy.d is the system layer. The
# real /etc is never written. nobody hands a setuid-root helper (installed in
# $WORK, on a mount without nosuid) an environment through the raw execve
# system call (raw_exec), so no library judges that first step.

# secure_prepare: $W/bin with the helpers, $W/etc (the copy) whose system
# policy allows everything except $W/bin/child; 1 (after skip) when this
# machine cannot run the scenario.
secure_prepare() {
    umask 022
    [ "$(id -u)" = 0 ] || { skip "needs root for a mount namespace and a setuid helper"; return 1; }
    local t
    for t in unshare setpriv mount; do
        command -v $t > /dev/null || { skip "needs $t (util-linux)"; return 1; }
    done
    W=$WORK
    chmod 755 "$(dirname "$W")" "$W"
    mkdir -p "$W/bin"
    cp "$BIN/suid_helper" "$BIN/raw_exec" "$W/bin/"
    # A setuid-root program that runs anything: only group 65534 (the
    # attacker here) may run it, and it is gone when the test ends.
    trap 'rm -f "$W/bin/suid_helper"; [ -n "${CACHE:-}" ] && rm -rf "$CACHE"' EXIT
    chown 0:65534 "$W/bin/suid_helper"; chmod 4750 "$W/bin/suid_helper"
    cp /usr/bin/touch "$W/bin/child"; cp /usr/bin/touch "$W/bin/ok"
    # The helper really runs setuid root, in secure mode, for nobody here?
    setpriv --reuid=65534 --regid=65534 --clear-groups "$W/bin/suid_helper" probe > probe.out 2>&1
    grep -qx 'euid=0 secure=1' probe.out \
        || { skip "a setuid-root file does not run setuid here (nosuid mount? no_new_privs?): $(cat probe.out)"; return 1; }
    cp -a /etc "$W/etc" || { skip "cannot copy /etc"; return 1; }
    echo "copy of /etc for an lwcr test" > "$W/etc/.lwcr-test-copy"
    printf '%s\n' "$LIB" > "$W/etc/ld.so.preload"
    rm -rf "$W/etc/lwcr"; mkdir -p "$W/etc/lwcr/policy.d"
    printf 'deny %s\n' "$W/bin/child" > "$W/etc/lwcr/policy.d/10-test.policy"
    chmod -R go-w "$W/etc/lwcr"
    timeout 10 unshare -m true 2> /dev/null || { skip "cannot create a mount namespace here"; return 1; }
}

# in_secure_namespace SCRIPT: runs the bash SCRIPT as root in a private
# mount namespace where /etc is $W/etc (so $LIB is in every process there,
# under the system layer $W/etc/lwcr/policy.d). `attack VAR=VALUE... --
# PROGRAM ARGS` runs PROGRAM as nobody with those variables added. Status
# 90-93: the namespace could not be set up (nothing ran).
in_secure_namespace() {
    cat > "$W/ns.sh" <<EOF
set -u
W='$W' CACHE='${CACHE:-}'
mount --make-rprivate / || exit 90
mount --bind "\$W/etc" /etc || exit 91
# Only in this namespace, and only the copy: never go on with the real /etc.
[ "\$(stat -c %d:%i /etc)" = "\$(stat -c %d:%i "\$W/etc")" ] && [ -f /etc/.lwcr-test-copy ] || exit 92
# The built-in cache directory, if the machine has one, is not touched either.
if [ -d /var/cache/lwcr ]; then mount -t tmpfs -o mode=755 tmpfs /var/cache/lwcr || exit 93; fi
attack() { setpriv --reuid=65534 --regid=65534 --clear-groups "\$W/bin/raw_exec" "\$@"; }
$1
EOF
    timeout 30 unshare -m bash "$W/ns.sh"
}

# LWCR_LOG names a file a setuid program can write and nobody else can:
# it is ignored (the line goes to stderr), so a caller cannot make root
# append text of their choosing (here, through LWCR_POLICY, a "library"
# /home/u/evil.so) to /etc/ld.so.preload.
test_secure_mode_ignores_lwcr_log() {
    secure_prepare || return
    cp -p "$W/etc/ld.so.preload" "$W/preload.before"
    in_secure_namespace '
attack "LWCR_LOG=/etc/ld.so.preload" "LWCR_POLICY=/nonexistent /home/u/evil.so /x" -- \
    "$W/bin/suid_helper" exec "$W/bin/child" "$W/ran" > "$W/a.out" 2> "$W/a.err"
'
    local rc=$?
    echo "namespace status $rc"; cat a.out a.err
    echo "ld.so.preload after:"; cat "$W/etc/ld.so.preload"
    [ $rc -ge 90 ] && { fail "could not set up the namespace (status $rc)"; return; }
    cmp -s "$W/preload.before" "$W/etc/ld.so.preload" \
        || { fail "LWCR_LOG honoured by a setuid program: /etc/ld.so.preload gained: $(tail -n +2 "$W/etc/ld.so.preload" | head -c 200)"; return; }
    [ -e "$W/ran" ] && { fail "the denied child ran"; return; }
    grep -q "^lwcr: deny $W/bin/child: denied by rule \[10-test.policy:1\]\( pid=.*\)\?$" a.err \
        || { fail "no deny line on stderr from the system layer"; return; }
    pass
}

# LWCR_POLICY is ignored: a layer that allows everything does not free the
# child the system layer denies (layers only tighten, so old code got this
# right too), and a layer that denies everything does not stop a child the
# system layer allows (a caller must not break a setuid program's launches).
test_secure_mode_ignores_lwcr_policy() {
    secure_prepare || return
    mkdir -p "$W/allow.d" "$W/denyall.d"
    printf 'default allow\nallow /**\n' > "$W/allow.d/10-all.policy"
    printf 'default deny\n' > "$W/denyall.d/10-none.policy"
    in_secure_namespace '
attack "LWCR_POLICY=$W/allow.d" -- "$W/bin/suid_helper" exec "$W/bin/child" "$W/ran-child" > "$W/b1.out" 2> "$W/b1.err"
attack "LWCR_POLICY=$W/denyall.d" -- "$W/bin/suid_helper" exec "$W/bin/ok" "$W/ran-ok" > "$W/b2.out" 2> "$W/b2.err"
'
    local rc=$?
    echo "namespace status $rc"; echo "allow-all layer:"; cat b1.out b1.err; echo "deny-all layer:"; cat b2.out b2.err
    [ $rc -ge 90 ] && { fail "could not set up the namespace (status $rc)"; return; }
    [ -e "$W/ran-child" ] && { fail "LWCR_POLICY of the caller let a child the system layer denies run"; return; }
    grep -q "^lwcr: deny $W/bin/child: denied by rule \[10-test.policy:1\]\( pid=.*\)\?$" b1.err || { fail "no system-layer deny line for the child"; return; }
    [ -e "$W/ran-ok" ] || { fail "LWCR_POLICY of the caller applied to a setuid program: $(head -1 b2.err)"; return; }
    pass
}

# LWCR_CACHE is ignored: a setuid program (euid 0, which may write cache
# entries) writes none into a root-owned directory the caller named. The
# control: root itself, not setuid, does write an entry there.
test_secure_mode_ignores_lwcr_cache() {
    secure_prepare || return
    CACHE=/run/lwcr-cache-test-$$-$RANDOM
    mkdir -m 755 "$CACHE"
    printf 'require %s sha256=%s\n' "$W/bin/ok" "$(pin "$W/bin/ok")" >> "$W/etc/lwcr/policy.d/10-test.policy"
    sleep 2.2  # entries are written only for a ctime at least 2 s old
    in_secure_namespace '
attack "LWCR_CACHE=$CACHE" -- "$W/bin/suid_helper" exec "$W/bin/ok" "$W/ran1" > "$W/c.out" 2> "$W/c.err"
ls -A "$CACHE" > "$W/c.after-setuid"
LWCR_CACHE="$CACHE" "$W/bin/suid_helper" exec "$W/bin/ok" "$W/ran2" > "$W/c2.out" 2> "$W/c2.err"
ls -A "$CACHE" > "$W/c.after-root"
'
    local rc=$?
    echo "namespace status $rc"; cat c.out c.err c2.out c2.err
    echo "after the setuid launch: $(cat c.after-setuid 2>/dev/null)"; echo "after root's launch: $(cat c.after-root 2>/dev/null)"
    [ $rc -ge 90 ] && { fail "could not set up the namespace (status $rc)"; return; }
    [ -e "$W/ran1" ] || { fail "the pinned child of the setuid program did not run"; return; }
    [ -s c.after-setuid ] && { fail "a setuid program wrote $(wc -l < c.after-setuid) entries into the caller's LWCR_CACHE"; return; }
    [ -e "$W/ran2" ] && [ -s c.after-root ] || { fail "control: root's own launch wrote no entry, so the test proves nothing"; return; }
    pass "no entry from the setuid program; root's own launch wrote one (control)"
}

# Every LWCR_* variable is gone from the setuid program's environment, so a
# program it starts (here as plain root, which would obey them) sees none.
test_secure_mode_scrubs_lwcr_variables() {
    secure_prepare || return
    mkdir -p "$W/allow.d"; printf 'default allow\n' > "$W/allow.d/10-all.policy"
    in_secure_namespace '
attack "LWCR_POLICY=$W/allow.d" "LWCR_LOG=$W/attacker.log" "LWCR_CACHE=$W/attacker-cache" "LWCR_FUTURE=1" "MARKER=kept" -- \
    "$W/bin/suid_helper" exec /usr/bin/env > "$W/d.out" 2> "$W/d.err"
'
    local rc=$?
    echo "namespace status $rc"; cat d.err; grep -E '^(LWCR_|MARKER=)' d.out
    [ $rc -ge 90 ] && { fail "could not set up the namespace (status $rc)"; return; }
    grep -qx 'MARKER=kept' d.out || { fail "env did not run or did not get the environment: $(head -c 300 d.out d.err)"; return; }
    grep -q '^LWCR_' d.out && { fail "the setuid program's child inherited: $(grep '^LWCR_' d.out | tr '\n' ' ')"; return; }
    pass
}

# Standard error as an O_PATH descriptor of a root-only FIFO: the setuid
# program's log line must not be written there (reopening it through
# /proc/self/fd/2 as root would open for writing a file nobody could).
test_secure_mode_log_never_reopens_a_callers_opath_stderr() {
    secure_prepare || return
    cp "$BIN/opath_stderr" "$W/bin/"
    mkfifo -m 600 "$W/rootfifo"
    in_secure_namespace '
timeout 3 cat "$W/rootfifo" > "$W/fifo.out" & reader=$!
sleep 0.3
setpriv --reuid=65534 --regid=65534 --clear-groups "$W/bin/opath_stderr" "$W/rootfifo" \
    "$W/bin/suid_helper" exec "$W/bin/child" "$W/ran" > "$W/a.out"
echo "status $?" >> "$W/a.out"
wait $reader
exit 0
'
    local rc=$?
    echo "namespace status $rc"; cat a.out; echo "fifo:"; cat fifo.out
    [ $rc -ge 90 ] && { fail "could not set up the namespace (status $rc)"; return; }
    [ -e "$W/ran" ] && { fail "the denied child ran"; return; }
    grep -q "lwcr:" fifo.out && { fail "the setuid program wrote its log line into a root-only FIFO"; return; }
    pass
}
