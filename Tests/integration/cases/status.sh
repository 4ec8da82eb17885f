# lwcr status: what a running process enforces, read from /proc/PID, and
# what the system is set up to enforce; lwcr --version.

VERSION_LINE=$(grep -m1 '^VERSION := ' "$ROOT/Makefile" | cut -d' ' -f3)

# Waits (at most 5 s) until FILE exists.
await_file() { local i; for i in $(seq 50); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }

test_version_is_one_source() {
    local v
    v=$("$LWCR" --version) || { fail "lwcr --version failed"; return; }
    [ "$v" = "lwcr $VERSION_LINE" ] || { fail "lwcr --version says '$v', the Makefile's VERSION is '$VERSION_LINE'"; return; }
    grep -qa "@(#)lwcr $VERSION_LINE" "$LIB" || { fail "the library does not carry @(#)lwcr $VERSION_LINE"; return; }
    pass
}

# A long-lived python3 under the library with a compiled layer: status names
# the library, its version, the layer, and the snapshot in force; after a
# compile and one more launch, the old generation is superseded.
test_status_of_a_running_process() {
    cp_marker tool
    policy "allow /**"
    "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "compile failed"; return; }
    LWCR_LOG=$WORK/p.log LWCR_LEARN=1 LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB python3 -c '
import os, sys, time
w = sys.argv[1]
os.system("true"); open(w + "/first", "w").close()
while not os.path.exists(w + "/go"): time.sleep(0.05)
os.system("true"); open(w + "/second", "w").close()
while not os.path.exists(w + "/end"): time.sleep(0.05)' "$WORK" &
    local pid=$!
    await_file "$WORK/first" || { kill $pid; fail "the process did not start"; return; }
    "$LWCR" status $pid > s1; local rc1=$?
    "$LWCR" compile "$WORK/policy.d" > /dev/null
    touch "$WORK/go"; await_file "$WORK/second"
    "$LWCR" status $pid > s2
    setpriv --reuid=65534 --regid=65534 --clear-groups "$LWCR" status $pid > s3 2>&1; local rc3=$?
    touch "$WORK/end"; wait $pid
    cat s1 s2 s3
    [ $rc1 -eq 0 ] || { fail "status of a process with the library exited $rc1"; return; }
    grep -qx "  library:        $LIB (lwcr $VERSION_LINE), through LD_PRELOAD" s1 || { fail "library line"; return; }
    grep -qx "  secure mode:    no" s1 || { fail "secure mode line"; return; }
    grep -qx "  layers:         $WORK/policy.d (LWCR_POLICY)" s1 || { fail "layers line"; return; }
    grep -qx "  compiled:       $WORK/policy.d/.lwcr-snapshot generation 1, in force" s1 || { fail "snapshot line"; return; }
    grep -qx "  log:            $WORK/p.log (LWCR_LOG), text (the default)" s1 || { fail "log line"; return; }
    grep -q "^  learn mode:     on" s1 || { fail "learn mode line"; return; }
    grep -q "generation 1, superseded" s2 && grep -q "generation 2, in force" s2 || { fail "after the compile, generation 2 is not shown in force over 1"; return; }
    [ $rc3 -eq 2 ] && grep -q "not readable by this user" s3 || { fail "another user's process: expected exit 2 and why (got $rc3)"; return; }
    pass
}

test_status_of_a_process_without_the_library() {
    sleep 5 & local pid=$!
    "$LWCR" status $pid > out 2>&1; local rc=$?
    kill $pid; wait $pid 2>/dev/null
    cat out
    [ $rc -eq 1 ] && grep -q "library:        not loaded" out || { fail "expected exit 1 and 'not loaded' (got $rc)"; return; }
    "$LWCR" status 2147483646 > out 2>&1; rc=$?
    [ $rc -eq 2 ] && grep -q "no such process" out || { fail "a missing process: expected exit 2 (got $rc)"; return; }
    "$LWCR" status 12x > out 2>&1; rc=$?
    [ $rc -eq 2 ] && grep -q "'12x' is not a process ID" out || { fail "a bad PID: expected exit 2 (got $rc)"; return; }
    pass
}

# A setuid program under the library runs in secure-execution mode: status
# says so, and that its LWCR_POLICY is ignored.
test_status_sees_secure_execution() {
    [ "$(id -u)" = 0 ] || { skip "needs root for a setuid program"; return; }
    chmod 755 "$(dirname "$WORK")" "$WORK"
    mkdir -p "$WORK/bin"; cp /usr/bin/sleep "$WORK/bin/sleeper"
    chown root:root "$WORK/bin/sleeper"; chmod 4755 "$WORK/bin/sleeper"
    # A setuid program takes LD_PRELOAD only from the loader's system
    # directories, so here the library comes through /etc/ld.so.preload,
    # in a mount namespace over a copy of /etc.
    policy "allow /**"
    conf_namespace "
echo $LIB > /etc/ld.so.preload
setpriv --reuid=65534 --regid=65534 --clear-groups env LWCR_POLICY=$WORK/policy.d $WORK/bin/sleeper 3 &
pid=\$!; sleep 0.5
$LWCR status \$pid > $WORK/s 2>&1; echo \"rc \$?\" >> $WORK/s
wait
exit 0"
    local rc=$?; [ $rc -eq 1 ] && return
    [ $rc -eq 0 ] || { fail "the namespace could not be set up (status $rc)"; return; }
    cat "$WORK/s"
    grep -qx "  library:        $LIB (lwcr $VERSION_LINE), through /etc/ld.so.preload" "$WORK/s" || { fail "library line"; return; }
    grep -q "^  secure mode:    yes" "$WORK/s" || { fail "secure mode not seen"; return; }
    grep -qx "  layers:         $WORK/policy.d (LWCR_POLICY, ignored in secure mode)" "$WORK/s" || { fail "layers line"; return; }
    grep -qx "rc 0" "$WORK/s" || { fail "status did not exit 0"; return; }
    pass
}

