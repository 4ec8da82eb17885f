#!/usr/bin/env bash
# `make demo`: pin a tool, run it, tamper with it, show the denial.
set -eu
cd "$(dirname "$0")/.."
LIB=$PWD/build/liblwcr.so
DEMO=$PWD/build/demo
rm -rf "$DEMO"
mkdir -p "$DEMO/bin" "$DEMO/policy.d"
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; }

say "1. A tool, and a policy that pins it by its SHA-256"
printf '#include <stdio.h>\nint main(void) { puts("mycommandlinetool: hello, I am the genuine tool"); return 0; }\n' > "$DEMO/tool.c"
cc -O2 -o "$DEMO/bin/mycommandlinetool" "$DEMO/tool.c"
hash=$(sha256sum "$DEMO/bin/mycommandlinetool" | cut -d' ' -f1)
printf '# Pinned by make demo.\nrequire %s sha256=%s\n' "$DEMO/bin/mycommandlinetool" "$hash" > "$DEMO/policy.d/10-tools.policy"
show "cat build/demo/policy.d/10-tools.policy"
cat "$DEMO/policy.d/10-tools.policy"

say "2. Run it in a shell with the library preloaded: it runs"
show "LWCR_POLICY=build/demo/policy.d LD_PRELOAD=build/liblwcr.so bash -c mycommandlinetool"
LWCR_POLICY=$DEMO/policy.d LD_PRELOAD=$LIB PATH=$DEMO/bin:$PATH bash -c mycommandlinetool

say "3. Someone who can write the file tampers with it"
show "printf 'appended payload' >> build/demo/bin/mycommandlinetool   # still a valid program"
printf 'appended payload' >> "$DEMO/bin/mycommandlinetool"

say "4. The same launch is refused, and says why"
show "LWCR_POLICY=build/demo/policy.d LD_PRELOAD=build/liblwcr.so bash -c mycommandlinetool"
LWCR_POLICY=$DEMO/policy.d LD_PRELOAD=$LIB PATH=$DEMO/bin:$PATH bash -c mycommandlinetool || echo "(exit status $?)"

say "5. However the launch is made: env -i, python3's subprocess"
show "env -i /bin/sh -c build/demo/bin/mycommandlinetool"
LWCR_POLICY=$DEMO/policy.d LD_PRELOAD=$LIB env -i /bin/sh -c "$DEMO/bin/mycommandlinetool" || echo "(exit status $?)"
show "python3 -c 'import subprocess; subprocess.run([\"build/demo/bin/mycommandlinetool\"])'"
LWCR_POLICY=$DEMO/policy.d LD_PRELOAD=$LIB python3 -c 'import subprocess, sys
try:
    subprocess.run([sys.argv[1]])
except PermissionError as e:
    print("python3:", e)' "$DEMO/bin/mycommandlinetool"

say "6. A symlink does not dodge the rule: the opened file is judged"
ln -sf "$DEMO/bin/mycommandlinetool" "$DEMO/bin/innocent-name"
show "ln -s mycommandlinetool build/demo/bin/innocent-name; innocent-name"
LWCR_POLICY=$DEMO/policy.d LD_PRELOAD=$LIB bash -c "$DEMO/bin/innocent-name" || echo "(exit status $?)"
echo
