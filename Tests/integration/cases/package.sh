# The Debian package (make deb), the man pages, bash completion,
# make uninstall and the systemd recipe.

PKG_VERSION=$(grep -m1 '^VERSION := ' "$ROOT/Makefile" | cut -d' ' -f3)

# build/lwcr_VERSION_ARCH.deb, built once per run by make deb.
built_deb() {
    if [ ! -e "$TMPROOT/deb.tried" ]; then
        touch "$TMPROOT/deb.tried"
        make -s -C "$ROOT" deb > "$TMPROOT/deb.out" 2>&1 && tail -1 "$TMPROOT/deb.out" > "$TMPROOT/deb"
    fi
    [ -s "$TMPROOT/deb" ] || { cat "$TMPROOT/deb.out"; return 1; }
    cat "$TMPROOT/deb"
}

test_package_builds_and_lintian_is_clean() {
    command -v dpkg-deb > /dev/null || { skip "dpkg-deb is missing"; return; }
    local deb; deb=$(built_deb) || { fail "make deb failed"; return; }
    [ "$(basename "$deb")" = "lwcr_${PKG_VERSION}_$(dpkg --print-architecture).deb" ] || { fail "unexpected name $deb"; return; }
    dpkg-deb -c "$deb" > contents; dpkg-deb -I "$deb" > info; cat contents info
    local multiarch; multiarch=$(cc -print-multiarch)
    for f in ./usr/bin/lwcr "./usr/lib/$multiarch/liblwcr.so" ./usr/share/man/man1/lwcr.1.gz ./usr/share/man/man5/lwcr.policy.5.gz \
             ./usr/share/man/man8/liblwcr.8.gz ./usr/share/bash-completion/completions/lwcr ./etc/lwcr/policy.d/10-baseline.policy \
             ./etc/lwcr/lwcr.conf ./var/cache/lwcr/ ./usr/share/doc/lwcr/copyright ./usr/share/doc/lwcr/changelog.gz \
             ./usr/include/lwcr.h; do
        grep -q " $f\$" contents || { fail "the package lacks $f"; return; }
    done
    grep -q 'ld.so.preload' contents && { fail "the package ships an ld.so.preload"; return; }
    dpkg-deb -e "$deb" ctl
    grep -qx /etc/lwcr/policy.d/10-baseline.policy ctl/conffiles && grep -qx /etc/lwcr/lwcr.conf ctl/conffiles \
        || { fail "the policy and lwcr.conf are not conffiles"; return; }
    grep -q 'lwcr compile /etc/lwcr/policy.d' ctl/postinst || { fail "postinst does not compile the system policy"; return; }
    grep -v '^#' ctl/preinst ctl/postinst ctl/prerm ctl/postrm | grep -E '(>>?|tee|sed -i).*ld\.so\.preload' \
        && { fail "a maintainer script writes /etc/ld.so.preload"; return; }
    command -v lintian > /dev/null || { skip "lintian is not installed (apt-get install lintian); the package was built"; return; }
    lintian -L '>=pedantic' --tag-display-limit 0 "$deb" > lint 2>&1; cat lint
    grep -q '^E: ' lint && { fail "lintian reports errors"; return; }
    # The warnings the note justifies: a preload module is not a library
    # to link against, so it has no versioned SONAME of its own package.
    grep '^W: ' lint | grep -v -e 'package-name-doesnt-match-sonames liblwcr$' \
        -e "shared-library-lacks-version usr/lib/$multiarch/liblwcr.so liblwcr.so\$" | grep . \
        && { fail "lintian warns of something new"; return; }
    pass
}

