#!/usr/bin/env bash
# Integration tests: the real build/liblwcr.so preloaded into real programs.
#
# Each test is a bash function `test_NAME` in cases/*.sh that ends by
# calling exactly one of pass, fail or skip. It runs in a fresh scratch
# directory $WORK; $LIB is the library, $BIN the compiled test programs.
# Usage: run.sh [NAME-FILTER]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LIB=$ROOT/build/liblwcr.so
BIN=$ROOT/build/tests
HERE=$ROOT/Tests/integration
FILTER=${1:-}
[ -f "$LIB" ] || { echo "run.sh: $LIB is missing: run make first" >&2; exit 2; }
mkdir -p "$BIN"
for src in "$HERE"/programs/*.c; do
    out=$BIN/$(basename "$src" .c)
    if [ ! -x "$out" ] || [ "$src" -nt "$out" ] || [ "$HERE/programs/launch.h" -nt "$out" ]; then
        cc -O2 -Wall -Wextra -pthread -o "$out" "$src" -ldl || { echo "run.sh: cannot compile $src" >&2; exit 2; }
    fi
done

PASSED=0 FAILED=0 SKIPPED=0 RESULT=""
pass() { RESULT=pass; RESULT_MESSAGE=${1:-}; }
fail() { RESULT=fail; RESULT_MESSAGE=${1:-}; }
skip() { RESULT=skip; RESULT_MESSAGE=${1:-}; }

# The sha256 of a file, as a policy pins it.
pin() { sha256sum "$1" | cut -d' ' -f1; }
WRONG=0000000000000000000000000000000000000000000000000000000000000000

# The system's ELF interpreter (PT_INTERP of /usr/bin/true), canonical: a
# launch of a dynamic program is a launch of it too, so a `default deny`
# policy must allow it.
LOADER=$(python3 -c '
import os, struct
d = open("/usr/bin/true", "rb").read()
phoff, = struct.unpack_from("<Q", d, 32); size, count = struct.unpack_from("<HH", d, 54)
for i in range(count):
    e = phoff + i * size
    if struct.unpack_from("<I", d, e)[0] == 3:
        o, = struct.unpack_from("<Q", d, e + 8); n, = struct.unpack_from("<Q", d, e + 32)
        print(os.path.realpath(d[o:o + n - 1].decode())); break')

# Writes $WORK/policy.d/10-test.policy from the arguments, one line each.
policy() {
    mkdir -p "$WORK/policy.d"
    printf '%s\n' "$@" > "$WORK/policy.d/10-test.policy"
}

# Runs a command under the library with the test's policy.
under() { LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB "$@"; }

for f in "$HERE"/cases/*.sh; do source "$f"; done

TMPROOT=$(mktemp -d /tmp/lwcr-it.XXXXXX)
trap 'rm -rf "$TMPROOT"' EXIT
for t in $(declare -F | awk '{print $3}' | grep '^test_' ); do
    [ -n "$FILTER" ] && [[ $t != *$FILTER* ]] && continue
    WORK=$TMPROOT/${t#test_}
    mkdir -p "$WORK"
    RESULT="" RESULT_MESSAGE=""
    start=$(date +%s%N)
    ( cd "$WORK" && "$t" > "$WORK/.log" 2>&1; echo "$RESULT|$RESULT_MESSAGE" > "$WORK/.result" )
    IFS='|' read -r RESULT RESULT_MESSAGE < "$WORK/.result"
    tenths=$(( ($(date +%s%N) - start) / 100000000 ))
    secs="$((tenths / 10)).$((tenths % 10))"
    case $RESULT in
        pass) PASSED=$((PASSED + 1)); printf 'ok    %-40s %5ss %s\n' "${t#test_}" "$secs" "$RESULT_MESSAGE" ;;
        skip) SKIPPED=$((SKIPPED + 1)); printf 'skip  %-40s %5ss %s\n' "${t#test_}" "$secs" "$RESULT_MESSAGE" ;;
        fail) FAILED=$((FAILED + 1)); printf 'FAIL  %-40s %5ss %s\n' "${t#test_}" "$secs" "$RESULT_MESSAGE"
              sed 's/^/      | /' "$WORK/.log" | tail -40 ;;
        *)    FAILED=$((FAILED + 1)); printf 'FAIL  %-40s recorded no result\n' "${t#test_}"
              sed 's/^/      | /' "$WORK/.log" | tail -40 ;;
    esac
done
echo "integration: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
