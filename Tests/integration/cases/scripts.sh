# #! scripts: the script and its interpreter are both launches, and the
# script runs only if both pass. The script is handed to the interpreter
# as /dev/fd/N, the descriptor that was checked.

make_script() {
    mkdir -p "$WORK/bin"
    cp "$(readlink -f /bin/sh)" "$WORK/bin/interp"
    printf '#!%s\necho "script ran as $0"\ntouch "%s"\n' "$WORK/bin/interp" "$WORK/ran" > "$WORK/bin/script"
    chmod +x "$WORK/bin/script"
}

# A script that passes does not run when its interpreter fails: EACCES, and
# the deny line names the script, the interpreter and the interpreter's rule.
test_script_interpreter_denied() {
    make_script
    policy "require $WORK/bin/script sha256=$(pin "$WORK/bin/script")" \
           "require $WORK/bin/interp sha256=$WRONG"
    under "$BIN/launch_execve" "$WORK/bin/script" x > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "script ran with a denied interpreter"; return; }
    grep -q '^result: errno=13$' out || { fail "expected EACCES"; return; }
    grep -q "^lwcr: deny $WORK/bin/script: interpreter $WORK/bin/interp: sha256 mismatch \[10-test.policy:2\]\( pid=.*\)\?$" err \
        || { fail "deny line does not name the interpreter"; return; }
    pass
}

# A tampered script run from bash is refused, the deny line naming the script.
test_script_itself_denied() {
    make_script
    policy "require $WORK/bin/script sha256=$WRONG"
    under bash -c '"$0"' "$WORK/bin/script" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "tampered script ran"; return; }
    grep -q "^lwcr: deny $WORK/bin/script: sha256 mismatch" err || { fail "no deny line"; return; }
    pass
}

# Where no one but root (or the user launching it) can put another file at
# the script's path, the interpreter gets that path, so $0 is the real name
# and scripts that find themselves by $0 (pyenv's shims) keep working.
test_script_in_held_directory_keeps_its_name() {
    [ "$(id -u)" = 0 ] || { skip "needs root to make a root-owned directory"; return; }
    local dir=/run/lwcr-test-$$
    mkdir -m 755 "$dir"
    printf '#!%s\necho "script ran as $0"\n' "$(readlink -f /bin/sh)" > "$dir/script"
    chmod 755 "$dir/script"
    policy "require $dir/script sha256=$(pin "$dir/script")"
    under bash -c '"$0"' "$dir/script" > out 2> err; cat out err
    rm -rf "$dir"
    grep -qx "script ran as $dir/script" out || { fail "\$0 is not the script's path"; return; }
    pass
}

# In a directory others can write, the script is handed over as /dev/fd/N,
# the descriptor that was checked, since its path could be swapped.
test_script_allowed_runs_from_descriptor() {
    make_script
    chmod 777 "$WORK/bin"
    policy "require $WORK/bin/script sha256=$(pin "$WORK/bin/script")" \
           "require $WORK/bin/interp sha256=$(pin "$WORK/bin/interp")"
    under bash -c '"$0"' "$WORK/bin/script" > out 2> err; cat out err
    [ -e "$WORK/ran" ] || { fail "allowed script did not run"; return; }
    grep -q '^script ran as /dev/fd/[0-9]*$' out || { fail "\$0 is not /dev/fd/N"; return; }
    pass
}

# execvp's ENOEXEC rule: a file without #! that the kernel cannot execute
# is run by /bin/sh, and /bin/sh is checked as a launch.
test_enoexec_fallback_runs_sh() {
    mkdir -p "$WORK/bin"
    printf 'touch "%s"\n' "$WORK/ran" > "$WORK/bin/noshebang"
    chmod +x "$WORK/bin/noshebang"
    policy "default allow"
    under "$BIN/launch_execvp" "$WORK/bin/noshebang" x > out 2> err; cat out err
    [ -e "$WORK/ran" ] || { fail "ENOEXEC fallback did not run the file with /bin/sh"; return; }
    rm -f "$WORK/ran"
    policy "deny $(readlink -f /bin/sh)"
    under "$BIN/launch_execvp" "$WORK/bin/noshebang" x > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "ran through a denied /bin/sh"; return; }
    grep -q "^lwcr: deny $WORK/bin/noshebang: interpreter $(readlink -f /bin/sh): denied by rule" err || { fail "no deny line"; return; }
    # execve has no such fallback.
    policy "default allow"
    under "$BIN/launch_execve" "$WORK/bin/noshebang" x > out 2> err; cat out err
    grep -q '^result: errno=8$' out || { fail "execve should fail with ENOEXEC"; return; }
    pass
}

