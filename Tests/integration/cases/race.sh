# Swapping the launched file during launches never runs a file the policy
# refused: a swapper renames a good and a bad file over PATH as fast as it
# can while the race program launches PATH 3000 times (posix_spawn and
# fork + execve). PATH is pinned to the good file's sha256; the bad one
# exits 42. Passes only if the bad file never ran, and the race was really
# exercised: some launches ran the good file, and some were denied.
test_race() {
    local dir good bad target status deny
    command -v cc > /dev/null || { skip "no C compiler to build the bad program"; return; }
    dir=$(readlink -f "$WORK")/race
    mkdir -p "$dir"
    good=$dir/good bad=$dir/bad target=$dir/target
    cp /bin/true "$good"
    printf 'int main(void) { return 42; }\n' > "$dir/bad.c"
    cc -o "$bad" "$dir/bad.c" || { fail "cannot compile the bad program"; return; }
    "$bad"; [ $? -eq 42 ] || { fail "the bad program does not exit 42"; return; }

    mkdir -p "$WORK/policy.d"
    printf 'require %s sha256=%s\n' "$target" "$(pin "$good")" > "$WORK/policy.d/10-test.policy"
    LWCR_POLICY=$WORK/policy.d LD_PRELOAD=$LIB "$BIN/race" "$target" "$good" "$bad" 3000 \
        > "$WORK/race.out" 2> "$WORK/race.err"
    status=$?
    cat "$WORK/race.out"
    deny=$(grep -c '^lwcr: deny ' "$WORK/race.err")
    echo "stderr: $(wc -l < "$WORK/race.err") lines, $deny deny lines; distinct:"
    sed 's/^lwcr: deny [^:]*: /lwcr: deny PATH: /' "$WORK/race.err" | sort | uniq -c | sort -rn | head -10

    [ "$status" -eq 1 ] && { fail "the bad file ran: $(grep -o 'bad=[0-9]*' "$WORK/race.out" | head -1)"; return; }
    [ "$status" -eq 0 ] || { fail "race exited $status"; return; }
    grep -q '^race: launches=3000 ' "$WORK/race.out" || { fail "no tally line"; return; }
    local ran denied
    ran=$(sed -n 's/^race: launches=[0-9]* good=\([0-9]*\) .*/\1/p' "$WORK/race.out")
    denied=$(sed -n 's/^race: launches=[0-9]* good=[0-9]* bad=[0-9]* denied=\([0-9]*\) .*/\1/p' "$WORK/race.out")
    [ "${ran:-0}" -ge 1 ] || { fail "the good file never ran: the race proves nothing"; return; }
    [ "${denied:-0}" -ge 1 ] || { fail "no launch was denied: the race proves nothing"; return; }
    pass "good=$ran denied=$denied, bad never ran"
}
