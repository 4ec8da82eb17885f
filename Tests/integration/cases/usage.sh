# The three ways people use lwcr, as the README shows them: a container
# entrypoint (PID 1, Landlock), and a user's interactive shell.
LWCR=$ROOT/build/lwcr

# Copies a dynamically linked program and the libraries it needs into a
# root directory, at the same paths.
copy_with_libraries() {
    local root=$1 program=$2 target=$3 lib
    mkdir -p "$root$(dirname "$target")"
    cp "$(readlink -f "$program")" "$root$target"
    for lib in $(ldd "$program" | grep -o '/[^ ]*'); do
        mkdir -p "$root$(dirname "$lib")"
        [ -e "$root$lib" ] || cp "$(readlink -f "$lib")" "$root$lib"
    done
}

# A root filesystem with no Swift toolchain (a shell, libc, the installed
# library, command and policy), entered with chroot in a new PID namespace:
# lwcr exec is PID 1, and launches inside are enforced.
test_container_entrypoint_pid1() {
    [ "$(id -u)" = 0 ] || { skip "needs root for chroot"; return; }
    command -v unshare > /dev/null && command -v chroot > /dev/null || { skip "needs unshare and chroot (util-linux, coreutils)"; return; }
    local root=$WORK/root
    make -s -C "$ROOT" install DESTDIR="$root" > out 2>&1 || { cat out; fail "make install failed"; return; }
    copy_with_libraries "$root" /bin/sh /bin/sh
    copy_with_libraries "$root" /usr/bin/touch /bin/touch
    cp "$root/bin/touch" "$root/bin/tool"
    echo "require /bin/tool sha256=$WRONG" > "$root/etc/lwcr/policy.d/50-test.policy"
    find "$root" -name 'swift*' -o -name '*.swiftmodule' | grep -q . && { fail "the root has Swift files"; return; }
    unshare --pid --fork chroot "$root" /usr/local/bin/lwcr exec -- /bin/sh -c \
        'echo "pid=$$"; /bin/tool /ran; echo "tool=$?"; /bin/touch /ok; echo "touch=$?"' > out 2> err
    cat out err
    grep -qx 'pid=1' out || { fail "lwcr exec did not keep PID 1"; return; }
    grep -qx 'tool=126' out && [ ! -e "$root/ran" ] || { fail "the tampered tool ran in the container"; return; }
    grep -q '^lwcr: deny /bin/tool: sha256 mismatch \[50-test.policy:1\]\( pid=.*\)\?$' err || { fail "no deny line"; return; }
    grep -qx 'touch=0' out && [ -e "$root/ok" ] || { fail "an allowed launch failed in the container"; return; }
    pass
}

# Under lwcr exec --landlock, even a static binary making raw execve
# calls cannot execute from outside the directories the policy allows.
test_landlock_stops_static_binaries() {
    local bb
    bb=$(command -v busybox) || { skip "busybox-static is not installed"; return; }
    file -L "$bb" 2>/dev/null | grep -q 'statically linked' || ldd "$bb" 2>&1 | grep -q 'not a dynamic' \
        || { skip "$bb is not statically linked"; return; }
    mkdir -p "$WORK/bin"; cp "$bb" "$WORK/bin/true"  # busybox runs the applet its name says
    policy "require /usr/bin/** trusted-path"
    "$LWCR" exec --landlock --policy "$WORK/policy.d" -- /bin/true 2> err
    if grep -q 'has no Landlock' err; then skip "the kernel has no Landlock"; return; fi
    "$LWCR" exec --landlock --policy "$WORK/policy.d" -- "$bb" sh -c \
        '"$0" true; echo "outside=$?"; /usr/bin/true; echo "inside=$?"' "$WORK/bin/true" > out 2> err
    cat out err
    grep -qx 'outside=126' out || { fail "a static binary executed from outside the allowed directories"; return; }
    grep -qx 'inside=0' out || { fail "an allowed launch failed under Landlock"; return; }
    # Without Landlock the same static launch is out of the preload's reach.
    "$LWCR" exec --policy "$WORK/policy.d" -- "$bb" sh -c '"$0" true; echo "outside=$?"' "$WORK/bin/true" > out 2> err
    grep -qx 'outside=0' out || { fail "control: expected the static launch to run without Landlock"; return; }
    pass
}

# An interactive bash started with lwcr run, driven through tmux: it
# refuses a tampered tool and keeps working.
test_user_shell_interactive() {
    command -v tmux > /dev/null || { skip "tmux is not installed"; return; }
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    policy "require $WORK/bin/tool sha256=$WRONG"
    local server=lwcr-test-$$ i
    tmux -L "$server" new-session -d -x 200 -y 50 \
        "$LWCR run --policy $WORK/policy.d -- bash --norc --noprofile -i; sleep 5"
    sleep 0.3
    tmux -L "$server" send-keys "$WORK/bin/tool $WORK/ran" Enter
    tmux -L "$server" send-keys 'echo alive-$((6*7))' Enter
    for i in $(seq 50); do
        tmux -L "$server" capture-pane -p > screen 2>/dev/null
        grep -q '^alive-42' screen && break
        sleep 0.2
    done
    tmux -L "$server" kill-server 2>/dev/null
    cat screen
    [ -e "$WORK/ran" ] && { fail "the tampered tool ran in the interactive shell"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: sha256 mismatch" screen || { fail "no deny line on the terminal"; return; }
    grep -q 'Permission denied' screen || { fail "bash did not report the denial"; return; }
    grep -q '^alive-42' screen || { fail "the shell did not keep working"; return; }
    pass
}

# The ~/.profile recipe of the README: a login shell re-enters itself under
# lwcr once, and then refuses a tampered tool.
test_user_profile_recipe() {
    mkdir -p "$WORK/bin" "$WORK/home/lwcr.d"; cp /usr/bin/touch "$WORK/bin/tool"
    echo "require $WORK/bin/tool sha256=$WRONG" > "$WORK/home/lwcr.d/10.policy"
    sed -n '/^# Re-enter the login shell under lwcr, once./,/^fi$/p' "$ROOT/README.md" \
        | sed "s|/usr/local/bin/lwcr|$LWCR|g" > "$WORK/home/.profile"
    grep -q 'exec' "$WORK/home/.profile" || { fail "the recipe is not in the README"; return; }
    printf '%s %s; echo "status=$?"; echo "preload=$LD_PRELOAD"; echo "layers=$LWCR_POLICY"\n' "$WORK/bin/tool" "$WORK/ran" \
        | env -i HOME="$WORK/home" SHELL=/bin/bash PATH=/usr/bin:/bin bash -l > out 2> err
    cat out err
    [ -e "$WORK/ran" ] && { fail "the tampered tool ran in the login shell"; return; }
    grep -qx 'status=126' out && grep -qx "preload=$ROOT/build/liblwcr.so" out && grep -qx "layers=$WORK/home/lwcr.d" out \
        || { fail "the login shell is not under lwcr"; return; }
    pass
}
