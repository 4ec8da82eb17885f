# Every way into exec is judged: O_PATH descriptors, `..` races, PT_INTERP,
# wordexp, libraries the launch names, relative launches while the working
# directory changes, facts on unreadable content.

# A script that records that it ran, with a `#!` pointing into $1.
ep_evil_tree() {
    mkdir -p "$WORK/evil" "$WORK/ok"
    printf '#!/bin/sh\necho ran > %s/ran\n' "$WORK" > "$WORK/evil/evil"; chmod 755 "$WORK/evil/evil"
    printf '#!%s/evil/evil\n' "$WORK" > "$WORK/ok/script.sh"; chmod 755 "$WORK/ok/script.sh"
    cp /usr/bin/touch "$WORK/evil/evil-bin"
}

# fexecve and execveat(AT_EMPTY_PATH) of an O_PATH descriptor: the script's
# interpreter is still judged (pread fails on O_PATH; lwcr reopens the file).
test_opath_descriptor_script_interpreter() {
    ep_evil_tree
    policy "allow /usr/**" "allow /bin/**" "deny $WORK/evil/**" "allow $WORK/ok/**"
    local how
    for how in fexecve execveat; do
        rm -f "$WORK/ran"
        under "$BIN/opath_exec" $how "$WORK/ok/script.sh" > out 2> err; cat out err
        [ -e "$WORK/ran" ] && { fail "$how of an O_PATH descriptor ran the denied interpreter"; return; }
        grep -q "interpreter $WORK/evil/evil: denied by rule" err || { fail "$how: no deny line for the interpreter"; return; }
    done
    pass
}

# The dynamic loader on an O_PATH descriptor: its program is judged.
test_opath_descriptor_loader_program() {
    ep_evil_tree
    local loader; loader=$(readlink -f /lib64/ld-linux-x86-64.so.2 2>/dev/null)
    [ -x "$loader" ] || { skip "no x86-64 dynamic loader at /lib64"; return; }
    policy "allow /usr/**" "allow /bin/**" "deny $WORK/evil/**"
    under "$BIN/opath_exec" fexecve "$loader" "$WORK/evil/evil-bin" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "ld.so on an O_PATH descriptor ran a denied program"; return; }
    grep -q "lwcr: deny $WORK/evil/evil-bin" err || { fail "no deny line for the loader's program"; return; }
    pass
}

# An execute-only file (0711) cannot be read by the user launching it, so
# what it would run is unknown: refused under a policy, with the reason.
test_execute_only_file_refused() {
    command -v setpriv > /dev/null || { skip "needs setpriv (util-linux) to drop to another user"; return; }
    chmod 755 "$(dirname "$WORK")" "$WORK"
    mkdir -p "$WORK/bin"; chmod 755 "$WORK/bin"
    printf '#!%s/bin/denied\n' "$WORK" > "$WORK/bin/script"; chmod 0711 "$WORK/bin/script"
    cp /usr/bin/touch "$WORK/bin/denied"
    policy "allow /usr/**" "allow $WORK/bin/script" "deny $WORK/bin/denied"
    chmod -R a+rX "$WORK/policy.d"
    setpriv --reuid=65534 --regid=65534 --clear-groups env LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB \
        "$BIN/launch_execve" "$WORK/bin/script" /tmp/lwcr-xonly-$$ > out 2> err; cat out err
    grep -q 'result: errno=13' out || { fail "an execute-only script was not refused"; return; }
    grep -q "lwcr: deny $WORK/bin/script: lwcr cannot read the file" err || { fail "no deny line saying why"; return; }
    pass
}