# The system view, in a mount namespace over a copy of /etc: no policy, a
# text policy, compiled, edited, broken, and /etc/ld.so.preload naming the
# library.
test_status_of_the_system() {
    chmod 755 "$(dirname "$WORK")" "$WORK"
    conf_namespace "
s() { echo \"== \$1\" >> $WORK/s; $LWCR status >> $WORK/s 2>&1; echo \"rc \$?\" >> $WORK/s; }
s absent
mkdir -p /etc/lwcr/policy.d; cp $ROOT/policy.d/*.policy /etc/lwcr/policy.d/; chmod -R go-w /etc/lwcr
s text
$LWCR compile > /dev/null; s compiled
echo '# an edit' >> /etc/lwcr/policy.d/10-baseline.policy; s edited
echo 'allow' > /etc/lwcr/policy.d/20-broken.policy; s broken
rm /etc/lwcr/policy.d/.lwcr-snapshot; s broken-text
rm /etc/lwcr/policy.d/20-broken.policy
echo $LIB > /etc/ld.so.preload; s preload
: > /etc/ld.so.preload
exit 0"
    local rc=$?; [ $rc -eq 1 ] && return
    [ $rc -eq 0 ] || { fail "the namespace could not be set up (status $rc)"; return; }
    cat "$WORK/s"
    python3 - "$WORK/s" "$VERSION_LINE" "$LIB" <<'EOF' || { fail "the system view is not as expected"; return; }
import sys
text, version, lib = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
parts = {}
for chunk in text.split("== ")[1:]:
    name, _, body = chunk.partition("\n")
    parts[name] = body
def has(part, s):
    if s not in parts[part]:
        print(f"{part}: missing {s!r}"); sys.exit(1)
for p in parts:
    has(p, f"lwcr {version}\n"); has(p, "rc 0")
has("absent", "/etc/lwcr/policy.d: absent")
has("text", "/etc/lwcr/policy.d: not compiled: each process reads the text")
has("compiled", "/etc/lwcr/policy.d: compiled, generation 1, up to date")
has("edited", "compiled, generation 1; changes not yet compiled: launches follow generation 1 until 'lwcr compile /etc/lwcr/policy.d'")
has("broken", "compiled, generation 1; the text has an error (lwcr lint): launches follow generation 1 until it compiles")
has("broken-text", "policy error: ")
has("broken-text", "20-broken.policy:1")
has("broken-text", "every launch the library judges is denied")
has("preload", f"/etc/ld.so.preload names {lib} (lwcr {version}): every dynamically linked program")
has("absent", "/etc/ld.so.preload names nothing")
EOF
    pass
}

# What a process maps is only named like lwcr's: status says who owns the
# library file, and calls no snapshot "in force" that the library would
# refuse (one copied from another directory).
test_status_does_not_vouch_for_lookalikes() {
    chmod 755 "$(dirname "$WORK")" "$WORK"
    policy "allow /**"
    "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "compile failed"; return; }
    mkdir -p "$WORK/fake"; cp "$LIB" "$WORK/fake/liblwcr.so"; chown 65534 "$WORK/fake/liblwcr.so"
    cp "$WORK/policy.d/.lwcr-snapshot" "$WORK/fake/.lwcr-snapshot"
    LD_PRELOAD=$WORK/fake/liblwcr.so python3 -c '
import mmap, sys, time
f = open(sys.argv[1], "rb"); m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
open(sys.argv[2], "w").close(); time.sleep(5)' "$WORK/fake/.lwcr-snapshot" "$WORK/ready" &
    local pid=$!
    await_file "$WORK/ready" || { kill $pid; fail "the process did not start"; return; }
    "$LWCR" status $pid > s 2>&1
    kill $pid; wait $pid 2>/dev/null
    cat s
    grep -q "WARNING: the library file is uid 65534's: whoever can write it decides what it does" s || { fail "no warning about the library's owner"; return; }
    grep -q "$WORK/fake/.lwcr-snapshot generation 1: mapped, but not a snapshot the library would use (compiled snapshot is of another directory" s \
        || { fail "a snapshot copied from another directory was not called out"; return; }
    grep -q "in force" s && { fail "something was called in force"; return; }
    pass
}
