# signed-by=NAME: OpenSSH signatures made with the stock ssh-keygen.

need_ssh_keygen() { command -v ssh-keygen > /dev/null; }

# make_signer NAME: a fresh ed25519 key at $WORK/keys/NAME.
make_signer() {
    mkdir -p "$WORK/keys"
    ssh-keygen -q -t ed25519 -N '' -C "$1@test" -f "$WORK/keys/$1" > /dev/null
}

signer_line() { echo "signer $1 $(cut -d' ' -f1,2 "$WORK/keys/$1.pub")"; }

# signed-by= allows a file the named key signed, run as the README's recipe;
# each refusal says why: bad signature, missing, another key, wrong namespace.
test_signature_workflow() {
    LWCR=$ROOT/build/lwcr
    need_ssh_keygen || { skip "ssh-keygen (openssh-client) is not installed"; return; }
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    make_signer acme; make_signer other
    policy "$(signer_line acme)" "require $WORK/bin/tool signed-by=acme"
    ssh-keygen -q -Y sign -f "$WORK/keys/acme" -n lwcr "$WORK/bin/tool" 2> /dev/null
    [ -f "$WORK/bin/tool.sig" ] || { fail "ssh-keygen made no signature"; return; }
    # The README's recipe: lwcr run, then tamper, then lwcr run again.
    "$LWCR" run --policy "$WORK/policy.d" -- "$WORK/bin/tool" "$WORK/ran1" > out 2> err; cat out err
    [ -e "$WORK/ran1" ] && [ ! -s err ] || { fail "a correctly signed file was not allowed"; return; }
    cp "$WORK/bin/tool" "$WORK/tool.orig"; echo tampered >> "$WORK/bin/tool"
    "$LWCR" run --policy "$WORK/policy.d" -- "$WORK/bin/tool" "$WORK/ran0" > out 2> err; cat out err
    grep -q "^lwcr: deny $WORK/bin/tool: bad signature \[10-test.policy:2\]\( pid=.*\)\?$" err || { fail "the recipe's tampered run was not refused"; return; }
    cp "$WORK/tool.orig" "$WORK/bin/tool"
    # Each failure names why.
    expect_denied() {
        under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran-$1" > out 2> err; cat out err
        [ -e "$WORK/ran-$1" ] && { fail "$1: ran"; return 1; }
        grep -q "^lwcr: deny $WORK/bin/tool: $2 \[10-test.policy:2\]\( pid=.*\)\?$" err || { fail "$1: expected '$2'"; return 1; }
    }
    cp "$WORK/bin/tool.sig" "$WORK/good.sig"
    printf 'x' >> "$WORK/bin/tool"; expect_denied tampered "bad signature" || return
    cp /usr/bin/touch "$WORK/bin/tool"
    rm "$WORK/bin/tool.sig"; expect_denied missing "signature missing" || return
    ssh-keygen -q -Y sign -f "$WORK/keys/other" -n lwcr "$WORK/bin/tool" 2> /dev/null; expect_denied other "signed by another key" || return
    rm "$WORK/bin/tool.sig"; ssh-keygen -q -Y sign -f "$WORK/keys/acme" -n git "$WORK/bin/tool" 2> /dev/null
    expect_denied namespace "wrong namespace" || return
    echo "garbage" > "$WORK/bin/tool.sig"; expect_denied garbage "bad signature" || return
    cp "$WORK/good.sig" "$WORK/bin/tool.sig"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran2" > out 2> err
    [ -e "$WORK/ran2" ] || { fail "restored signature not accepted"; return; }
    pass
}

# Many keys and files, signed with sha512 (the default) and sha256; every
# single-byte change of the file is refused.
test_signatures_many_keys_and_files() {
    need_ssh_keygen || { skip "ssh-keygen (openssh-client) is not installed"; return; }
    local i alg size
    mkdir -p "$WORK/bin"
    for i in $(seq 1 8); do
        make_signer "k$i"
        size=$(( (RANDOM % 5000) + 1 ))
        head -c "$size" /dev/urandom > "$WORK/bin/blob$i"
        chmod +x "$WORK/bin/blob$i"  # check asks the kernel too, as a launch does
        alg=sha512; [ $((i % 2)) -eq 0 ] && alg=sha256
        ssh-keygen -q -Y sign -f "$WORK/keys/k$i" -n lwcr -O hashalg=$alg "$WORK/bin/blob$i" 2> /dev/null
        policy "$(signer_line "k$i")" "require $WORK/bin/blob$i signed-by=k$i"
        "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin/blob$i" > out 2>&1 || { cat out; fail "key $i ($alg): good signature refused"; return; }
        printf '\x01' | dd of="$WORK/bin/blob$i" bs=1 seek=$((RANDOM % size)) conv=notrunc 2> /dev/null
        "$LWCR" check --policy "$WORK/policy.d" "$WORK/bin/blob$i" > out 2>&1
        # The byte may already have been 0x01: only a real change must fail.
        if ssh-keygen -Y check-novalidate -n lwcr -s "$WORK/bin/blob$i.sig" < "$WORK/bin/blob$i" > /dev/null 2>&1; then continue; fi
        grep -q 'bad signature' out || { cat out; fail "key $i: tampered file accepted"; return; }
    done
    pass "8 keys, sha512 and sha256"
}