# `!elf` on a file lwcr cannot read does not hold (it used to read as zeros).
test_negated_content_fact_unreadable() {
    command -v setpriv > /dev/null || { skip "needs setpriv (util-linux) to drop to another user"; return; }
    chmod 755 "$(dirname "$WORK")" "$WORK"
    mkdir -p "$WORK/bin"; chmod 755 "$WORK/bin"
    cp /usr/bin/touch "$WORK/bin/tool"; chmod 0711 "$WORK/bin/tool"
    policy "allow /usr/**" "require $WORK/bin/** !elf"
    chmod -R a+rX "$WORK/policy.d"
    setpriv --reuid=65534 --regid=65534 --clear-groups env LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB \
        "$BIN/launch_execve" "$WORK/bin/tool" /tmp/lwcr-notelf-$$ > out 2> err; cat out err
    [ -e /tmp/lwcr-notelf-$$ ] && { rm -f /tmp/lwcr-notelf-$$; fail "an execute-only ELF passed !elf"; return; }
    grep -q "lwcr: deny $WORK/bin/tool" err || { fail "no deny line"; return; }
    pass
}

# A symlink `sub/../../ok/tool` in a tree the attacker owns, while the
# attacker moves `sub` between two depths: the `..` steps must not land in
# the attacker's tree under the name of the allowed one. Bounded: 1,500
# launches or 8 seconds.
test_dotdot_rename_race() {
    command -v setpriv > /dev/null || { skip "needs setpriv (util-linux) to drop to another user"; return; }
    chmod 755 "$(dirname "$WORK")" "$WORK"
    local att=$WORK/att
    mkdir -p "$att/sub" "$att/p" "$att/ok" "$WORK/ok"
    cp /usr/bin/touch "$att/ok/tool"
    ln -s sub/../../ok/tool "$att/l"
    chown -R 65534:65534 "$att"
    policy "default deny" "allow $LOADER" "allow /usr/**" "allow $WORK/ok/**" "deny $att/**"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/dotdot_mover" "$att/sub" "$att/p/sub" 9 &
    local mover=$!
    under "$BIN/exec_many" "$att/l" "$WORK/ran" 1500 8 > out 2> err
    kill $mover 2> /dev/null; wait $mover 2> /dev/null
    local ran; ran=$(ls "$WORK" | grep -c '^ran-')
    cat out; sort err | uniq -c | sort -rn | head -5
    [ "$ran" -eq 0 ] || { fail "$ran launches ran the attacker's $att/ok/tool"; return; }
    grep -q '^launches: [1-9]' out || { fail "no launches"; return; }
    pass "$(cut -d' ' -f2 out) launches, none ran the attacker's file"
}

# A relative launch while another thread changes the working directory:
# named and opened from one descriptor. 300 processes, or 10 seconds.
test_relative_launch_cwd_race() {
    mkdir -p "$WORK/a" "$WORK/b"
    cp /usr/bin/true "$WORK/a/tool"; cp /usr/bin/touch "$WORK/b/tool"
    policy "default deny" "allow $LOADER" "allow $WORK/a/**"
    local i end=$(( $(date +%s) + 10 ))
    for ((i = 0; i < 300 && $(date +%s) < end; i++)); do
        under "$BIN/cwd_race" "$WORK/a" "$WORK/b" "$WORK/ran-$i" > /dev/null 2>&1
    done
    local ran; ran=$(ls "$WORK" | grep -c '^ran-')
    [ "$ran" -eq 0 ] || { fail "$ran of $i launches ran the denied ./tool"; return; }
    pass "$i launches"
}

# An ELF whose PT_INTERP is a loader in a denied directory: the interpreter
# is judged as a launch, by the launch and by `lwcr check`.
test_pt_interp_judged() {
    mkdir -p "$WORK/interp" "$WORK/bin"
    cp "$LOADER" "$WORK/interp/ld.so"
    printf 'int main(void) { return 0; }\n' > main.c
    cc -o "$WORK/bin/prog" main.c -Wl,--dynamic-linker="$WORK/interp/ld.so" || { fail "cannot build the program"; return; }
    policy "allow /usr/**" "require $WORK/bin/prog sha256=$(pin "$WORK/bin/prog")" "deny $WORK/interp/**"
    under "$BIN/launch_execve" "$WORK/bin/prog" x > out 2> err; cat out err
    grep -q 'result: errno=13' out || { fail "a program with a denied PT_INTERP ran"; return; }
    grep -q "ELF interpreter $WORK/interp/ld.so: denied by rule" err || { fail "no deny line for the interpreter"; return; }
    LWCR_POLICY=$WORK/policy.d "$LWCR" check "$WORK/bin/prog" > check.out 2>&1; local rc=$?
    cat check.out
    [ $rc -ne 0 ] && grep -q "ELF interpreter $WORK/interp/ld.so" check.out || { fail "lwcr check did not judge the interpreter"; return; }
    pass
}

