// Process-wide state of the preloaded library, and the constructor.
#define _GNU_SOURCE
#include "lwcr_sys.h"
#include <link.h>
#include <stdlib.h>
#include <string.h>

#define LWCR_STATE_SIZE 8192
static char library[LWCR_STATE_SIZE];
static char layers[LWCR_STATE_SIZE];
static char log_target[LWCR_STATE_SIZE];
static char layers_given[LWCR_STATE_SIZE];
static void *policy;
static void *spawn_stack;
static int system_seen;

char *lwcr_state_library(void) { return library; }
char *lwcr_state_layers(void) { return layers; }
char *lwcr_state_log(void) { return log_target; }
char *lwcr_state_layers_given(void) { return layers_given; }
void **lwcr_state_policy(void) { return &policy; }
void **lwcr_state_spawn_stack(void) { return &spawn_stack; }
int *lwcr_state_system_seen(void) { return &system_seen; }
size_t lwcr_state_capacity(void) { return LWCR_STATE_SIZE; }

struct self_search { const void *address; char *buf; size_t n; int found; };

static int find_self(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct self_search *s = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD) continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if ((uintptr_t)s->address >= start && (uintptr_t)s->address < start + ph->p_memsz) {
            size_t len = 0;
            while (info->dlpi_name[len] && len + 1 < s->n) { s->buf[len] = info->dlpi_name[len]; len++; }
            s->buf[len] = 0;
            s->found = 1;
            return 1;
        }
    }
    return 0;
}

int lwcr_self_path(char *buf, size_t n) {
    struct self_search s = {(const void *)&lwcr_self_path, buf, n, 0};
    dl_iterate_phdr(find_self, &s);
    return s.found ? 0 : -1;
}

char *lwcr_getcwd(char *buf, size_t n) {
    return syscall(SYS_getcwd, buf, n) < 0 ? 0 : buf;
}

int lwcr_with_stack(size_t size, int (*fn)(void *ctx, void *buf), void *ctx) {
    void *buf = __builtin_alloca(size);
    return fn(ctx, buf);
}

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
    if (lwcr_secure_execution()) drop_lwcr_variables();
    lwcr_init();
}

#define LWCR_POPEN_SLOTS 1024
static struct lwcr_popen_slot popen_slots[LWCR_POPEN_SLOTS];
struct lwcr_popen_slot *lwcr_popen_slots(void) { return popen_slots; }
int lwcr_popen_slot_count(void) { return LWCR_POPEN_SLOTS; }