# The extracted package, installed with dpkg --root into a root that has
# no Swift: a dynamically linked shell, busybox for the rest, and libc.
# There, status and check work; the documented system-wide step puts the
# library in that root's /etc/ld.so.preload, and launches are judged; the
# package refuses to be removed while it is named there.
test_package_in_a_chroot_without_swift() {
    [ "$(id -u)" = 0 ] || { skip "needs root for chroot"; return; }
    command -v dpkg > /dev/null || { skip "dpkg is missing"; return; }
    local bb; bb=$(command -v busybox) && file -L "$bb" | grep -q 'statically linked' || { skip "busybox-static is not installed"; return; }
    local deb; deb=$(built_deb) || { fail "make deb failed"; return; }
    local r=$WORK/root a p
    mkdir -p $r/bin $r/sbin $r/usr/bin $r/var/lib/dpkg/info $r/var/lib/dpkg/updates $r/var/lib/dpkg/triggers $r/etc $r/tmp $r/proc
    cp "$bb" $r/bin/busybox
    for a in sh chmod grep rm rmdir cat ls mkdir echo test true sleep touch sed tr; do ln -s busybox $r/bin/$a; done
    printf '#!/bin/sh\nexit 0\n' > $r/sbin/ldconfig; cp $r/sbin/ldconfig $r/sbin/start-stop-daemon; chmod 755 $r/sbin/*
    copy_with_libraries $r /bin/dash /usr/bin/dash
    cp $r/usr/bin/dash $r/usr/bin/tool
    # dpkg checks Depends against the root's own database: libc6 as the host has it.
    python3 -c '
import re, sys
stanzas = open("/var/lib/dpkg/status").read().split("\n\n")
keep = [s for s in stanzas if re.match(r"Package: (libc6|libgcc-s1|gcc-12-base)\n", s)]
open(sys.argv[1] + "/var/lib/dpkg/status", "w").write("\n\n".join(keep) + "\n\n")
for s in keep:
    name = re.match(r"Package: (\S+)", s).group(1); arch = re.search(r"Architecture: (\S+)", s).group(1)
    open(f"{sys.argv[1]}/var/lib/dpkg/info/{name}:{arch}.list", "w").close()' $r
    touch $r/var/lib/dpkg/available
    find $r -name 'swift*' -o -name '*.swiftmodule' -o -name 'libswift*' | grep . && { fail "the root has Swift files"; return; }
    PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg --root=$r -i "$deb" > install.out 2>&1; local rc=$?; cat install.out
    [ $rc -eq 0 ] || { fail "dpkg -i in the root failed ($rc)"; return; }
    grep -q '/etc/lwcr/policy.d: compiled .* (generation 1' install.out || { fail "postinst did not compile the system policy"; return; }
    in_root() { PATH=/usr/bin:/bin:/usr/sbin:/sbin chroot $r "$@"; }
    in_root lwcr status > status.out 2>&1; rc=$?; cat status.out
    [ $rc -eq 0 ] || { fail "lwcr status failed in the root ($rc)"; return; }
    local lib=/usr/lib/$(cc -print-multiarch)/liblwcr.so
    grep -qx "lwcr $PKG_VERSION" status.out && grep -q "/etc/lwcr/policy.d: compiled, generation 1, up to date" status.out \
        && grep -q "library:        $lib (lwcr $PKG_VERSION)" status.out || { fail "lwcr status in the root"; return; }
    echo "require /usr/bin/tool sha256=$WRONG" > $r/etc/lwcr/policy.d/50-test.policy
    in_root lwcr compile > /dev/null || { fail "compile in the root"; return; }
    in_root lwcr check /usr/bin/tool > check.out 2>&1; rc=$?; cat check.out
    [ $rc -eq 1 ] && grep -q 'sha256 mismatch \[50-test.policy:1\]' check.out || { fail "lwcr check in the root ($rc)"; return; }
    # The documented step (liblwcr(8), README "Installing").
    in_root /usr/bin/dash -c "lwcr lint /etc/lwcr/policy.d && lwcr check /bin/sh && echo $lib >> /etc/ld.so.preload" > step.out 2>&1
    rc=$?; cat step.out
    [ $rc -eq 0 ] || { fail "the system-wide step failed ($rc)"; return; }
    in_root /usr/bin/dash -c '/usr/bin/tool -c "echo ran"; echo "tool=$?"; /bin/echo still' > run.out 2>&1; cat run.out
    grep -qx 'tool=126' run.out && ! grep -qx ran run.out || { fail "the tampered tool ran with the library in ld.so.preload"; return; }
    grep -q 'lwcr: deny /usr/bin/tool: sha256 mismatch \[50-test.policy:1\]' run.out && grep -qx still run.out \
        || { fail "no deny line, or an allowed launch failed"; return; }
    mkdir -p $r/dev; mknod -m 666 $r/dev/null c 1 3
    unshare -m sh -c "mount -t proc proc $r/proc && PATH=/usr/bin:/bin $(command -v chroot) $r /usr/bin/dash -c 'lwcr status \$\$'" > pstatus.out 2>&1
    cat pstatus.out
    grep -q "library:        $lib (lwcr $PKG_VERSION), through /etc/ld.so.preload" pstatus.out || { fail "status of a process in the root"; return; }
    PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg --root=$r -r lwcr > remove.out 2>&1; rc=$?; cat remove.out
    [ $rc -ne 0 ] && grep -q "/etc/ld.so.preload names $lib: remove that line first" remove.out || { fail "removal went ahead with the library in ld.so.preload"; return; }
    [ -f $r$lib ] || { fail "the library is gone though removal was refused"; return; }
    # Other spellings of the same file stop it too; a comment does not.
    local spelling
    for spelling in liblwcr.so "${lib%/*}//../$(basename "${lib%/*}")/liblwcr.so" "/bin/true:$lib"; do
        echo "$spelling" > $r/etc/ld.so.preload
        PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg --root=$r -r lwcr > remove.out 2>&1 && { cat remove.out; fail "removal went ahead with '$spelling' in ld.so.preload"; return; }
    done
    echo "# $lib" > $r/etc/ld.so.preload
    PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg --root=$r --purge lwcr > purge.out 2>&1; rc=$?; cat purge.out
    [ $rc -eq 0 ] || { fail "purge failed ($rc)"; return; }
    [ ! -e $r$lib ] && [ ! -e $r/usr/bin/lwcr ] && [ ! -e $r/etc/lwcr/policy.d/.lwcr-snapshot ] && [ ! -e $r/var/cache/lwcr ] \
        || { fail "purge left files behind"; return; }
    [ -f $r/etc/lwcr/policy.d/50-test.policy ] || { fail "purge removed the administrator's own policy file"; return; }
    pass
}

test_man_pages_render_without_warnings() {
    command -v man > /dev/null || { skip "man is missing (man-db)"; return; }
    local page
    for page in lwcr.1 lwcr.policy.5 liblwcr.8; do
        [ -s "$ROOT/build/man/$page" ] || { fail "build/man/$page was not built"; return; }
        MANWIDTH=80 man --warnings -E UTF-8 -l "$ROOT/build/man/$page" > "$page.txt" 2> "$page.err"
        cat "$page.err"
        [ -s "$page.err" ] && { fail "$page: warnings"; return; }
        grep -q . "$page.txt" || { fail "$page rendered nothing"; return; }
        grep -q "lwcr $PKG_VERSION" "$page.txt" || { fail "$page does not carry version $PKG_VERSION"; return; }
    done
    pass
}

# lwcr(1) names exactly the verbs and options lwcr --help does.
test_man_page_matches_help() {
    command -v groff > /dev/null || { skip "groff is missing"; return; }
    "$LWCR" --help > help.txt
    local verb
    for verb in $(sed -n 's/^    lwcr \([a-z]*\).*/\1/p' help.txt | sort -u); do "$LWCR" $verb --help > "help-$verb.txt"; done
    groff -man -Tascii -P-cbou "$ROOT/build/man/lwcr.1" > man.txt 2> /dev/null
    python3 - <<'EOF' || { fail "lwcr(1) and lwcr --help disagree"; return; }
import glob, re, sys
helps = open("help.txt").read()
verbs_help = set(re.findall(r"^    lwcr ([a-z]+)", helps, re.M))
man = open("man.txt").read()
synopsis = man.split("SYNOPSIS", 1)[1].split("DESCRIPTION", 1)[0]
verbs_man = set(re.findall(r"^\s+lwcr ([a-z]+)", synopsis, re.M))
opt = r"(?<![\w-])(--[a-z][a-z-]*[a-z]|-[a-zA-Z])(?![\w-])"
opts_help = set(re.findall(opt, "".join(open(f).read() for f in glob.glob("help*.txt")))) | {"--help", "-h", "--version"}
opts_man = set(re.findall(opt, man))
bad = False
for what, a, b in (("verbs", verbs_help, verbs_man), ("options", opts_help, opts_man)):
    if a - b: print(f"{what} in --help but not in lwcr(1): {sorted(a - b)}"); bad = True
    if b - a: print(f"{what} in lwcr(1) but not in --help: {sorted(b - a)}"); bad = True
print("verbs:", sorted(verbs_help)); print("options:", sorted(opts_help))
sys.exit(1 if bad else 0)
EOF
    pass
}