# A PT_INTERP the policy allows, in a directory another user can change:
# the kernel opens it by path after the check, so it is refused.
test_pt_interp_not_held_by_root() {
    chmod 755 "$(dirname "$WORK")" "$WORK"
    mkdir -p "$WORK/interp" "$WORK/bin"
    cp "$LOADER" "$WORK/interp/ld.so"; chown 65534 "$WORK/interp"
    printf 'int main(void) { return 0; }\n' > main.c
    cc -o "$WORK/bin/prog" main.c -Wl,--dynamic-linker="$WORK/interp/ld.so" || { fail "cannot build the program"; return; }
    policy "allow /usr/**" "allow $WORK/bin/prog" "allow $WORK/interp/ld.so"
    under "$BIN/launch_execve" "$WORK/bin/prog" x > out 2> err; cat out err
    grep -q 'result: errno=13' out || { fail "a PT_INTERP others can swap was let through"; return; }
    grep -q "ELF interpreter $WORK/interp/ld.so: opened again by path after the check" err || { fail "no deny line saying why"; return; }
    chown 0 "$WORK/interp"
    under "$BIN/launch_execve" "$WORK/bin/prog" x > out 2> err; local rc=$?; cat out err
    [ $rc -eq 0 ] && [ ! -s out ] || { fail "the same program with a root-held interpreter did not run"; return; }
    pass
}

# wordexp's command substitution starts /bin/sh inside glibc: judged as
# that launch; denied, wordexp refuses the substitution (WRDE_CMDSUB) and
# runs nothing, while words without a command still expand.
test_wordexp_command_substitution() {
    local sh; sh=$(readlink -f /bin/sh)
    policy "allow /usr/**" "allow /bin/**" "deny $sh"
    under "$BIN/wordexp_system" "a \$(touch $WORK/ran) b" "true" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "wordexp ran a command with /bin/sh denied"; return; }
    grep -q '^wordexp=4$' out || { fail "wordexp did not answer WRDE_CMDSUB"; return; }
    grep -q "lwcr: deny $sh" err || { fail "no deny line for /bin/sh"; return; }
    under "$BIN/wordexp_system" 'x $HOME y' > out 2> err; cat out err
    grep -qF "wordexp=0 [x] [$HOME] [y]" out || { fail "words without a command no longer expand"; return; }
    policy "allow /usr/**" "allow /bin/**"
    under "$BIN/wordexp_system" "a \$(echo hi) b" > out 2> err; cat out err
    grep -qF 'wordexp=0 [a] [hi] [b]' out || { fail "an allowed command substitution did not run"; return; }
    pass
}

# Builds the marker library into $1.
ep_library() {
    mkdir -p "$(dirname "$1")"
    cc -shared -fPIC -o "$1" "$HERE/libraries/marker.c" || return 1
}

