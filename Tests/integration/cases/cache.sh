# The verification cache: remembered digests are used only while device,
# inode, size and ctime are unchanged, and only from a directory that is
# root's alone.

cache_prepare() {
    [ "$(id -u)" = 0 ] || { skip "needs root: only root writes the cache"; return 1; }
    CACHE=/run/lwcr-cache-test-$$-$RANDOM
    mkdir -m 755 "$CACHE"
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"; cp /usr/bin/touch "$WORK/good"
    policy "require $WORK/bin/tool sha256=$(pin "$WORK/good")"
    sleep 2.2  # an entry is written only for a ctime at least 2 s old
}

# forge_entry FILE DIGEST-HEX DIR: an entry claiming FILE has DIGEST.
forge_entry() { "$BIN/forge_entry" "$@"; }

launch_tool() { LWCR_CACHE=$CACHE under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err; }

# A launch that hashes a pinned file remembers one entry and later launches
# use it (a forged digest in it denies); with the entry gone, it hashes again.
test_cache_remembers_and_is_used() {
    cache_prepare || return
    rm -f "$WORK/ran"; launch_tool
    [ -e "$WORK/ran" ] || { rm -rf "$CACHE"; fail "pinned tool denied"; return; }
    [ "$(ls "$CACHE" | wc -l)" = 1 ] || { rm -rf "$CACHE"; fail "no entry was remembered"; return; }
    # Proof that a launch uses the entry: make it claim another digest.
    forge_entry "$WORK/bin/tool" "$WRONG" "$CACHE"
    rm -f "$WORK/ran"; launch_tool
    [ -e "$WORK/ran" ] && { rm -rf "$CACHE"; fail "the remembered digest was not used"; return; }
    rm -f "$CACHE"/*; rm -f "$WORK/ran"; launch_tool
    rm -rf "$CACHE"
    [ -e "$WORK/ran" ] || { fail "after the entry was removed, the file was not hashed again"; return; }
    pass
}

# expect_cache_miss DESCRIPTION: the tool was changed after an entry was
# remembered for it: the launch must hash again and refuse it.
expect_cache_miss() {
    rm -f "$WORK/ran"; launch_tool
    [ -e "$WORK/ran" ] && { fail "$1: the changed file ran on a remembered digest"; return 1; }
    grep -q "sha256 mismatch" err || { fail "$1: no sha256 mismatch"; return 1; }
}

# A file rewritten in place with its mtime put back (touch -r) is hashed
# again and refused: the remembered digest is not used.
test_cache_in_place_rewrite_with_mtime_restored() {
    cache_prepare || return
    launch_tool; cp -p "$WORK/bin/tool" "$WORK/reference"
    printf '\x00' | dd of="$WORK/bin/tool" bs=1 seek=1000 conv=notrunc 2> /dev/null
    touch -r "$WORK/reference" "$WORK/bin/tool"
    cmp -s "$WORK/bin/tool" "$WORK/good" && { rm -rf "$CACHE"; fail "the rewrite changed nothing"; return; }
    expect_cache_miss "rewritten in place, touch -r" || { rm -rf "$CACHE"; return; }
    rm -rf "$CACHE"; pass
}

# A changed copy renamed over the file is hashed again and refused: the
# remembered digest is not used.
test_cache_rename_over() {
    cache_prepare || return
    launch_tool
    cp "$WORK/bin/tool" "$WORK/bin/tool.new"; printf 'x' >> "$WORK/bin/tool.new"; mv "$WORK/bin/tool.new" "$WORK/bin/tool"
    expect_cache_miss "renamed over" || { rm -rf "$CACHE"; return; }
    rm -rf "$CACHE"; pass
}

# A file truncated and rewritten to its old size with other content is
# hashed again and refused: the remembered digest is not used.
test_cache_truncate_and_rewrite_same_size() {
    cache_prepare || return
    launch_tool
    cp "$WORK/bin/tool" "$WORK/copy"; printf "\\x00" | dd of="$WORK/copy" bs=1 seek=1000 conv=notrunc 2> /dev/null
    cmp -s "$WORK/copy" "$WORK/good" && { rm -rf "$CACHE"; fail "the rewrite changed nothing"; return; }
    : > "$WORK/bin/tool"; cat "$WORK/copy" > "$WORK/bin/tool"
    [ "$(stat -c %s "$WORK/bin/tool")" = "$(stat -c %s "$WORK/good")" ] || { rm -rf "$CACHE"; fail "size changed"; return; }
    expect_cache_miss "truncated and rewritten to the same size" || { rm -rf "$CACHE"; return; }
    rm -rf "$CACHE"; pass
}

# An entry anyone but root could have written is never used: a forged
# entry in a directory of another user's does not make a bad file pass,
# while the same entry in root's directory would (the control).
test_cache_cannot_be_forged_without_root() {
    cache_prepare || return
    printf '\x00' | dd of="$WORK/bin/tool" bs=1 seek=1000 conv=notrunc 2> /dev/null
    mkdir -p "$WORK/forged"; chmod 755 "$(dirname "$WORK")" "$WORK"
    forge_entry "$WORK/bin/tool" "$(pin "$WORK/good")" "$WORK/forged"
    chown -R 65534 "$WORK/forged"
    rm -f "$WORK/ran"
    LWCR_CACHE=$WORK/forged under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat err
    [ -e "$WORK/ran" ] && { rm -rf "$CACHE"; fail "a forged entry in a user's directory was used"; return; }
    if command -v setpriv > /dev/null; then
        setpriv --reuid=65534 --regid=65534 --clear-groups touch "$CACHE/forged" 2> /dev/null \
            && { rm -rf "$CACHE"; fail "an unprivileged user could write the cache"; return; }
    fi
    forge_entry "$WORK/bin/tool" "$(pin "$WORK/good")" "$CACHE"
    rm -f "$WORK/ran"; launch_tool
    rm -rf "$CACHE"
    [ -e "$WORK/ran" ] || { fail "control: the same entry in root's directory should be used"; return; }
    pass "forged entry ignored outside root's directory; used inside it (control)"
}
