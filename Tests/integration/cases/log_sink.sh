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
    grep -q "^lwcr: deny $WORK/bin/tool: denied by rule \[10-test.policy:1\]\( pid=.*\)\?$" err || { fail "the deny line is not on stderr"; return; }
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
    grep -q "^lwcr: deny $WORK/bin/tool: denied by rule \[10-test.policy:1\]\( pid=.*\)\?$" err || { fail "the deny line is not on stderr"; return; }
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
    sed 's/ pid=[0-9]* uid=.*$//' "$WORK/lwcr.log" | grep -qxF "lwcr: deny $WORK/bin/evil:\\x20x\\x20[10.policy:1]\\x0alwcr:\\x20audit\\x20/usr/bin/ok: denied by rule [10-test.policy:1]" \
        || { fail "the newline is not written as \\x0a"; return; }
    : > "$WORK/lwcr.log"
    LWCR_LOG=$WORK/lwcr.log timeout 10 env LWCR_POLICY="$WORK/policy.d" LD_PRELOAD="$LIB" \
        "$BIN/launch_execve" "$WORK/bin/$odd" "$WORK/ran" > out 2> err
    echo "status $?"; cat out err; echo "log:"; cat -A "$WORK/lwcr.log"
    sed 's/ pid=[0-9]* uid=.*$//' "$WORK/lwcr.log" | grep -qixF "lwcr: deny $WORK/bin/a\\\\b\\x01\\xff\\x09c\\x7f: denied by rule [10-test.policy:1]" \
        || { fail "backslash, control and high bytes not escaped as \\\\ and \\xHH"; return; }
    pass
}

# A directory on the LWCR_LOG path that another user swapped for a symlink
# is not followed: nothing is created where it leads; the line goes to stderr.
test_log_directory_symlink_not_followed() {
    command -v setpriv > /dev/null || { skip "needs setpriv (util-linux)"; return; }
    mkdir -p "$WORK/rootdir" "$WORK/att" "$WORK/bin"; chmod 700 "$WORK/rootdir"; chmod 755 "$(dirname "$WORK")" "$WORK"
    chown 65534 "$WORK/att"
    setpriv --reuid=65534 --regid=65534 --clear-groups ln -s "$WORK/rootdir" "$WORK/att/logs" \
        || { fail "the attacker could not plant the symlink: the test proves nothing"; return; }
    cp /usr/bin/touch "$WORK/bin/tool"
    policy "deny $WORK/bin/tool"
    LWCR_LOG=$WORK/att/logs/x.log under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/rootdir/x.log" ] && { fail "the log was written through another user's symlinked directory"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: denied by rule" err || { fail "the line did not go to stderr"; return; }
    pass
}

# stderr_pipe MODE CMD...: runs CMD with stderr a pipe that is full (MODE
# full) or whose reader has gone (MODE broken), within 10 s; prints
# "rc=N secs=S".
stderr_pipe() {
    python3 - "$@" <<'PY'
import fcntl, os, subprocess, sys, time
mode, cmd = sys.argv[1], sys.argv[2:]
r, w = os.pipe()
if mode == "full":
    fcntl.fcntl(w, fcntl.F_SETFL, os.O_NONBLOCK)
    try:
        while True: os.write(w, b"x" * 4096)
    except BlockingIOError:
        pass
    fcntl.fcntl(w, fcntl.F_SETFL, 0)
else:
    os.close(r)
start = time.time()
try:
    rc = subprocess.run(cmd, stderr=w, stdout=subprocess.DEVNULL, timeout=10).returncode
except subprocess.TimeoutExpired:
    rc = "timeout"
print(f"rc={rc} secs={time.time() - start:.1f}")
PY
}

# A full pipe as stderr does not hold a launch: the denial returns at once
# and an audited launch runs (the line is dropped).
test_log_full_stderr_pipe_does_not_block() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "deny $WORK/bin/tool"
    stderr_pipe full env LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out; cat out
    grep -q "^rc=[1-9][0-9]* " out || { fail "the denied launch did not return promptly: $(cat out)"; return; }
    [ -e "$WORK/ran" ] && { fail "denied tool ran"; return; }
    policy "mode audit" "deny $WORK/bin/tool"
    stderr_pipe full env LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out; cat out
    grep -q "^rc=0 " out || { fail "the audited launch did not run promptly: $(cat out)"; return; }
    [ -e "$WORK/ran" ] || { fail "audited tool did not run"; return; }
    pass
}

