# What the verification cache may remember. A digest is kept only for a file
# no one but root can have changed without changing its ctime: owned by
# root, not group/other writable, no writer open when it was hashed, not on a
# loop or removable device; entries are keyed on boot id and mount id too.
# Each test lets the cache remember what old code would remember, changes the
# file without changing device, inode, size or ctime, and requires the next
# launch to hash again and refuse it.
LWCR=$ROOT/build/lwcr

# trust_prepare: root's cache $CACHE, $WORK/bin/tool (a copy of touch) pinned
# in $WORK/policy.d, $WORK/other: other content of the same size (false,
# padded with zeros, which runs and exits 1).
trust_prepare() {
    umask 022
    [ "$(id -u)" = 0 ] || { skip "needs root: only root writes the cache"; return 1; }
    command -v setpriv > /dev/null || { skip "needs setpriv (util-linux) to act as another user"; return 1; }
    CACHE=/run/lwcr-cache-test-$$-$RANDOM
    mkdir -m 755 "$CACHE"
    trap 'rm -rf "$CACHE"' EXIT
    chmod 755 "$(dirname "$WORK")" "$WORK"
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"; cp /usr/bin/touch "$WORK/good"
    local size fsize
    size=$(stat -c %s "$WORK/good") fsize=$(stat -c %s /usr/bin/false)
    if [ "$fsize" -lt "$size" ]; then
        { cat /usr/bin/false; head -c $((size - fsize)) /dev/zero; } > "$WORK/other"
    else
        cp "$WORK/good" "$WORK/other"; printf 'X' | dd of="$WORK/other" bs=1 seek=$((size - 1)) conv=notrunc 2> /dev/null
    fi
    chmod 644 "$WORK/other"
    policy "require $WORK/bin/tool sha256=$(pin "$WORK/good")"
}

# start_mapper: nobody maps $WORK/bin/tool shared and writable, and dirties
# every page; returns once it has. finish_mapper: it writes $WORK/other
# through the mapping and unmaps.
start_mapper() {
    mkfifo "$WORK/mapper.ctl"
    timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/shared_writer" "$WORK/bin/tool" "$WORK/other" \
        < "$WORK/mapper.ctl" > "$WORK/mapper.out" 2>&1 &
    MAPPER=$!
    exec 7> "$WORK/mapper.ctl"
    local i
    for i in $(seq 50); do grep -q '^mapped$' "$WORK/mapper.out" && return 0; sleep 0.1; done
    cat "$WORK/mapper.out"; exec 7>&-; kill "$MAPPER" 2> /dev/null; return 1
}
finish_mapper() {
    echo go >&7; exec 7>&-
    wait "$MAPPER"
    cat "$WORK/mapper.out"
    grep -q '^written$' "$WORK/mapper.out"
}

# trust_under PROGRAM ARGS: PROGRAM under the library, the policy and $CACHE, bounded.
trust_under() { timeout 10 env LWCR_CACHE="$CACHE" LWCR_POLICY="$WORK/policy.d" LD_PRELOAD="$LIB" "$@"; }
trust_launch() { trust_under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err; }
trust_check() { LWCR_CACHE=$CACHE timeout 10 "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin/tool" > check.out 2>&1; echo "check: $?"; cat check.out; }

# The launches while the attacker holds the mapping (which may fail with
# ETXTBSY: it is the hashing that counts), the write through the mapping,
# then the launch and the check that must see the new content.
shared_mapping_attack() {
    trust_launch; trust_check
    echo "cache entries while mapped: $(ls "$CACHE" | wc -l)"
    local ctime_before ctime_after
    ctime_before=$(stat -c %z "$WORK/bin/tool")
    finish_mapper || { fail "the attacker could not write through its mapping"; return 1; }
    ctime_after=$(stat -c %z "$WORK/bin/tool")
    echo "ctime before the write: $ctime_before, after: $ctime_after"
    cmp -s "$WORK/bin/tool" "$WORK/other" || { fail "the write through the mapping did not land"; return 1; }
    rm -f "$WORK/ran"; trust_launch
    # launch_execve prints a result only when its execve fails.
    grep -q '^result: errno=' out || { fail "the rewritten file ran on a remembered digest"; return 1; }
    grep -q "^lwcr: deny $WORK/bin/tool: sha256 mismatch \[10-test.policy:1\]\( pid=.*\)\?$" err || { fail "no sha256 mismatch for the rewritten file"; return 1; }
    trust_check
    grep -q "sha256=$(pin "$WORK/good"): does not hold" check.out || { fail "lwcr check still says the pin holds"; return 1; }
}

