# One test per interposed entry point: a target pinned with a wrong sha256
# is not run (EACCES, or for system/popen the shell's 126) and the log line
# names it; pinned with its right sha256 it runs.

# The target is a copy of touch: when it runs, it creates its argument.
entry_point_case() {
    local how=$1 target=$WORK/bin/target name=$WORK/bin/target
    mkdir -p "$WORK/bin"
    cp /usr/bin/touch "$target"
    case $how in execvp|execvpe|execlp|posix_spawnp) name=target ;; esac
    export PATH=$WORK/bin:$PATH

    policy "require $target sha256=$WRONG"
    under "$BIN/launch_$how" "$name" "$WORK/ran-denied" > out 2> err
    echo "denied: $(cat out)"; cat err
    [ -e "$WORK/ran-denied" ] && { fail "denied target ran"; return; }
    grep -q "^lwcr: deny $target: sha256 mismatch \[10-test.policy:1\]\( pid=.*\)\?$" err || { fail "no deny line"; return; }
    case $how in
        system|popen) grep -q '^result: status=126$' out || { fail "expected the shell's 126"; return; } ;;
        *) grep -q '^result: errno=13$' out || { fail "expected EACCES"; return; } ;;
    esac

    policy "require $target sha256=$(pin "$target")"
    under "$BIN/launch_$how" "$name" "$WORK/ran-allowed" > out 2> err
    echo "allowed: $(cat out)"; cat err
    [ -e "$WORK/ran-allowed" ] || { fail "allowed target did not run"; return; }
    [ -s err ] && { fail "allowed launch logged something"; return; }
    pass
}

# execve: a wrong pin is refused (EACCES, a deny line); the right one runs.
test_entry_execve() { entry_point_case execve; }
# execv: a wrong pin is refused (EACCES, a deny line); the right one runs.
test_entry_execv() { entry_point_case execv; }
# execvp of a bare name judges the file found on PATH: a wrong pin is refused
# (EACCES, a deny line naming its full path); the right one runs.
test_entry_execvp() { entry_point_case execvp; }
# execvpe of a bare name judges the file found on PATH: a wrong pin is refused
# (EACCES, a deny line naming its full path); the right one runs.
test_entry_execvpe() { entry_point_case execvpe; }
# execl: a wrong pin is refused (EACCES, a deny line); the right one runs.
test_entry_execl() { entry_point_case execl; }
# execlp of a bare name judges the file found on PATH: a wrong pin is refused
# (EACCES, a deny line naming its full path); the right one runs.
test_entry_execlp() { entry_point_case execlp; }
# execle with a scrubbed environment of its own is judged all the same: a
# wrong pin is refused (EACCES, a deny line); the right one runs.
test_entry_execle() { entry_point_case execle; }
# fexecve of an open descriptor is judged by the file's path: a wrong pin is
# refused (EACCES, a deny line naming it); the right one runs.
test_entry_fexecve() { entry_point_case fexecve; }
# execveat: a wrong pin is refused (EACCES, a deny line); the right one runs.
test_entry_execveat() { entry_point_case execveat; }
# posix_spawn: a wrong pin fails the spawn with EACCES and a deny line; the
# right one runs.
test_entry_posix_spawn() { entry_point_case posix_spawn; }
# posix_spawnp of a bare name judges the file found on PATH: a wrong pin fails
# the spawn (EACCES, a deny line naming its full path); the right one runs.
test_entry_posix_spawnp() { entry_point_case posix_spawnp; }
# system: with a wrong pin the shell cannot launch it (status 126, a deny
# line); the right one runs.
test_entry_system() { entry_point_case system; }
# popen: with a wrong pin the shell cannot launch it (status 126 at pclose, a
# deny line); the right one runs.
test_entry_popen() { entry_point_case popen; }

# system() and popen() launch /bin/sh themselves: when the shell is denied,
# system returns a shell status of 127 and popen returns NULL with EACCES.
test_shell_denied_for_system_and_popen() {
    local sh
    sh=$(readlink -f /bin/sh)
    policy "deny $sh"
    under "$BIN/launch_system" /bin/true x > out 2> err; cat out err
    grep -q '^result: status=127$' out || { fail "system: expected status 127"; return; }
    grep -q "^lwcr: deny $sh: denied by rule \[10-test.policy:1\]\( pid=.*\)\?$" err || { fail "system: no deny line"; return; }
    under "$BIN/launch_popen" /bin/true x > out 2> err; cat out err
    grep -q '^result: errno=13$' out || { fail "popen: expected NULL/EACCES"; return; }
    pass
}

