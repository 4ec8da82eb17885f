// The constructor of the preloaded library (and of the lwcr command):
// kept apart from state.c, which the hosted test build links, so that no
// test runner calls into the preload edge.
#define _GNU_SOURCE
#include "lwcr_sys.h"
#include <stdlib.h>
#include <string.h>

extern void lwcr_init(void);
extern char **environ;

// In secure-execution mode the environment is the caller's, and glibc
// removes only its own dangerous variables (LD_PRELOAD...), not ours. The
// library reads none of them then (lwcr_init), and removes every LWCR_*
// variable before the program runs, so neither the program nor anything it
// launches (possibly as full root, no longer in secure mode) obeys them.
// The constructor runs before main and before any thread exists.
static void drop_lwcr_variables(void) {
    char name[256];
    for (int again = 1; again;) {
        again = 0;
        for (char **e = environ; e && *e; e++) {
            if (strncmp(*e, "LWCR_", 5) != 0) continue;
            size_t n = 0;
            while ((*e)[n] && (*e)[n] != '=' && n + 1 < sizeof name) { name[n] = (*e)[n]; n++; }
            name[n] = 0;
            if ((*e)[n] != '=' || unsetenv(name) != 0) {
                // A name too long to copy, or without '=': cut it out by hand.
                char **d = e;
                do { d[0] = d[1]; } while (*d++);
            }
            again = 1;
            break;
        }
    }
}

__attribute__((constructor)) static void lwcr_constructor(void) {
    // Within a few KiB of the top of the main thread's stack (OwnStack).
    *lwcr_state_stack_top() = (uintptr_t)__builtin_frame_address(0);
    if (lwcr_secure_execution()) drop_lwcr_variables();
    lwcr_init();
}
