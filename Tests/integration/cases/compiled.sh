# Compiled policy snapshots (lwcr compile): live in running processes,
# never half-published, never trusted beyond their directory, the same
# meaning as their text.

LWCR=$ROOT/build/lwcr

# A copy of /usr/bin/true at $WORK/bin/$1, for rules to name.
cp_marker() { mkdir -p "$WORK/bin"; cp /usr/bin/true "$WORK/bin/$1"; }

# launch() for the live tests' python3: posix_spawn of $WORK/bin/tool,
# "ok", "failed" or "denied".
py_launch() {
    cat <<EOF
def launch():
    try:
        pid = os.posix_spawn("$WORK/bin/tool", ["tool"], dict(os.environ))
        return "ok" if os.waitpid(pid, 0)[1] == 0 else "failed"
    except PermissionError:
        return "denied"
EOF
}

# A python3 that launches with os.posix_spawn, in one long-lived process,
# sees a deny at its next launch after compile, and its lifting after the
# next compile.
test_compiled_live_posix_spawn() {
    cp_marker tool
    policy "allow /**"
    "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "first compile failed"; return; }
    cat > live.py <<EOF
import os, subprocess, sys
$(py_launch)
def publish(*lines):
    with open("$WORK/policy.d/10-test.policy.tmp", "w") as f:
        f.write("".join(l + "\n" for l in lines))
    os.rename("$WORK/policy.d/10-test.policy.tmp", "$WORK/policy.d/10-test.policy")
    subprocess.run(["$LWCR", "compile", "$WORK/policy.d"], check=True, stdout=subprocess.DEVNULL)
print("start", launch())
publish("allow /**", "deny $WORK/bin/tool")
print("deny", launch())
publish("allow /**")
print("lifted", launch())
EOF
    under /usr/bin/python3 live.py > out 2> err; cat out err
    grep -qx "start ok" out && grep -qx "deny denied" out && grep -qx "lifted ok" out \
        || { fail "the running process did not follow each compile"; return; }
    grep -q "lwcr: deny $WORK/bin/tool: denied by rule \[10-test.policy:2\]" err || { fail "no deny line naming the rule"; return; }
    pass
}

# A broken edit is refused, with FILE:LINE; the snapshot in force stays,
# and lint and check say the text differs from what launches follow.
test_compile_refuses_broken_edit() {
    cp_marker tool
    policy "allow /**" "deny $WORK/bin/tool"
    "$LWCR" compile "$WORK/policy.d" > out || { cat out; fail "compile failed"; return; }
    grep -q "compiled 2 rules.*generation 1" out || { cat out; fail "compile did not say what it published"; return; }
    policy "allow /**" "frobnicate $WORK/bin/tool"
    "$LWCR" compile "$WORK/policy.d" > out 2> err; rc=$?; cat out err
    [ $rc = 2 ] || { fail "compile of a broken edit exited $rc, not 2"; return; }
    grep -q "10-test.policy:2: " out || { fail "the error does not name FILE:LINE"; return; }
    grep -q "nothing published, the policy in force is unchanged" err || { fail "compile did not say nothing was published"; return; }
    under sh -c "$WORK/bin/tool" 2> err; rc=$?; cat err
    [ $rc != 0 ] && grep -q "denied by rule \[10-test.policy:2\]" err || { fail "the last good snapshot is not in force"; return; }
    policy "allow /**"
    "$LWCR" lint "$WORK/policy.d" > out; cat out
    grep -q "warning: changes not yet compiled: launches follow $WORK/policy.d/.lwcr-snapshot (generation 1)" out \
        || { fail "lint does not say the text is not compiled"; return; }
    "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin/tool" > out 2> err; cat out err
    grep -q "has changes not yet compiled" err || { fail "check does not say the text is not compiled"; return; }
    grep -q "10-test.policy:2" out || { fail "check does not explain by the snapshot in force"; return; }
    "$LWCR" compile "$WORK/policy.d" > /dev/null && under sh -c "$WORK/bin/tool" || { fail "the fixed policy did not take effect"; return; }
    "$LWCR" lint "$WORK/policy.d" > out; grep -q "not yet compiled" out && { fail "lint still warns after compile"; return; }
    pass
}