# The completion, sourced into bash: verbs, each verb's options, and
# directories after --policy.
test_bash_completion() {
    local c=$ROOT/Sources/Packaging/bash-completion/lwcr
    mkdir -p "$WORK/pdir.d" "$WORK/pother"; touch "$WORK/pfile"
    "$LWCR" --help > help.txt
    bash -c '
source "$1"
complete_at() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMPREPLY=(); _lwcr lwcr "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"; printf "%s\n" "${COMPREPLY[@]}" | sort; }
echo "== verbs"; complete_at lwcr ""
echo "== check-options"; complete_at lwcr check --
echo "== policy-dir"; complete_at lwcr run --policy "$2/p"
echo "== status"; complete_at lwcr status ""
' _ "$c" "$WORK" > out 2>&1
    cat out
    python3 - <<'EOF' || { fail "completion does not offer what --help names"; return; }
import re, sys
out = open("out").read()
parts = {}
for chunk in out.split("== ")[1:]:
    name, _, body = chunk.partition("\n"); parts[name] = body.split()
verbs = set(re.findall(r"^    lwcr ([a-z]+)", open("help.txt").read(), re.M))
bad = False
if not verbs <= set(parts["verbs"]): print("verbs missing:", verbs - set(parts["verbs"])); bad = True
for o in ("--policy", "--system", "--json"):
    if o not in parts["check-options"]: print("check option missing:", o); bad = True