# Libraries a launch names (loader options, LD_PRELOAD and LD_AUDIT in the
# child's environment) are judged; a denied one refuses the launch.
test_libraries_named_by_the_launch() {
    ep_library "$WORK/evil/lib/evil.so" || { fail "cannot build the library"; return; }
    policy "allow /usr/**" "allow /bin/**" "deny $WORK/evil/**"
    local how
    for how in "--preload" "--audit"; do
        rm -f "$WORK/ran"
        LWCR_TEST_MARKER=$WORK/ran under "$BIN/launch_execv_args" "$LOADER" $how "$WORK/evil/lib/evil.so" /usr/bin/true > out 2> err; cat out err
        [ -e "$WORK/ran" ] && { fail "ld.so $how loaded a denied library"; return; }
        grep -q "library $WORK/evil/lib/evil.so: denied by rule" err || { fail "ld.so $how: no deny line naming the library"; return; }
    done
    for how in LD_PRELOAD LD_AUDIT; do
        rm -f "$WORK/ran"
        LWCR_TEST_MARKER=$WORK/ran under env "$how=$WORK/evil/lib/evil.so" /usr/bin/true > out 2> err; cat out err
        [ -e "$WORK/ran" ] && { fail "$how in the child's environment loaded a denied library"; return; }
        grep -q "library $WORK/evil/lib/evil.so: denied by rule" err || { fail "$how: no deny line naming the library"; return; }
    done
    # The control: an allowed, root-held library still loads.
    ep_library "$WORK/ok/lib/ok.so"
    rm -f "$WORK/ran"
    LWCR_TEST_MARKER=$WORK/ran under env "LD_PRELOAD=$WORK/ok/lib/ok.so" /usr/bin/true > out 2> err; cat out err
    [ -e "$WORK/ran" ] || { fail "an allowed library did not load"; return; }
    pass
}

# Launches from small stacks work where they work without lwcr: a script
# with 60,000 arguments from a 256 KiB thread stack, a sha256 pin from a
# 32 KiB sigaltstack and under a 24 KiB RLIMIT_STACK, a signed-by= check
# from a 64 KiB sigaltstack.
test_small_stacks() {
    command -v ssh-keygen > /dev/null || { skip "ssh-keygen (openssh-client) is not installed"; return; }
    mkdir -p "$WORK/bin" "$WORK/keys"
    printf '#!/bin/sh\necho $# > %s/count\n' "$WORK" > "$WORK/bin/script"; chmod 755 "$WORK/bin/script"
    cp /usr/bin/touch "$WORK/bin/pinned"; cp /usr/bin/touch "$WORK/bin/signed"
    ssh-keygen -q -t ed25519 -N '' -C acme -f "$WORK/keys/acme" > /dev/null
    ssh-keygen -q -Y sign -f "$WORK/keys/acme" -n lwcr "$WORK/bin/signed" 2> /dev/null
    policy "allow /usr/**" "allow /bin/**" "allow $WORK/bin/script" \
        "require $WORK/bin/pinned sha256=$(pin "$WORK/bin/pinned")" \
        "signer acme $(cut -d' ' -f1,2 "$WORK/keys/acme.pub")" "require $WORK/bin/signed signed-by=acme"
    # The control: without lwcr each of these runs.
    "$BIN/small_stack" thread 256 "$WORK/bin/script" @60000 > out 2>&1
    [ "$(cat "$WORK/count" 2> /dev/null)" = 60000 ] || { skip "even without lwcr, 60,000 arguments do not run here: $(cat out)"; return; }
    rm -f "$WORK/count"
    under "$BIN/small_stack" thread 256 "$WORK/bin/script" @60000 > out 2> err; echo "thread: $? $(cat out err)"
    [ "$(cat "$WORK/count" 2> /dev/null)" = 60000 ] || { fail "60,000 arguments from a 256 KiB thread stack: $(head -c 200 out)"; return; }
    under "$BIN/small_stack" signal 32 "$WORK/bin/pinned" "$WORK/ran-pinned" > out 2> err; echo "pinned: $? $(cat out err)"
    [ -e "$WORK/ran-pinned" ] || { fail "a sha256-pinned launch from a 32 KiB sigaltstack did not run: $(cat out err)"; return; }
    under "$BIN/small_stack" signal 64 "$WORK/bin/signed" "$WORK/ran-signed" > out 2> err; echo "signed: $? $(cat out err)"
    [ -e "$WORK/ran-signed" ] || { fail "a signed-by= launch from a 64 KiB sigaltstack did not run: $(cat out err)"; return; }
    (ulimit -s 24; under "$BIN/launch_execve" "$WORK/bin/pinned" "$WORK/ran-rlimit") > out 2> err; echo "rlimit: $? $(cat out err)"
    [ -e "$WORK/ran-rlimit" ] || { fail "a sha256-pinned launch under a 24 KiB RLIMIT_STACK did not run: $(cat out err)"; return; }
    # A denial from a small stack is still a denial.
    under "$BIN/small_stack" signal 16 "$WORK/bin/script-missing" x > out 2> err
    grep -q 'result: errno=2' out || { fail "a failing launch from a 16 KiB sigaltstack did not fail cleanly: $(cat out err)"; return; }
    pass
}