# signers FILE reads an OpenSSH allowed_signers file; namespaces= is honoured.
test_allowed_signers_file_and_signature_directory() {
    need_ssh_keygen || { skip "ssh-keygen (openssh-client) is not installed"; return; }
    mkdir -p "$WORK/bin" "$WORK/sigs"; cp /usr/bin/touch "$WORK/bin/tool"
    make_signer acme
    mkdir -p "$WORK/policy.d"
    echo "release@acme,acme namespaces=\"git,lwcr\" $(cut -d' ' -f1,2 "$WORK/keys/acme.pub")" > "$WORK/policy.d/allowed_signers"
    printf 'signers allowed_signers\nsignatures %s\nrequire %s signed-by=acme\n' "$WORK/sigs" "$WORK/bin/tool" > "$WORK/policy.d/10-test.policy"
    ssh-keygen -q -Y sign -f "$WORK/keys/acme" -n lwcr "$WORK/bin/tool" 2> /dev/null
    mkdir -p "$WORK/sigs$WORK/bin"; mv "$WORK/bin/tool.sig" "$WORK/sigs$WORK/bin/tool.sig"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err
    [ -e "$WORK/ran" ] || { fail "signature in the signatures directory not found"; return; }
    echo "acme namespaces=\"git\" $(cut -d' ' -f1,2 "$WORK/keys/acme.pub")" > "$WORK/policy.d/allowed_signers"
    under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran2" > out 2> err; cat out err
    grep -q "policy error: unknown signer 'acme' \[10-test.policy:3\]" err || { fail "a key for another namespace was used"; return; }
    pass
}

# A verdict is remembered for a signed file (the verification cache: the
# file's identity, its signature file's, the key), and so is the SHA-512
# digest it rests on; both are used. A signed program rewritten in place,
# with the cache warm, is hashed and checked again and refused; so is one
# whose key the policy no longer declares.
test_signed_rewritten_in_place_refused_with_cache_warm() {
    need_ssh_keygen || { skip "ssh-keygen (openssh-client) is not installed"; return; }
    [ "$(id -u)" = 0 ] || { skip "needs root: only root writes the cache"; return; }
    local cache=/run/lwcr-cache-test-$$-$RANDOM
    mkdir -m 755 "$cache"
    make_signer acme; make_signer other
    mkdir -p "$WORK/bin"; cp /usr/bin/touch "$WORK/bin/tool"
    ssh-keygen -q -Y sign -f "$WORK/keys/acme" -n lwcr "$WORK/bin/tool" 2> /dev/null
    policy "$(signer_line acme)" "require $WORK/bin/tool signed-by=acme"
    sleep 2.2  # an entry is written only for a ctime at least 2 s old
    launch() { rm -f "$WORK/ran"; LWCR_CACHE=$cache under "$BIN/launch_execve" "$WORK/bin/tool" "$WORK/ran" > out 2> err; cat out err; }
    flip() { python3 -c "
import sys; p = sys.argv[1]; d = bytearray(open(p, 'rb').read()); d[100] ^= 1; open(p + '.t', 'wb').write(d)" "$1"; mv "$1.t" "$1"; }
    launch
    [ -e "$WORK/ran" ] || { rm -rf "$cache"; fail "the signed tool was denied"; return; }
    local digest verdict
    digest=$(ls "$cache"/*.sha512 2> /dev/null); verdict=$(ls "$cache"/*.signature 2> /dev/null)
    [ -n "$digest" ] && [ -n "$verdict" ] || { ls -la "$cache"; rm -rf "$cache"; fail "no digest and verdict were remembered"; return; }
    # The verdict is used: with the digest entry made wrong, the tool still runs.
    cp "$digest" digest.saved; flip "$digest"
    launch
    [ -e "$WORK/ran" ] || { rm -rf "$cache"; fail "the remembered verdict was not used"; return; }
    # The digest is used: without the verdict, the wrong digest denies.
    rm "$verdict"; launch
    [ -e "$WORK/ran" ] && { rm -rf "$cache"; fail "the remembered SHA-512 digest was not used"; return; }
    cp digest.saved "$digest"; launch
    [ -e "$WORK/ran" ] && [ -e "$verdict" ] || { rm -rf "$cache"; fail "the restored digest did not allow, or no verdict was remembered again"; return; }
    # A key the policy no longer declares: the verdict does not hold.
    policy "signer acme $(cut -d' ' -f1,2 "$WORK/keys/other.pub")" "require $WORK/bin/tool signed-by=acme"
    launch
    [ -e "$WORK/ran" ] && { rm -rf "$cache"; fail "a verdict by a key no longer declared was used"; return; }
    grep -q "signed by another key" err || { rm -rf "$cache"; fail "no deny line saying the key is not acme's"; return; }
    policy "$(signer_line acme)" "require $WORK/bin/tool signed-by=acme"
    # Rewritten in place, mtime put back: hashed again, refused.
    cp -p "$WORK/bin/tool" reference
    printf '\x00' | dd of="$WORK/bin/tool" bs=1 seek=1000 conv=notrunc 2> /dev/null
    touch -r reference "$WORK/bin/tool"
    launch
    rm -rf "$cache"
    [ -e "$WORK/ran" ] && { fail "the rewritten signed tool ran on a remembered verdict or digest"; return; }
    grep -q "lwcr: deny $WORK/bin/tool: .*signature" err || { fail "no deny line about the signature"; return; }
    pass
}