# A file owned by another user is never remembered: its owner dirtied a
# MAP_SHARED mapping of it before the hashing and writes through it after,
# which changes neither mtime nor ctime.
test_cache_shared_mapping_by_owner() {
    trust_prepare || return
    chown 65534 "$WORK/bin/tool"
    start_mapper || { fail "the attacker could not map the file"; return; }
    sleep 2.2  # the ctime the mapping's first writes set is old enough to remember
    shared_mapping_attack || return
    pass
}

# A file with a writer open is never remembered, even once it is root's and
# mode 755: the writable mapping taken while it was the attacker's outlives
# the chown and chmod.
test_cache_shared_mapping_outlives_chown() {
    trust_prepare || return
    chown 65534 "$WORK/bin/tool"
    start_mapper || { fail "the attacker could not map the file"; return; }
    chown 0:0 "$WORK/bin/tool"; chmod 755 "$WORK/bin/tool"
    sleep 2.2  # the chown's ctime is old enough to remember
    shared_mapping_attack || return
    pass
}

# A file on a loop device is never remembered: another image attached to the
# same loop device (same st_dev) can hold a file with the same inode number,
# size and ctime but other content.
test_cache_loop_device_reuse() {
    trust_prepare || return
    local t
    for t in mke2fs debugfs losetup; do command -v $t > /dev/null || { skip "needs $t (e2fsprogs, util-linux)"; return; }; done
    mkdir -p "$WORK/srcA" "$WORK/mnt"; cp /usr/bin/touch "$WORK/srcA/tool"
    timeout 30 mke2fs -q -F -t ext4 -b 4096 -d "$WORK/srcA" "$WORK/A.img" 8M > /dev/null 2>&1 \
        || { skip "mke2fs cannot build an image from a directory (-d) here"; return; }
    timeout 10 debugfs -w -R "set_inode_field /tool ctime 20200101000000" "$WORK/A.img" > /dev/null 2>&1 || { fail "debugfs set_inode_field"; return; }
    # Image B: a copy of A whose file has its last byte changed in place on
    # the image (debugfs finds the block): same inode, size and ctime.
    local size block phys byte
    size=$(stat -c %s "$WORK/srcA/tool")
    cp "$WORK/A.img" "$WORK/B.img"
    block=$(( (size - 1) / 4096 ))
    phys=$(timeout 10 debugfs -R "bmap /tool $block" "$WORK/B.img" 2> /dev/null)
    [[ $phys =~ ^[0-9]+$ ]] && [ "$phys" -gt 0 ] || { fail "debugfs bmap gave '$phys'"; return; }
    byte=$(od -An -tx1 -j $((size - 1)) -N1 "$WORK/srcA/tool" | tr -d ' ')
    if [ "$byte" = 55 ]; then byte='\xaa'; else byte='\x55'; fi
    printf "$byte" | dd of="$WORK/B.img" bs=1 seek=$((phys * 4096 + (size - 1) % 4096)) conv=notrunc 2> /dev/null
    timeout 10 debugfs -w -R "set_inode_field /tool ctime 20200101000000" "$WORK/B.img" > /dev/null 2>&1
    timeout 10 debugfs -R "dump /tool $WORK/B.tool" "$WORK/B.img" > /dev/null 2>&1
    cmp -s "$WORK/B.tool" "$WORK/srcA/tool" && { fail "image B's file has the same content"; return; }

    LOOP=$(timeout 10 losetup --find --show "$WORK/A.img" 2> /dev/null) || { skip "no loop device available"; return; }
    trap 'umount "$WORK/mnt" 2> /dev/null; losetup -d "$LOOP" 2> /dev/null; rm -rf "$CACHE"' EXIT
    timeout 10 mount -t ext4 "$LOOP" "$WORK/mnt" || { skip "cannot mount an ext4 image on $LOOP"; return; }
    policy "require $WORK/mnt/tool sha256=$(pin "$WORK/srcA/tool")"
    local before after
    before=$(stat -c '%d %i %s %Z.%z' "$WORK/mnt/tool")
    trust_under "$BIN/launch_execve" "$WORK/mnt/tool" "$WORK/ran-A" > out 2> err; cat out err
    [ -e "$WORK/ran-A" ] || { fail "image A's pinned file did not run"; return; }
    echo "cache entries after image A: $(ls "$CACHE" | wc -l)"
    timeout 10 umount "$WORK/mnt" || { fail "cannot unmount image A"; return; }
    timeout 10 losetup -d "$LOOP"
    # The detach may take a moment to complete (udev probing the device).
    local i
    for i in $(seq 30); do timeout 10 losetup "$LOOP" "$WORK/B.img" 2> /dev/null && break; sleep 0.1; done
    [ "$(losetup -l -n -O BACK-FILE "$LOOP" 2> /dev/null)" = "$WORK/B.img" ] \
        || { skip "cannot attach image B to $LOOP again (taken by another user of loop devices?)"; return; }
    timeout 10 mount -t ext4 "$LOOP" "$WORK/mnt" || { fail "cannot mount image B"; return; }
    after=$(stat -c '%d %i %s %Z.%z' "$WORK/mnt/tool")
    echo "A: $before"; echo "B: $after"
    [ "$before" = "$after" ] || { fail "image B's file differs in dev, inode, size or ctime: the test proves nothing"; return; }
    cmp -s "$WORK/mnt/tool" "$WORK/srcA/tool" && { fail "image B is not what is mounted"; return; }
    trust_under "$BIN/launch_execve" "$WORK/mnt/tool" "$WORK/ran-B" > out 2> err; cat out err
    [ -e "$WORK/ran-B" ] && { fail "image B's different file ran on image A's remembered digest"; return; }
    grep -q "^lwcr: deny $WORK/mnt/tool: sha256 mismatch \[10-test.policy:1\]\( pid=.*\)\?$" err || { fail "no sha256 mismatch for image B's file"; return; }
    pass
}