# Compiles every few milliseconds while one process launches thousands of
# times: every launch is judged by one whole snapshot, the old or the new.
# Both snapshots deny $WORK/bin/never and allow /usr/**; one denies a, the
# other b. A half-written, empty or mixed policy would let `never` run, or
# deny everything, or name a policy error.
test_compile_concurrent_with_launches() {
    cp_marker a; cp_marker b; cp_marker never
    state() {  # state A|B: the text, as one file or two
        mkdir -p "$WORK/policy.d"
        if [ "$1" = A ]; then
            printf 'default deny\nallow /usr/**\nallow %s\nallow %s/bin/*\ndeny %s/bin/b\ndeny %s/bin/never\n' \
                "$LOADER" "$WORK" "$WORK" "$WORK" > "$WORK/policy.d/.t"
            mv "$WORK/policy.d/.t" "$WORK/policy.d/10-test.policy"; rm -f "$WORK/policy.d/20-more.policy"
        else
            printf 'default deny\nallow /usr/**\nallow %s\n' "$LOADER" > "$WORK/policy.d/.t"
            mv "$WORK/policy.d/.t" "$WORK/policy.d/10-test.policy"
            printf 'allow %s/bin/*\ndeny %s/bin/a\ndeny %s/bin/never\n' "$WORK" "$WORK" "$WORK" > "$WORK/policy.d/.u"
            mv "$WORK/policy.d/.u" "$WORK/policy.d/20-more.policy"
        fi
    }
    state A; "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "first compile failed"; return; }
    ( end=$((SECONDS + 6)); n=0
      while [ $SECONDS -lt $end ]; do
          if [ $((n % 2)) = 0 ]; then state B; else state A; fi
          "$LWCR" compile "$WORK/policy.d" > /dev/null 2>> compile.err || echo "compile failed" >> compile.err
          n=$((n + 1))
      done; echo $n > compiles ) &
    local compiler=$!
    cat > launches.py <<EOF
import os, time
def launch(p):
    try:
        pid = os.posix_spawn(p, [p], dict(os.environ))
        return os.waitpid(pid, 0)[1] == 0
    except PermissionError:
        return False
bad = 0; seen = {"a": 0, "b": 0}; n = 0
end = time.time() + 5
while time.time() < end:
    if not launch("/usr/bin/true"): bad += 1
    if launch("$WORK/bin/never"): bad += 1
    a, b = launch("$WORK/bin/a"), launch("$WORK/bin/b")
    if not a: seen["a"] += 1
    if not b: seen["b"] += 1
    n += 4
print("launches", n, "bad", bad, "a denied", seen["a"], "b denied", seen["b"])
EOF
    under /usr/bin/python3 launches.py > out 2> err
    wait $compiler
    cat out compile.err 2>/dev/null; echo "compiles: $(cat compiles)"
    grep -v "lwcr: deny $WORK/bin/[abn]" err | head -5
    read -r _ n _ bad _ _ da _ _ db < out
    [ "${n:-0}" -ge 1000 ] || { fail "only ${n:-0} launches"; return; }
    [ "$(cat compiles)" -ge 20 ] || { fail "only $(cat compiles) compiles"; return; }
    [ ! -s compile.err ] || { fail "a compile failed"; return; }
    [ "$bad" = 0 ] || { fail "$bad launches were judged by no whole snapshot"; return; }
    [ "$da" -gt 0 ] && [ "$db" -gt 0 ] || { fail "the process did not see both snapshots (a denied $da, b denied $db)"; return; }
    grep -q "policy error\|snapshot" err && { fail "a launch saw a policy error"; return; }
    pass "$n launches, $(cat compiles) compiles"
}