# A broken pipe as stderr does not kill the launching program with SIGPIPE.
test_log_broken_stderr_pipe_does_not_kill() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "mode audit" "deny $WORK/bin/tool"
    stderr_pipe broken env LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB sh -c "$WORK/bin/tool $WORK/ran; echo ran" > out; cat out
    grep -q "^rc=0 " out || { fail "the launching shell died: $(cat out) (141 is SIGPIPE)"; return; }
    [ -e "$WORK/ran" ] || { fail "audited tool did not run"; return; }
    pass
}

# A syslog listener that never reads does not hold a launch either.
test_log_stalled_syslog_does_not_block() {
    [ -e /dev/log ] && { skip "/dev/log belongs to a running syslog; not intercepting it"; return; }
    [ -w /dev ] || { skip "cannot create /dev/log here"; return; }
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "mode audit" "deny $WORK/bin/tool"
    python3 - "$WORK" "$LIB" "$BIN/launch_execve" > out 2>&1 <<'PY'
import os, socket, subprocess, sys, time
work, lib, launcher = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
try:
    c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    c.setblocking(False)
    try:
        while True: c.sendto(b"x" * 512, "/dev/log")
    except BlockingIOError:
        pass
    env = dict(os.environ, LWCR_POLICY=work + "/policy.d", LD_PRELOAD=lib, LWCR_LOG="syslog")
    start = time.time()
    try:
        rc = subprocess.run([launcher, work + "/bin/tool", work + "/ran"], env=env, capture_output=True, timeout=10).returncode
    except subprocess.TimeoutExpired:
        rc = "timeout"
    print(f"rc={rc} secs={time.time() - start:.1f}")
finally:
    s.close()
    os.unlink("/dev/log")
PY
    cat out
    grep -q "^rc=0 " out || { fail "the audited launch did not run promptly: $(cat out)"; return; }
    [ -e "$WORK/ran" ] || { fail "audited tool did not run"; return; }
    pass
}

# A terminal whose output is stopped (^S) or whose buffer is full does not
# hold a launch either: the denial returns at once.
test_log_stopped_terminal_does_not_block() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "deny $WORK/bin/tool"
    python3 - "$WORK" "$LIB" "$BIN/launch_execve" > out 2>&1 <<'PY'
import os, subprocess, sys, termios, time
work, lib, launcher = sys.argv[1:4]
for how in ("stopped", "full"):
    master, slave = os.openpty()
    if how == "stopped":
        termios.tcflow(slave, termios.TCOOFF)
    else:
        attrs = termios.tcgetattr(slave); attrs[3] &= ~termios.ICANON; termios.tcsetattr(slave, termios.TCSANOW, attrs)
        os.set_blocking(slave, False)
        try:
            while True: os.write(slave, b"x" * 1024)
        except BlockingIOError:
            pass
        os.set_blocking(slave, True)
    env = dict(os.environ, LWCR_POLICY=work + "/policy.d", LD_PRELOAD=lib)
    start = time.time()
    try:
        rc = subprocess.run([launcher, work + "/bin/tool", work + "/ran"], env=env, stderr=slave, stdout=subprocess.DEVNULL, timeout=10).returncode
    except subprocess.TimeoutExpired:
        rc = "timeout"
    print(f"{how}: rc={rc} secs={time.time() - start:.1f}")
    os.close(master); os.close(slave)
PY
    cat out
    grep -q "^stopped: rc=[1-9]" out || { fail "a launch waited on a stopped terminal"; return; }
    grep -q "^full: rc=[1-9]" out || { fail "a launch waited on a full terminal"; return; }
    [ -e "$WORK/ran" ] && { fail "denied tool ran"; return; }
    pass
}

# A background process writing its denial line to a terminal with TOSTOP is
# not stopped by SIGTTOU.
test_log_background_tostop_does_not_stop() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "deny $WORK/bin/tool"
    python3 - "$WORK" "$LIB" "$BIN/launch_execve" > out 2>&1 <<'PY'