# The script is never handed to execve itself, so lwcr asks the kernel
# whether it would run it: no execute bit, or a noexec mount, refuse it.
test_script_kernel_checks_still_apply() {
    make_script
    policy "default allow"
    chmod 644 "$WORK/bin/script"
    under "$BIN/launch_execve" "$WORK/bin/script" x > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "a script without the execute bit ran"; return; }
    grep -q '^result: errno=13$' out || { fail "expected EACCES for mode 644"; return; }
    if [ "$(id -u)" = 0 ] && mkdir -p "$WORK/noexec" && mount -t tmpfs -o noexec tmpfs "$WORK/noexec" 2>/dev/null; then
        cp "$WORK/bin/script" "$WORK/noexec/script"; chmod 755 "$WORK/noexec/script"
        under "$BIN/launch_execve" "$WORK/noexec/script" x > out 2> err; cat out err
        umount "$WORK/noexec"
        [ -e "$WORK/ran" ] && { fail "a script on a noexec mount ran"; return; }
        grep -q '^result: errno=13$' out || { fail "expected EACCES on a noexec mount"; return; }
        pass "mode and noexec mount"
    else
        pass "mode only (cannot mount a noexec tmpfs here)"
    fi
}

# #! lines are read as the kernel reads them: the same outcome with and
# without lwcr for each odd first line.
test_shebang_parsed_like_the_kernel() {
    local sh i=0 v plain lwcr
    sh=$(readlink -f /bin/sh)
    mkdir -p "$WORK/s"
    policy "default allow"
    for v in "#!$sh" "#!$sh\n" "#! $sh -e \t\necho ran-\$0" "#!\t$sh\t-x\necho ran" "#!$sh\r\necho ran" \
             "#!$sh -e -u\necho ran" "#!\n" "#!   \n" "#!$sh -c 'echo ran'\n"; do
        i=$((i + 1))
        printf "$v" > "$WORK/s/$i"; chmod 755 "$WORK/s/$i"
        plain=$(cd "$WORK/s" && "$BIN/launch_execve" "./$i" x 2>&1; echo "exit=$?")
        lwcr=$(cd "$WORK/s" && under "$BIN/launch_execve" "./$i" x 2>&1; echo "exit=$?")
        printf '%s\n  kernel: %s\n  lwcr:   %s\n' "$(printf "$v" | head -1 | od -c | head -1)" "$plain" "$lwcr"
        # $0 differs by design: the canonical path, or /dev/fd/N (see README).
        [ "$plain" = "$(echo "$lwcr" | sed "s|/dev/fd/[0-9]*|./$i|g; s|$WORK/s/$i|./$i|g")" ] || { fail "first line $i: kernel and lwcr differ"; return; }
    done
    pass "$i first lines"
}

# #!/usr/bin/env NAME: lwcr checks env as the interpreter; env's own launch
# of NAME is then checked in env's process.
test_env_shebang_checks_the_named_program() {
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    printf '#!/usr/bin/env tool\n' > "$WORK/bin/script"; chmod 755 "$WORK/bin/script"
    policy "require $WORK/bin/tool sha256=$WRONG"
    PATH=$WORK/bin:$PATH under "$BIN/launch_execve" "$WORK/bin/script" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] && { fail "the program named by #!/usr/bin/env ran"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: sha256 mismatch" err || { fail "env's launch of the program was not checked"; return; }
    policy "require $WORK/bin/tool sha256=$(pin "$WORK/bin/tool")"
    PATH=$WORK/bin:$PATH under "$BIN/launch_execve" "$WORK/bin/script" "$WORK/ran" > out 2> err; cat out err
    # touch is run as `tool SCRIPT ARG`: it touches the script and the file.
    [ -e "$WORK/ran" ] || { fail "an allowed program named by #!/usr/bin/env did not run"; return; }
    pass
}