# A snapshot the layer's owner did not write, or others may write, is
# refused with the reason; so is one copied from another directory.
test_forged_snapshot_refused() {
    cp_marker tool
    policy "allow /**" "deny $WORK/bin/tool"
    "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "compile failed"; return; }
    local snap=$WORK/policy.d/.lwcr-snapshot
    chown 65534:65534 "$snap"
    under sh -c /usr/bin/true 2> err; rc=$?; cat err
    [ $rc != 0 ] && grep -q "owned by neither root nor the user launching" err || { fail "a snapshot owned by another user was used"; return; }
    chown 0:0 "$snap"; chmod 664 "$snap"
    under sh -c /usr/bin/true 2> err; rc=$?; cat err
    [ $rc != 0 ] && grep -q "compiled snapshot is writable by group or others" err || { fail "a group-writable snapshot was used"; return; }
    chmod 644 "$snap"
    mkdir -p "$WORK/other"; chmod 755 "$WORK/other"; cp "$WORK/policy.d/10-test.policy" "$snap" "$WORK/other/"
    LWCR_POLICY=$WORK/other LD_PRELOAD=$LIB sh -c /usr/bin/true 2> err; rc=$?; cat err
    [ $rc != 0 ] && grep -q "compiled snapshot is of another directory" err || { fail "a snapshot copied from another directory was used"; return; }
    ln -sf "$snap" "$WORK/other/.lwcr-snapshot"
    LWCR_POLICY=$WORK/other LD_PRELOAD=$LIB sh -c /usr/bin/true 2> err; rc=$?; cat err
    [ $rc != 0 ] && grep -q "compiled snapshot is a symbolic link" err || { fail "a symlinked snapshot was used"; return; }
    pass
}

# Damaged snapshots deny every launch with the reason: a truncation, a
# flipped byte, a cut header; the launching program does not crash.
test_corrupt_snapshot_denies() {
    policy "allow /**"
    "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "compile failed"; return; }
    local snap=$WORK/policy.d/.lwcr-snapshot
    cp "$snap" good
    damage() { python3 -c "
import sys
d = bytearray(open('good', 'rb').read())
how = sys.argv[1]
if how == 'truncate': d = d[:-8]
elif how == 'flip': d[4096 + (len(d) - 4096) // 2] ^= 0x40
elif how == 'version': d[8] += 1
elif how == 'header': d = d[:100]
open('$snap.new', 'wb').write(d)" "$1"; mv "$snap.new" "$snap"; }
    local how want
    for how in truncate flip header; do
        damage $how
        case $how in
            truncate) want="truncated or damaged" ;; flip) want="checksum does not match" ;;
            header) want="truncated" ;;
        esac
        under sh -c '/usr/bin/true; echo "status $?"' > out 2> err; rc=$?; cat out err
        [ $rc -lt 128 ] || { fail "$how: the launching program died (status $rc)"; return; }
        grep -q "$want" err || { fail "$how: no denial saying '$want'"; return; }
        grep -q "status 0" out && { fail "$how: a launch was allowed"; return; }
    done
    pass
}