import fcntl, os, signal, sys, termios, time
work, lib, launcher = sys.argv[1:4]
master, slave = os.openpty()
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    attrs = termios.tcgetattr(slave); attrs[3] |= termios.TOSTOP; termios.tcsetattr(slave, termios.TCSANOW, attrs)
    child = os.fork()
    if child == 0:
        os.setpgid(0, 0)  # a background process group of this terminal
        os.dup2(slave, 2)
        env = dict(os.environ, LWCR_POLICY=work + "/policy.d", LD_PRELOAD=lib)
        os.execve(launcher, [launcher, work + "/bin/tool", work + "/ran"], env)
    deadline = time.time() + 5
    while time.time() < deadline:
        p, status = os.waitpid(child, os.WNOHANG | os.WUNTRACED)
        if p:
            if os.WIFSTOPPED(status):
                print("stopped by", os.WSTOPSIG(status)); os.kill(child, signal.SIGKILL); os.waitpid(child, 0)
            else:
                print("exited", os.waitstatus_to_exitcode(status))
            os._exit(0)
        time.sleep(0.05)
    print("timeout"); os.kill(child, signal.SIGKILL); os._exit(0)
os.waitpid(pid, 0)
PY
    cat out
    grep -q "^exited [1-9]" out || { fail "the launching process did not simply fail: $(cat out)"; return; }
    [ -e "$WORK/ran" ] && { fail "denied tool ran"; return; }
    pass
}

# A file-size limit the caller set (RLIMIT_FSIZE) does not kill a launching
# program with SIGXFSZ when its log line would exceed it: a denial still
# returns, an audited launch still runs.
test_log_file_size_limit_does_not_kill() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    run_limited() {
        python3 - "$@" <<'PY'
import os, resource, subprocess, sys
errfile, cmd = sys.argv[1], sys.argv[2:]
with open(errfile, "a") as f:
    f.write("x\n"); f.flush()
    r = subprocess.run(cmd, stderr=f, stdout=subprocess.DEVNULL, timeout=10,
                       preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1)))
print(f"rc={r.returncode}")
PY
    }
    policy "deny $WORK/bin/tool"
    run_limited "$WORK/err1" env LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out; cat out
    grep -q "^rc=[1-9]" out || { fail "the denied launch's caller did not simply fail: $(cat out) (-25 is SIGXFSZ)"; return; }
    policy "mode audit" "deny $WORK/bin/tool"
    run_limited "$WORK/err2" env LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out; cat out
    grep -q "^rc=0" out && [ -e "$WORK/ran" ] || { fail "the audited launch did not run: $(cat out)"; return; }
    pass
}

# A sealed rule under the caller's file-size limit: the copy cannot be
# made, and the launch fails with a line saying so; the launching program
# is not killed by SIGXFSZ.
test_sealed_copy_under_file_size_limit() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "require $WORK/bin/tool sha256=$(pin "$WORK/bin/tool") sealed"
    python3 - "$WORK" "$LIB" "$BIN/launch_execve" > out 2>&1 <<'PY'
import os, resource, subprocess, sys
work, lib, launcher = sys.argv[1:4]
env = dict(os.environ, LWCR_POLICY=work + "/policy.d", LD_PRELOAD=lib)
r = subprocess.run([launcher, work + "/bin/tool", work + "/ran"], env=env, capture_output=True, text=True, timeout=10,
                   preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1)))
print(f"rc={r.returncode}"); print(r.stderr, end="")
PY
    cat out
    grep -q "^rc=[1-9]" out || { fail "the launching program did not simply fail: $(head -1 out) (-25 is SIGXFSZ)"; return; }
    grep -q "cannot make the sealed copy the rule asks to run (EFBIG" out || { fail "no line saying why"; return; }
    [ -e "$WORK/ran" ] && { fail "the tool ran without its sealed copy"; return; }
    rm -f "$WORK/ran"; under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > /dev/null 2>&1
    [ -e "$WORK/ran" ] || { fail "control: without the limit the sealed launch should run"; return; }
    pass
}
