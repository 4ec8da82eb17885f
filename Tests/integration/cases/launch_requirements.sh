# LaunchRequirements from outside: the README's Swift example as a package
# of its own that depends on this one by path, and its C example against
# build/liblwcr.so, each run with a signed, then a tampered, helper.

# The README's block of LANGUAGE under "## In your own program".
readme_example() {
    python3 - "$ROOT/README.md" "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read().split("## In your own program", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```" + sys.argv[2] + r"\n(.*?)```", text, re.S)
assert len(blocks) == 1, f"expected one {sys.argv[2]} block, found {len(blocks)}"
print(blocks[0], end="")
EOF
}

# A helper (a script that says its arguments) signed with a new key.
signed_helper() {
    mkdir -p "$WORK/opt"
    printf '#!/bin/sh\necho "helper ran: $*"\n' > "$WORK/opt/helper"; chmod 755 "$WORK/opt/helper"
    ssh-keygen -q -t ed25519 -N '' -C release -f "$WORK/release" || return 1
    ssh-keygen -q -Y sign -f "$WORK/release" -n lwcr "$WORK/opt/helper" 2> /dev/null || return 1
    cut -d' ' -f1,2 "$WORK/release.pub"
}

test_launch_requirements_package_by_path() {
    command -v swift > /dev/null || { skip "swift is not on PATH"; return; }
    command -v ssh-keygen > /dev/null || { skip "ssh-keygen is missing (openssh-client)"; return; }
    local key; key=$(signed_helper) || { fail "could not sign the helper"; return; }
    # The package's identity is its directory's name: lwcr, as the example says.
    ln -s "$ROOT" "$WORK/lwcr"
    mkdir -p "$WORK/app/Sources/app"
    cat > "$WORK/app/Package.swift" <<EOF
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "app",
    dependencies: [.package(path: "$WORK/lwcr")],
    targets: [.executableTarget(name: "app", dependencies: [.product(name: "LaunchRequirements", package: "lwcr")])]
)
EOF
    readme_example swift > "$WORK/app/Sources/app/main.swift" || { fail "the README has no Swift example"; return; }
    (cd "$WORK/app" && swift build -c debug > "$WORK/build.log" 2>&1) || { tail -30 "$WORK/build.log"; fail "swift build of the depending package failed"; return; }
    local app; app=$(cd "$WORK/app" && swift build --show-bin-path)/app
    "$app" "$WORK/opt/helper" "$key" > out 2>&1; cat out
    grep -qx 'helper ran: checked' out && grep -qx 'helper exited with 0' out || { fail "the signed helper did not run"; return; }
    grep -qx 'helper said: helper ran: piped' out && grep -qx 'exit 0' out || { fail "the spawned helper's output did not come through the pipe"; return; }
    # The policy in force judges too: LWCR_POLICY's layers, read as the
    # library reads them, and of the script's interpreter as well.
    local sh; sh=$(readlink -f /bin/sh)
    policy "deny $sh"
    LWCR_POLICY=$WORK/policy.d "$app" "$WORK/opt/helper" "$key" > out 2>&1; cat out
    grep -q '^helper ran' out && { fail "the helper ran though the policy in force denies its interpreter"; return; }
    grep -q "^not launched: lwcr: deny $WORK/opt/helper: interpreter $sh: denied by rule \[10-test.policy:1\]" out || { fail "no denial of the interpreter by LWCR_POLICY"; return; }
    echo "# tampered" >> "$WORK/opt/helper"
    "$app" "$WORK/opt/helper" "$key" > out 2>&1; cat out
    grep -q '^helper ran' out && { fail "the tampered helper ran"; return; }
    grep -q "^not launched: lwcr: deny $WORK/opt/helper: bad signature \[requirement:1\]" out || { fail "no denial naming the reason"; return; }
    pass
}

test_launch_requirements_from_c() {
    local src=$WORK/app.c
    readme_example c > "$src" || { fail "the README has no C example"; return; }
    cc -Wall -Wextra -Werror -I"$ROOT/CInterpose/include" "$src" -L"$ROOT/build" -llwcr -Wl,-rpath,"$ROOT/build" -o "$WORK/app" 2> cc.err \
        || { cat cc.err; fail "the C example does not compile against lwcr.h and liblwcr.so"; return; }
    mkdir -p "$WORK/opt"; cp /usr/bin/echo "$WORK/opt/helper"
    local digest; digest=$(pin "$WORK/opt/helper")
    "$WORK/app" "$WORK/opt/helper" "$digest" > out 2> err; local rc=$?; cat out err
    [ $rc -eq 0 ] && grep -qx checked out || { fail "the pinned helper did not run ($rc)"; return; }
    printf 'x' >> "$WORK/opt/helper"
    "$WORK/app" "$WORK/opt/helper" "$digest" > out 2> err; rc=$?; cat out err
    [ $rc -eq 126 ] && ! grep -q checked out || { fail "the tampered helper ran ($rc)"; return; }
    grep -q "^not launched: lwcr: deny $WORK/opt/helper: sha256 mismatch \[requirement:1\]" err || { fail "no denial line in WHY"; return; }
    # A file this user cannot read is refused, policy or none: a content
    # fact that cannot be read never holds (it was once waved through).
    chmod 755 "$(dirname "$WORK")" "$WORK" "$WORK/opt"; cp /usr/bin/echo "$WORK/opt/secret"
    chown 65534 "$WORK/opt/secret"; chmod 711 "$WORK/opt/secret"
    setpriv --reuid=1000 --regid=1000 --clear-groups "$WORK/app" "$WORK/opt/secret" "$(pin /usr/bin/echo)" > out 2> err; rc=$?; cat out err
    [ $rc -eq 126 ] && ! grep -q checked out || { fail "an unreadable file was launched under a sha256 requirement ($rc)"; return; }
    grep -q "^not launched: lwcr: deny $WORK/opt/secret: " err || { fail "the unreadable file's refusal is not a denial"; return; }
    "$WORK/app" "$WORK/opt/helper" "not-hex" > out 2> err; rc=$?; cat err
    [ $rc -eq 126 ] && grep -q "^not launched: lwcr: requirement: requirement:1: .*not-hex" err || { fail "a requirement that does not parse: expected EINVAL's line"; return; }
    pass
}