# A snapshot another version of lwcr wrote (an upgrade installs the library
# before its package compiles again) is passed over: launches read the
# text, which still judges, and lint and status say why.
test_snapshot_of_another_version_reads_the_text() {
    cp_marker tool; cp_marker other
    policy "allow /**" "deny $WORK/bin/tool"
    "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "compile failed"; return; }
    local snap=$WORK/policy.d/.lwcr-snapshot
    python3 -c "
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[12] ^= 0xff  # the layout word: what a build with other policy structures writes
open(sys.argv[1] + '.new', 'wb').write(d)" "$snap"
    mv "$snap.new" "$snap"
    under sh -c "$WORK/bin/other; echo other=\$?; $WORK/bin/tool; echo tool=\$?" > out 2> err; cat out err
    grep -qx 'other=0' out || { fail "an allowed launch failed"; return; }
    grep -qx 'tool=126' out || { fail "the text's deny rule did not judge"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: denied by rule \[10-test.policy:2\]" err || { fail "no deny line naming the text's rule"; return; }
    "$LWCR" lint "$WORK/policy.d" > lint.out 2>&1; cat lint.out
    grep -q '\.lwcr-snapshot.*written by another version of lwcr: launches read the text' lint.out || { fail "lint did not say so"; return; }
    "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin/tool" > check.out 2>&1; cat check.out
    grep -q "^lwcr: note: $WORK/policy.d/.lwcr-snapshot was written by another version of lwcr" check.out || { fail "check did not say so"; return; }
    grep -q "deny $WORK/bin/tool: denied by rule \[10-test.policy:2\]" check.out || { fail "check did not judge by the text"; return; }
    "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "the compile over it failed"; return; }
    "$LWCR" lint "$WORK/policy.d" > lint.out 2>&1
    grep -q 'another version' lint.out && { fail "lint still says another version after compile"; return; }
    pass
}

# A long-lived process that found another version's snapshot (it read the
# text) follows the compile that replaces it: a daemon started before an
# upgrade obeys the deny compiled after it.
test_snapshot_of_another_version_is_watched() {
    cp_marker tool
    policy "allow /**"
    "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "compile failed"; return; }
    python3 -c "
import sys
d = bytearray(open(sys.argv[1], 'rb').read()); d[12] ^= 0xff
open(sys.argv[1] + '.new', 'wb').write(d)" "$WORK/policy.d/.lwcr-snapshot"
    mv "$WORK/policy.d/.lwcr-snapshot.new" "$WORK/policy.d/.lwcr-snapshot"
    cat > live.py <<EOF
import os, subprocess
$(py_launch)
print("foreign", launch())
with open("$WORK/policy.d/10-test.policy", "w") as f: f.write("allow /**\ndeny $WORK/bin/tool\n")
subprocess.run(["$LWCR", "compile", "$WORK/policy.d"], check=True, stdout=subprocess.DEVNULL)
print("compiled", launch())
EOF
    under /usr/bin/python3 live.py > out 2> err; cat out err
    grep -qx "foreign ok" out || { fail "the text was not read over the foreign snapshot"; return; }
    grep -qx "compiled denied" out || { fail "the process did not follow the compile that replaced the foreign snapshot"; return; }
    pass
}

# mode audit files and default rules mean the same compiled as from text:
# lwcr check explains the same, and launches log the same lines.
test_compiled_audit_and_default_same_as_text() {
    cp_marker tool; cp_marker audited; cp_marker other
    mkdir -p "$WORK/policy.d"
    printf 'default deny\nallow /usr/**\nallow %s\nallow %s/bin/tool\nallow %s/bin/audited\n' "$LOADER" "$WORK" "$WORK" > "$WORK/policy.d/10-base.policy"
    printf 'mode audit\ndefault deny\ndeny %s/bin/audited\nrequire %s/bin/tool sha256=%s\n' "$WORK" "$WORK" "$WRONG" > "$WORK/policy.d/20-audit.policy"
    local p
    run_all() {
        for p in tool audited other; do
            "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin/$p" 2>&1 | grep -v "^lwcr: note"
            under sh -c "$WORK/bin/$p"; echo "$p status $?"
        done 2>&1 | sed 's/ pid=[0-9]* uid=.*$//'
    }
    run_all > text.out
    "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "compile failed"; return; }
    run_all > compiled.out
    cat compiled.out
    diff text.out compiled.out || { fail "compiled and text policies explain or decide differently"; return; }
    grep -q "lwcr: audit $WORK/bin/audited" compiled.out && grep -q "audited status 0" compiled.out \
        || { fail "the audit file's deny was not audited"; return; }
    grep -q "lwcr: deny $WORK/bin/other: no rule matches and the default is deny" compiled.out && grep -q "other status 126" compiled.out \
        || { fail "the default deny did not deny"; return; }
    pass
}

# A running process follows a new snapshot however the old one left its
# name: the directory swapped for an edited copy, the snapshot removed
# before the compile, a new one renamed into place by hand with the old one
# never marked superseded.
test_compiled_live_whatever_replaced_the_snapshot() {
    cp_marker tool
    mkdir -p "$WORK/layers/p.d"; chmod 755 "$WORK/layers" "$WORK/layers/p.d"
    local dir=$WORK/layers/p.d
    printf 'allow /**\n' > "$dir/10.policy"
    "$LWCR" compile "$dir" > /dev/null || { fail "first compile failed"; return; }
    cat > daemon.py <<EOF
import os, sys
for line in sys.stdin:
    try:
        pid = os.posix_spawn("$WORK/bin/tool", ["tool"], dict(os.environ)); os.waitpid(pid, 0); print("ran", flush=True)
    except PermissionError:
        print("denied", flush=True)
EOF
    mkfifo ask
    LWCR_POLICY=$dir LD_PRELOAD=$LIB /usr/bin/python3 daemon.py < ask > answers 2> err &
    local daemon=$!
    exec 7> ask
    ask() {
        local n=$(($(wc -l < answers) + 1)) tries=0
        echo go >&7
        while [ "$(wc -l < answers)" -lt $n ] && [ $tries -lt 100 ]; do sleep 0.05; tries=$((tries + 1)); done
        tail -1 answers
    }
    local got=""
    got+="$(ask) "
    # 1. Edit a copy, then swap the directories.
    cp -a "$dir" "$dir.new"; printf 'allow /**\ndeny %s/bin/tool\n' "$WORK" > "$dir.new/10.policy"
    mv "$dir" "$dir.old"; mv "$dir.new" "$dir"; "$LWCR" compile "$dir" > /dev/null
    got+="$(ask) "
    # 2. Remove the snapshot, edit, compile.
    rm "$dir/.lwcr-snapshot"; printf 'allow /**\n' > "$dir/10.policy"; "$LWCR" compile "$dir" > /dev/null
    got+="$(ask) "
    # 3. A copy of an older snapshot renamed into place by hand: nothing
    #    marks the one in force superseded; its name leads elsewhere.
    printf 'allow /**\ndeny %s/bin/tool\n' "$WORK" > "$dir/10.policy"
    "$LWCR" compile "$dir" > /dev/null
    cp "$dir/.lwcr-snapshot" "$dir/.hand"; printf 'allow /**\n' > "$dir/10.policy"
    "$LWCR" compile "$dir" > /dev/null; got+="$(ask) "
    mv "$dir/.hand" "$dir/.lwcr-snapshot"
    got+="$(ask)"
    exec 7>&-; wait $daemon
    echo "answers: $got"; cat err
    [ "$got" = "ran denied ran ran denied" ] || { fail "the running process did not follow every new snapshot: $got"; return; }
    pass
}

# Anyone can open a policy directory, so a compile does not lock the
# directory itself: a user holding a lock on it cannot stall root's compile.
test_compile_not_stalled_by_a_users_lock() {
    command -v setpriv > /dev/null && command -v flock > /dev/null || { skip "needs setpriv and flock (util-linux)"; return; }
    chmod 755 "$(dirname "$WORK")" "$WORK"
    policy "allow /**"; chmod 755 "$WORK/policy.d"
    setpriv --reuid=65534 --regid=65534 --clear-groups flock -x "$WORK/policy.d" sleep 30 &
    local holder=$!
    sleep 0.3
    timeout 10 "$LWCR" compile "$WORK/policy.d" > out 2>&1; rc=$?
    kill $holder 2> /dev/null; wait $holder 2> /dev/null
    cat out
    [ $rc = 0 ] || { fail "compile exited $rc with a user's lock on the directory"; return; }
    [ "$(stat -c %a "$WORK/policy.d/.lwcr-snapshot.lock")" = 600 ] || { fail "the compile lock is not the compiling user's alone"; return; }
    pass
}

# A directory named with a trailing slash, "." or "//" is the same layer:
# the snapshot records it in its plain form, and launches naming it
# either way accept it. /etc/passwd, read for owner=, is not copied in.
test_compile_names_the_directory_plainly() {
    cp_marker tool
    policy "allow /**" "require $WORK/bin/tool owner=root"
    (cd "$WORK/policy.d" && "$LWCR" compile . > "$WORK/out") || { cat out; fail "compile . failed"; return; }
    grep -q "^$WORK/policy.d: compiled" out || { cat out; fail "compile did not name the directory plainly"; return; }
    local name
    for name in "$WORK/policy.d" "$WORK/policy.d/" "$WORK//policy.d/./"; do
        LWCR_POLICY=$name LD_PRELOAD=$LIB sh -c "$WORK/bin/tool" 2> err || { cat err; fail "a launch naming the layer $name was refused"; return; }
    done
    grep -q "root:x:0:0" "$WORK/policy.d/.lwcr-snapshot" && { fail "the snapshot holds a copy of /etc/passwd"; return; }
    pass
}

# A superseded snapshot put back in place (a hard-link backup restored)
# denies every launch with the reason; it is not reloaded at each launch.
test_superseded_snapshot_put_back_denies() {
    cp_marker tool
    policy "allow /**"
    "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "compile failed"; return; }
    ln "$WORK/policy.d/.lwcr-snapshot" "$WORK/policy.d/.bak"
    "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "second compile failed"; return; }
    mv "$WORK/policy.d/.bak" "$WORK/policy.d/.lwcr-snapshot"
    cat > spawns.py <<EOF
import os, time
t = time.monotonic(); denied = 0
for i in range(50):
    try:
        pid = os.posix_spawn("$WORK/bin/tool", ["tool"], dict(os.environ)); os.waitpid(pid, 0)
    except PermissionError:
        denied += 1
print("denied", denied, "ms", int((time.monotonic() - t) * 1000))
EOF
    under /usr/bin/python3 spawns.py > out 2> err; cat out; sort err | uniq -c | head -3
    grep -q "^denied 50 " out || { fail "launches were not all denied"; return; }
    grep -q "compiled snapshot was superseded but is still in place" err || { fail "no denial saying why"; return; }
    [ "$(grep -c "lwcr: deny" err)" = 50 ] || { fail "not one denial per launch"; return; }
    pass
}

# After chroot(), the snapshot's name means a file of the new root, which
# may be anyone's image: a running process keeps the policy it had and
# does not adopt the image's.
test_chrooted_process_keeps_its_snapshot() {
    command -v unshare > /dev/null || { skip "needs unshare (util-linux)"; return; }
    local P=$WORK/pol R=$WORK/root
    mkdir -p "$P" "$R$P" "$R$WORK/bin"; chmod -R 755 "$WORK"
    printf 'allow /**\ndeny %s/bin/evil\n' "$WORK" > "$P/10.policy"
    "$LWCR" compile "$P" > /dev/null || { fail "compile failed"; return; }
    # The image's own layer, compiled under the same name.
    printf 'allow /**\n' > "$R$P/10.policy"
    unshare -m --propagation private sh -c "mount --bind '$R$P' '$P' && '$LWCR' compile '$P'" > /dev/null \
        || { skip "cannot bind-mount in a new mount namespace here"; return; }
    cp /usr/bin/true "$R$WORK/bin/evil"
    cat > chrooted.py <<EOF
import os
pid = os.posix_spawn("/usr/bin/true", ["true"], dict(os.environ)); os.waitpid(pid, 0)
os.chroot("$R"); os.chdir("/")
try:
    pid = os.posix_spawn("$WORK/bin/evil", ["evil"], dict(os.environ)); os.waitpid(pid, 0); print("ran")
except PermissionError:
    print("denied")
except OSError as e:
    print("allowed, then", e.strerror)
EOF
    LWCR_POLICY=$P LD_PRELOAD=$LIB /usr/bin/python3 chrooted.py > out 2> err; cat out err
    grep -qx denied out && grep -q "lwcr: deny $WORK/bin/evil: denied by rule \[10.policy:2\]" err \
        || { fail "the chrooted process adopted the image's policy"; return; }
    pass
}

# Where the snapshot's address is already taken in a process, the process
# reads a relocated private copy: the same decisions, and it still follows
# the next compile (through a shared mapping of the header page).
test_compiled_relocated_where_its_address_is_taken() {
    cp_marker tool
    policy "allow /**" "deny $WORK/bin/tool"
    "$LWCR" compile "$WORK/policy.d" > /dev/null || { fail "compile failed"; return; }
    cat > taken.py <<EOF
import ctypes, os, struct, subprocess
snap = "$WORK/policy.d/.lwcr-snapshot"
base, = struct.unpack_from("<Q", open(snap, "rb").read(4096), 16)
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
got = libc.mmap(base, 1 << 20, 0, 0x22 | 0x100000, -1, 0)   # PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE
print("reserved", got == base)
def launch():
    try:
        pid = os.posix_spawn("$WORK/bin/tool", ["tool"], dict(os.environ)); os.waitpid(pid, 0); return "ran"
    except PermissionError:
        return "denied"
print("first", launch())
maps = [l for l in open("/proc/self/maps") if ".lwcr-snapshot" in l]
print("mappings", len(maps), "header page only", all(int(l.split()[0].split("-")[1], 16) - int(l.split()[0].split("-")[0], 16) == 4096 for l in maps))
open("$WORK/policy.d/10-test.policy.t", "w").write("allow /**\n")
os.rename("$WORK/policy.d/10-test.policy.t", "$WORK/policy.d/10-test.policy")
subprocess.run(["$LWCR", "compile", "$WORK/policy.d"], check=True, stdout=subprocess.DEVNULL)
print("after", launch())
EOF
    under /usr/bin/python3 taken.py > out 2> err; cat out err
    grep -qx "reserved True" out || { skip "could not reserve the snapshot's address here"; return; }
    grep -qx "first denied" out && grep -q "denied by rule \[10-test.policy:2\]" err || { fail "the relocated copy did not decide as the snapshot"; return; }
    grep -qx "mappings 1 header page only True" out || { fail "the snapshot was not read into a relocated copy"; return; }
    grep -qx "after ran" out || { fail "the relocated copy did not follow the next compile"; return; }
    pass
}

# A compiled policy far larger than a launch could parse as text: check
# explains by its snapshot and does not claim uncompiled changes.
test_check_of_a_large_compiled_policy() {
    mkdir -p "$WORK/policy.d"
    python3 -c "
import hashlib
with open('$WORK/policy.d/10-pins.policy', 'w') as f:
    for i in range(100000):
        f.write(f'require /opt/app{i}/bin/tool{i} sha256={hashlib.sha256(str(i).encode()).hexdigest()}\n')"
    "$LWCR" compile "$WORK/policy.d" > out || { cat out; fail "compile of 100,000 rules failed"; return; }
    "$LWCR" check --policy "$WORK/policy.d" /usr/bin/true > out 2> err; rc=$?; cat out err
    [ $rc = 0 ] || { fail "check exited $rc"; return; }
    grep -q "not yet compiled" err && { fail "check claims uncompiled changes in a freshly compiled large policy"; return; }
    "$LWCR" lint "$WORK/policy.d" > out; rc=$?; cat out
    [ $rc = 0 ] && ! grep -q "not yet compiled" out || { fail "lint of the compiled large policy complained"; return; }
    pass
}