# Library names the loader would rewrite ($ORIGIN), another name for lwcr in
# a directory someone else controls, and a library lwcr cannot open for a
# reason other than its absence: each refused, not skipped.
test_libraries_lwcr_cannot_judge() {
    chmod 755 "$(dirname "$WORK")" "$WORK"
    ep_library "$WORK/evil/lib/evil.so" || { fail "cannot build the library"; return; }
    policy "allow /usr/**" "allow /bin/**" "deny $WORK/evil/**"
    local rel=${WORK#/}
    LWCR_TEST_MARKER=$WORK/ran under env "LD_PRELOAD=/\$ORIGIN/../../$rel/evil/lib/evil.so" /usr/bin/true > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "\$ORIGIN in LD_PRELOAD loaded a denied library"; return; }
    grep -q 'named with \$ORIGIN' err || { fail "no deny line for \$ORIGIN"; return; }
    mkdir -p "$WORK/u"; ln -s "$LIB" "$WORK/u/l.so"; chown -R 65534:65534 "$WORK/u"
    under env "LD_PRELOAD=$WORK/u/l.so" /usr/bin/true > out 2> err; local rc=$?; cat out err
    [ $rc -ne 0 ] && grep -q "library $WORK/u/l.so: opened again by path" err \
        || { fail "lwcr by a name in another user's directory was not judged"; return; }
    pass
}

# _IO_popen and __libc_system, glibc's other names for popen and system.
test_other_names_of_popen_and_system() {
    local sh; sh=$(readlink -f /bin/sh)
    policy "allow /usr/**" "allow /bin/**" "deny $sh"
    under "$BIN/io_popen" popen 'echo hi' > out 2> err; cat out err
    grep -q '^read: hi' out && { fail "_IO_popen ran a denied shell"; return; }
    grep -q "lwcr: deny $sh" err || { fail "_IO_popen: no deny line"; return; }
    under "$BIN/io_popen" system "touch $WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "__libc_system ran a denied shell"; return; }
    grep -q "lwcr: deny $sh" err || { fail "__libc_system: no deny line"; return; }
    pass
}

# wordexp with LD_PRELOAD removed from the environment: glibc would start
# the shell without lwcr, so the command substitution is refused.
test_wordexp_scrubbed_environment() {
    policy "allow /usr/**" "allow /bin/**" "deny $WORK/evil/**"
    mkdir -p "$WORK/evil"; cp /usr/bin/touch "$WORK/evil/tool"
    under "$BIN/wordexp_scrubbed" "\$($WORK/evil/tool $WORK/ran)" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "a command substitution ran without lwcr"; return; }
    grep -q 'the shell would start without lwcr' err || { fail "no deny line saying why"; return; }
    pass
}

# lwcr lint warns when a layer denies by default and does not allow the
# system loader, which every dynamic launch now judges; not when it does.
test_lint_warns_of_a_denied_loader() {
    LWCR=$ROOT/build/lwcr
    policy "default deny" "allow /usr/bin/**"
    "$LWCR" lint "$WORK/policy.d" > out 2>&1; cat out
    grep -q "warning: the dynamic loader $LOADER is not allowed" out || { fail "no warning for a denied loader"; return; }
    policy "default deny" "allow /usr/bin/**" "allow $LOADER"
    "$LWCR" lint "$WORK/policy.d" > out 2>&1; cat out
    grep -q "dynamic loader" out && { fail "a warning although the loader is allowed"; return; }
    pass
}
