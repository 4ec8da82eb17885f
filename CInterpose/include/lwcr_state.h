// Process-wide state of the preloaded library and of the lwcr command
// (CInterpose/preload/state.c): what the constructor captured, the
// published policy, the spawn stack, the popen table.
#ifndef LWCR_STATE_H
#define LWCR_STATE_H

#include <stddef.h>
#include <stdlib.h>

// What the process had at load time, captured by the constructor so that a
// program changing its own environment cannot change what its children get.
// Fixed storage: a C global is statically zero, where a Swift global would
// be initialised lazily behind a once-lock.
char *lwcr_state_library(void);   // absolute path of this library when it came from LD_PRELOAD, else ""
char *lwcr_state_layers(void);    // LWCR_POLICY with each directory made absolute, else ""
char *lwcr_state_log(void);       // the log target: LWCR_LOG, else lwcr.conf's log=, else ""
int *lwcr_state_log_format(void); // 0 text, 1 json: LWCR_LOG_FORMAT, else lwcr.conf's format=
int *lwcr_state_learning(void);   // 1 under lwcr learn (LWCR_LEARN=1): the given layers only audit, every launch is logged
char *lwcr_state_layers_given(void); // LWCR_POLICY as given, when it differs from lwcr_state_layers
void **lwcr_state_policy(void);   // the published policy, NULL until the first launch
size_t lwcr_state_capacity(void); // the size of each of the buffers above
void **lwcr_state_spawn_stack(void); // a spawn stack kept for reuse, or NULL
int *lwcr_state_system_seen(void);  // whether the system policy directory existed at start

// The path of the shared object that contains this function.
int lwcr_self_path(char *buf, size_t n);

// Runs fn(ctx, buf) with `size` bytes of memory: the launch path builds
// argv and envp arrays whose size only the caller knows, and may not
// allocate. On the stack up to 64 KiB, beyond that in a mapping of its own
// (a thread's stack may be smaller than a long argv's copy).
int lwcr_with_stack(size_t size, int (*fn)(void *ctx, void *buf), void *ctx);

// Runs fn(ctx) with the stack pointer at `top` (16-byte aligned, the high
// end of a mapping): the gate on a stack of its own (OwnStack.swift).
int lwcr_call_on_stack(void *top, int (*fn)(void *ctx), void *ctx);
// About where the caller's stack is now.
uintptr_t lwcr_stack_pointer(void);
// Near the top of the main thread's stack, from the constructor; 0 when unknown.
uintptr_t *lwcr_state_stack_top(void);

// The last ELF interpreter judged allowed, by its PT_INTERP text and what
// that path led to (OpenedByPath.swift). A sequence count, not a lock:
// a reader that overlaps a writer just misses, a second writer gives up.
struct lwcr_interp_memo {
    const void *policy;
    uint64_t dev, ino, size, ctime_sec, ctime_nsec;
    uint32_t length;
    char text[244];
};
int lwcr_interp_memo_get(struct lwcr_interp_memo *out); // 1 when `out` is a whole entry
void lwcr_interp_memo_put(const struct lwcr_interp_memo *entry);


// popen streams: which FILE belongs to which child, for pclose and for
// closing other streams in a new popen child (POSIX requires it).
struct lwcr_popen_slot { void *file; int pid; int fd_plus_one; };
struct lwcr_popen_slot *lwcr_popen_slots(void);
int lwcr_popen_slot_count(void);

// A libc function lwcr interposes but calls itself (preload/libc_symbol.c).
#include <wordexp.h>
void *lwcr_libc_symbol(const char *name);
static inline int lwcr_call_wordexp(void *fn, const char *words, void *result, int flags) {
    return ((int (*)(const char *, wordexp_t *, int))fn)(words, (wordexp_t *)result, flags);
}

#endif