# A root-owned file its group may write is never remembered.
test_cache_ignores_group_writable_files() {
    cache_prepare || return
    chmod 775 "$WORK/bin/tool"; sleep 2.2  # old enough to be remembered, but for its mode
    launch_tool
    [ -e "$WORK/ran" ] || { rm -rf "$CACHE"; fail "pinned tool denied"; return; }
    local n; n=$(ls "$CACHE" | wc -l); rm -rf "$CACHE"
    [ "$n" = 0 ] || { fail "a group-writable file was remembered"; return; }
    pass
}

# A root-owned file a POSIX ACL lets another user write is never
# remembered (the ACL's mask shows in the group bits); the same file
# without the ACL is (the control).
test_cache_ignores_files_an_acl_opens() {
    command -v setfacl > /dev/null || { skip "needs setfacl (acl)"; return; }
    cache_prepare || return
    setfacl -m u:65534:rwx "$WORK/bin/tool" || { rm -rf "$CACHE"; skip "setfacl failed (no ACL support?)"; return; }
    sleep 2.2
    launch_tool
    [ -e "$WORK/ran" ] || { rm -rf "$CACHE"; fail "pinned tool denied"; return; }
    [ -z "$(ls "$CACHE")" ] || { rm -rf "$CACHE"; fail "a file an ACL lets another user write was remembered"; return; }
    setfacl -b "$WORK/bin/tool"; chmod 755 "$WORK/bin/tool"; sleep 2.2
    rm -f "$WORK/ran"; launch_tool
    local n; n=$(ls "$CACHE" | wc -l); rm -rf "$CACHE"
    [ "$n" = 1 ] || { fail "control: the file without the ACL was not remembered"; return; }
    pass
}