d = [p for p in parts["policy-dir"]]
if not any(p.endswith("/pdir.d") or p.endswith("/pdir.d/") for p in d) or any(p.endswith("/pfile") for p in d):
    print("--policy should complete directories only:", d); bad = True
import os
if str(os.getppid()) and not any(p.isdigit() for p in parts["status"]): print("status should complete PIDs"); bad = True
sys.exit(1 if bad else 0)
EOF
    pass
}

test_uninstall_removes_what_install_put() {
    local d=$WORK/dest
    make -s -C "$ROOT" install DESTDIR="$d" > out 2>&1 || { cat out; fail "make install failed"; return; }
    find "$d" | sort > installed; cat installed
    grep -q '/share/man/man1/lwcr.1$' installed && grep -q '/bash-completion/completions/lwcr$' installed || { fail "install put no man page or completion"; return; }
    echo remembered > "$d/var/cache/lwcr/2049-1234"
    make -s -C "$ROOT" uninstall DESTDIR="$d" > out 2>&1 || { cat out; fail "make uninstall failed"; return; }
    cat out
    find "$d" -type f | sort > left; cat left
    grep -v -e '/etc/lwcr/policy.d/10-baseline.policy$' left | grep . && { fail "uninstall left files other than the policy"; return; }
    grep -q '/etc/lwcr/policy.d/10-baseline.policy$' left || { fail "uninstall removed the policy"; return; }
    grep -q 'kept .*/etc/lwcr' out || { fail "uninstall did not say it kept the policy"; return; }
    pass
}

# The README's two systemd drop-ins, with the example's paths made this
# test's: the unit, the program, the policy, the built lwcr and library.
systemd_setup() {
    mkdir -p "$WORK/units/myservice.service.d" "$WORK/bin"
    printf '#!/bin/sh\necho "service ran $*"\n"$(dirname "$0")/tool"; echo "tool=$?"\n' > "$WORK/bin/myservice"
    cp /usr/bin/true "$WORK/bin/tool"; chmod 755 "$WORK/bin/myservice"
    printf '[Unit]\nDescription=an example service\n\n[Service]\nExecStart=/usr/sbin/myservice --foreground\n' \
        | sed "s|/usr/sbin/myservice|$WORK/bin/myservice|" > "$WORK/units/myservice.service"
    python3 - "$ROOT/README.md" "$WORK" "$LWCR" "$LIB" <<'EOF'
import re, sys
readme, work, lwcr, lib = sys.argv[1:]
text = readme and open(readme).read()
section = text.split("**A systemd service**", 1)[1].split("**A user's login shell**", 1)[0]
blocks = re.findall(r"```ini\n(.*?)```", section, re.S)
assert len(blocks) == 2, f"expected two ini blocks in the README's systemd recipe, found {len(blocks)}"
for name, block in zip(("exec", "preload"), blocks):
    for a, b in (("/usr/bin/lwcr", lwcr), ("/usr/lib/x86_64-linux-gnu/liblwcr.so", lib),
                 ("/etc/lwcr/myservice.d", work + "/policy.d"), ("/usr/sbin/myservice", work + "/bin/myservice")):
        block = block.replace(a, b)
    open(f"{work}/dropin-{name}.conf", "w").write(block)
EOF
}

