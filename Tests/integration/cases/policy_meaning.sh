# What a policy line means, byte for byte. A pattern must be a canonical
# path (no //, /./, /../, trailing /): anything else could never match and so
# silently allows. Words are separated by space and tab only: any other raw
# byte outside 0x21..0x7e (form feed, vertical tab, NUL, a UTF-8 no-break
# space) is an error outside comments. Names with any byte are written with
# quoting: \\ \" \* \? \[ \# and \xHH inside a word, "..." around a part of
# it (space, tab, # * ? [ literal there); an unquoted [ is reserved. `lwcr
# pin` writes that quoting, so what it prints lints clean and means the file.
LWCR=$ROOT/build/lwcr

# A pattern that is not a canonical path is a lint error at FILE:LINE, and a
# policy error at launch, which denies every launch naming FILE:LINE.
test_pattern_must_be_canonical() {
    umask 022
    local x=$WORK/x p i=0 d rc bad=""
    for p in "$x//evil" "$x/./evil" "$x/y/../evil" "$x/evil/"; do
        i=$((i + 1)) d=$WORK/p$i.d
        mkdir -p "$d"; printf 'default allow\ndeny %s\n' "$p" > "$d/10-test.policy"
        timeout 10 "$LWCR" lint "$d" > lint.out 2>&1; rc=$?
        echo "deny $p: lint status $rc"; cat lint.out
        if [ $rc -eq 0 ]; then bad+="; 'deny /x${p#$x}' lints clean"
        elif ! grep -q "^$d/10-test.policy:2: " lint.out; then bad+="; 'deny /x${p#$x}': no lint error at FILE:LINE"; fi
        timeout 10 env LWCR_POLICY="$d" LD_PRELOAD="$LIB" "$BIN/launch_execve" /bin/true x > out 2> err; cat out err
        if ! grep -q '^result: errno=13$' out; then bad+="; 'deny /x${p#$x}': a launch was allowed"
        elif ! grep -q '^lwcr: deny /usr/bin/true: policy error: .*\[10-test.policy:2\]\( pid=.*\)\?$' err; then
            bad+="; 'deny /x${p#$x}': no policy error naming 10-test.policy:2"
        fi
    done
    [ -z "$bad" ] || { fail "with /x = \$WORK/x: ${bad#; }"; return; }
    pass
}

# Form feed, vertical tab, NUL and a UTF-8 no-break space do not separate
# words and are not part of one: each is a lint error at FILE:LINE, right
# after the directive (old code already refused those as an unknown
# directive) or inside or after the pattern (old code took them into it).
test_odd_bytes_are_errors() {
    umask 022
    local sep name i=0 d rc bad="" evil=$WORK/x/evil
    for sep in '\f' '\v' '\0' '\302\240'; do
        for name in after-directive in-pattern; do
            i=$((i + 1)) d=$WORK/s$i.d
            mkdir -p "$d"
            if [ $name = after-directive ]; then
                printf "default allow\ndeny$sep%s\n" "$evil" > "$d/10-test.policy"
            else
                printf "default allow\ndeny %s${sep}extra\n" "$evil" > "$d/10-test.policy"
            fi
            timeout 10 "$LWCR" lint "$d" > lint.out 2>&1; rc=$?
            echo "separator $sep $name: lint status $rc"; cat -A lint.out
            if [ $rc -eq 0 ]; then bad+="; $sep $name lints clean"
            elif ! grep -aq "^$d/10-test.policy:2: " lint.out; then bad+="; $sep $name: no lint error at FILE:LINE"; fi
        done
    done
    [ -z "$bad" ] || { fail "${bad#; }"; return; }
    pass
}

# pm_name NAME: NAME shell-quoted for a message (without '|', which ends one).
pm_name() { local s; printf -v s %q "$1"; printf '%s' "${s//|/<bar>}"; }

