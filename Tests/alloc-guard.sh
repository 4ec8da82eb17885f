#!/usr/bin/env bash
# Fails when anything in the library but the Embedded Swift runtime itself
# calls an allocator or a once-lock: the launch path runs in vfork children
# and fork children of threaded programs, where either may deadlock. The
# zero-allocation test (Tests/integration/cases/alloc.sh) proves the paths
# it runs; this proves no code of ours can reach them at all.
# Usage: alloc-guard.sh LIBRARY
set -u
lib=$1
calls=$(objdump -d --no-show-raw-insn "$lib" | awk '
    /^[0-9a-f]+ <.*>:$/ { fn = $2 }
    /call|jmp/ && /<(swift_allocObject|swift_slowAlloc|swift_once|malloc|calloc|realloc|posix_memalign|aligned_alloc)(@plt)?>/ { print fn " -> " $NF }' |
    # The runtime's own functions (swift_*, the Embedded stdlib $es...) may.
    grep -v -E '^<(swift_|_swift_|\$es|\$ss)' | sort -u)
if [ -n "$calls" ]; then
    echo "alloc-guard: $lib: code of ours calls an allocator or swift_once:" >&2
    echo "$calls" >&2
    exit 1
fi