test_systemd_drop_in_verifies() {
    command -v systemd-analyze > /dev/null || { skip "systemd-analyze is missing (systemd)"; return; }
    chmod 755 "$(dirname "$WORK")" "$WORK"
    systemd_setup || { fail "the README's recipe could not be read"; return; }
    policy "allow /**"
    local form
    for form in exec preload; do
        cp "$WORK/dropin-$form.conf" "$WORK/units/myservice.service.d/lwcr.conf"; cat "$WORK/units/myservice.service.d/lwcr.conf"
        SYSTEMD_UNIT_PATH=$WORK/units: systemd-analyze verify "$WORK/units/myservice.service" > out 2>&1; local rc=$?; cat out
        [ $rc -eq 0 ] && [ ! -s out ] || { fail "$form: systemd-analyze verify complained ($rc)"; return; }
    done
    # The check can fail: a drop-in naming a program that is not there.
    sed "s|$LWCR|$WORK/no-such-lwcr|" "$WORK/dropin-exec.conf" > "$WORK/units/myservice.service.d/lwcr.conf"
    SYSTEMD_UNIT_PATH=$WORK/units: systemd-analyze verify "$WORK/units/myservice.service" > out 2>&1 \
        && { cat out; fail "verify accepted a drop-in whose ExecStart does not exist"; return; }
    pass
}

# What systemd would start, run here: the drop-in's Environment= and its
# ExecStart= (or the unit's). Through lwcr exec the service's program is
# judged; with LD_PRELOAD, what it launches is.
test_systemd_drop_in_runs_the_service_under_lwcr() {
    systemd_setup || { fail "the README's recipe could not be read"; return; }
    local form
    for form in exec preload; do
        python3 - "$WORK/dropin-$form.conf" "$WORK/units/myservice.service" > "cmd-$form" <<'EOF'
import shlex, sys
env, start = [], None
for path in sys.argv[1:]:
    for line in open(path):
        line = line.strip()
        if line.startswith("Environment="): env.append(line[len("Environment="):])
        elif line.startswith("ExecStart="):
            value = line[len("ExecStart="):]
            if start is None: start = value or None   # the drop-in's empty ExecStart= clears the unit's
print(shlex.join(["env", *env, "LWCR_LOG=stderr", *shlex.split(start)]))
EOF
    done
    cat cmd-exec cmd-preload
    policy "require $WORK/bin/myservice sha256=$WRONG"
    bash -c "$(cat cmd-exec)" > out 2> err; local rc=$?; cat out err
    [ $rc -eq 126 ] && ! grep -q 'service ran' out || { fail "exec form: a tampered service program started ($rc)"; return; }
    grep -q "^lwcr: deny $WORK/bin/myservice: sha256 mismatch \[10-test.policy:1\]" err || { fail "exec form: no deny line"; return; }
    policy "require $WORK/bin/tool sha256=$WRONG"
    bash -c "$(cat cmd-exec)" > out 2> err; cat out err
    grep -qx 'service ran --foreground' out && grep -qx 'tool=126' out || { fail "exec form: the service did not run, or its launch was not judged"; return; }
    bash -c "$(cat cmd-preload)" > out 2> err; cat out err
    grep -qx 'service ran --foreground' out && grep -qx 'tool=126' out || { fail "preload form: the service did not run, or its launch was not judged"; return; }
    grep -q "^lwcr: deny $WORK/bin/tool: sha256 mismatch" err || { fail "preload form: no deny line"; return; }
    pass
}