# Files whose names hold every byte but NUL and '/' (a few names each, and
# the characters quoting is about one by one): `lwcr pin` prints one line a
# file, that policy lints clean, and with `default deny` each pinned file
# launches while a sibling a glob reading would also match is denied.
test_pin_quoting_round_trip() {
    umask 022
    export LC_ALL=C
    local q=$WORK/q names=() siblings=() n i hex ch from to
    mkdir -p "$q" "$WORK/policy.d"
    names+=("a b" $'nl\nx' "st*r" "q?m" "br[x]" "#hash" 'dq"x' 'bs\x' $'tab\tx' $'\x01ctl' $'\xff' 'end\' '\x41')
    siblings+=("stXr" "qXm" "brx" "A" 'bsx')
    for from in 1 64 128 192; do
        n="" to=$((from + 63))
        for ((i = from; i <= to && i <= 255; i++)); do
            [ $i -eq 47 ] && continue
            printf -v hex '%02x' $i; printf -v ch "\\x$hex"; n+=$ch
        done
        names+=("$n")
        [[ $n == *[*?]* ]] && { n=${n//\*/X}; siblings+=("${n//\?/X}"); }
    done
    for n in "${names[@]}" "${siblings[@]}"; do cp /usr/bin/true "$q/$n" || { fail "cannot create a file named $(pm_name "$n")"; return; }; done
    local paths=()
    for n in "${names[@]}"; do paths+=("$q/$n"); done
    printf 'default deny\nallow %s\n' "$LOADER" > "$WORK/policy.d/10-default.policy"
    timeout 10 "$LWCR" pin "${paths[@]}" > "$WORK/policy.d/20-pins.policy" 2> pin.err; local rc=$?
    echo "pin status $rc"; cat pin.err; cat -A "$WORK/policy.d/20-pins.policy"
    [ $rc -eq 0 ] || { fail "lwcr pin exited $rc"; return; }
    [ "$(wc -l < "$WORK/policy.d/20-pins.policy")" -eq ${#names[@]} ] && [ "$(grep -c '^require ' "$WORK/policy.d/20-pins.policy")" -eq ${#names[@]} ] \
        || { fail "lwcr pin did not print one require line per file (${#names[@]})"; return; }
    timeout 10 "$LWCR" lint "$WORK/policy.d" > lint.out 2>&1; rc=$?
    echo "lint status $rc"; cat -A lint.out
    [ $rc -eq 0 ] || { fail "what lwcr pin printed does not lint: $(head -1 lint.out | cat -v | tr "|" "!")"; return; }
    for n in "${names[@]}"; do
        timeout 10 env LWCR_POLICY="$WORK/policy.d" LD_PRELOAD="$LIB" "$BIN/launch_execve" "$q/$n" x > out 2> err
        rc=$?; cat out err
        [ $rc -eq 0 ] && [ ! -s out ] || { fail "pinned $(pm_name "$n") did not launch: $(head -1 err | cat -v | tr "|" "!")"; return; }
    done
    for n in "${siblings[@]}"; do
        timeout 10 env LWCR_POLICY="$WORK/policy.d" LD_PRELOAD="$LIB" "$BIN/launch_execve" "$q/$n" x > out 2> err
        rc=$?; cat out err
        grep -q '^result: errno=13$' out && grep -q 'no rule matches and the default is deny' err \
            || { fail "unpinned sibling $(pm_name "$n") was not denied by the default"; return; }
    done
    pass "${#names[@]} pinned names launch, ${#siblings[@]} siblings denied"
}

# The README's kind of path, a directory with a space: `lwcr pin` writes the
# space as \x20, the line lints clean and the pin lets the file launch.
test_pin_name_with_space() {
    umask 022
    mkdir -p "$WORK/opt/a b" "$WORK/policy.d"; cp /usr/bin/true "$WORK/opt/a b/tool"
    timeout 10 "$LWCR" pin "$WORK/opt/a b/tool" > "$WORK/policy.d/10-pin.policy" || { fail "lwcr pin failed"; return; }
    cat "$WORK/policy.d/10-pin.policy"
    grep -qixF "require $WORK/opt/a\\x20b/tool sha256=$(pin "$WORK/opt/a b/tool")" "$WORK/policy.d/10-pin.policy" \
        || { fail "lwcr pin did not write the space as \\x20"; return; }
    timeout 10 "$LWCR" lint "$WORK/policy.d" > lint.out 2>&1; local rc=$?
    cat lint.out
    [ $rc -eq 0 ] || { fail "the pinned line does not lint: $(head -1 lint.out)"; return; }
    printf 'default deny\nallow %s\n' "$LOADER" > "$WORK/policy.d/05-default.policy"
    timeout 10 env LWCR_POLICY="$WORK/policy.d" LD_PRELOAD="$LIB" "$BIN/launch_execve" "$WORK/opt/a b/tool" x > out 2> err
    rc=$?; cat out err
    [ $rc -eq 0 ] || { fail "the pinned file did not launch"; return; }
    pass
}