# posix_spawn's file actions run before the file is opened: addchdir_np
# decides what a relative name means, and addclosefrom_np cannot close the
# descriptor that is executed.
test_posix_spawn_file_actions() {
    mkdir -p "$WORK/dir"
    cp /usr/bin/touch "$WORK/dir/tool"
    policy "require $WORK/dir/tool sha256=$(pin "$WORK/dir/tool")"
    under "$BIN/spawn_actions" "$WORK/dir" ./tool "$WORK/ran" > out 2> err; cat out err
    grep -q '^result: status=0$' out && [ -e "$WORK/ran" ] || { fail "allowed spawn with file actions did not run"; return; }
    policy "require $WORK/dir/tool sha256=$WRONG"
    under "$BIN/spawn_actions" "$WORK/dir" ./tool "$WORK/ran2" > out 2> err; cat out err
    grep -q '^result: errno=13$' out && [ ! -e "$WORK/ran2" ] || { fail "denied spawn with file actions ran"; return; }
    pass
}

# pidfd_spawn is defined by the library whatever the running glibc.
test_entry_pidfd_spawn() { entry_point_case pidfd_spawn; }

# The library is what the design promises: only libc needed, only the
# interposed functions and lwcr.h's exported, no glibc symbol version above 2.28.
test_library_shape() {
    local needed exported newest expected
    needed=$(readelf -d "$LIB" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    echo "needed: $needed"
    [ "$needed" = "libc.so.6 " ] || { fail "needs more than libc: $needed"; return; }
    exported=$(nm -D --defined-only "$LIB" | awk '{print $3}' | sort | tr '\n' ' ')
    expected="_IO_popen __libc_system execl execle execlp execv execve execveat execvp execvpe fexecve lwcr_check_required lwcr_spawn_required lwcr_version pclose pidfd_spawn pidfd_spawnp popen posix_spawn posix_spawnp system wordexp "
    echo "exported: $exported"
    [ "$exported" = "$expected" ] || { fail "exports differ: $exported"; return; }
    newest=$(objdump -T "$LIB" | grep -o 'GLIBC_2\.[0-9]*' | sort -t. -k2 -n | tail -1)
    echo "newest glibc version: $newest"
    [ "${newest#GLIBC_2.}" -le 28 ] || { fail "binds $newest"; return; }
    pass "$(stat -c %s "$LIB") bytes, needs libc only, newest $newest"
}

# posix_spawn attributes the child must apply: a new session and process
# group, and a signal mask (python's os.posix_spawn passes them through).
test_posix_spawn_attributes() {
    policy "default allow"
    under python3 - > out 2> err <<'PY'
import os, signal, time
pid = os.posix_spawn("/bin/sleep", ["sleep", "0.5"], os.environ, setsid=True, setsigmask=[signal.SIGUSR1])
time.sleep(0.2)
stat = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
status = open("/proc/%d/status" % pid).read()
os.waitpid(pid, 0)
pgrp, session = int(stat[2]), int(stat[3])
blocked = int(status.split("SigBlk:")[1].split()[0], 16)
print("pid", pid, "pgrp", pgrp, "session", session, "blocked %x" % blocked)
assert session == pid and pgrp == pid, "setsid not applied"
assert blocked == 1 << (signal.SIGUSR1 - 1), "sigmask not applied"
print("attributes ok")
PY
    cat out err
    grep -q '^attributes ok$' out || { fail "posix_spawn attributes not applied"; return; }
    pass
}

# system() treats SIGINT and SIGQUIT as glibc does: a signal the caller
# ignores stays ignored in the shell, and the caller's dispositions come
# back afterwards. Compared with and without the library.
test_system_signal_dispositions() {
    local script='import os, signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
os.system("grep SigIgn /proc/$$/status")
print("after:", signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGQUIT))'
    policy "default allow"
    python3 -c "$script" > plain 2>&1
    under python3 -c "$script" > lwcr 2>&1
    cat plain lwcr
    diff plain lwcr > /dev/null || { fail "system() signal handling differs from glibc's"; return; }
    pass
}

# popen's mode is read as glibc reads it: r, w and e in any order.
test_popen_modes() {
    policy "default allow"
    under python3 -c '
import ctypes
libc = ctypes.CDLL(None)
libc.popen.restype = ctypes.c_void_p
libc.pclose.argtypes = [ctypes.c_void_p]
for mode in [b"r", b"w", b"re", b"er", b"rr", b"rw", b"x", b""]:
    f = libc.popen(b"true", mode)
    print(mode.decode() or "(empty)", "ok" if f else "EINVAL", libc.pclose(f) if f else "")
' > out 2>&1
    cat out
    for m in 'r ok 0' 'w ok 0' 're ok 0' 'er ok 0' 'rr ok 0' 'rw EINVAL ' 'x EINVAL ' '(empty) EINVAL '; do
        grep -qxF "$m" out || { fail "popen mode: expected '$m'"; return; }
    done
    pass
}

# The private glibc layout of posix_spawn file actions that the spawn
# engine reads (lwcr_sys.h) matches the running glibc, for every action
# glibc can record.
test_spawn_file_actions_layout() {
    "$BIN/spawn_layout" > out 2>&1; local status=$?; cat out
    [ "$status" = 0 ] || { fail "the file-action layout differs from this glibc's"; return; }
    pass "$(tail -1 out)"
}
