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

int lwcr_with_stack(size_t size, int (*fn)(void *ctx, void *buf), void *ctx) {
    void *buf = __builtin_alloca(size);
    return fn(ctx, buf);
}

#define LWCR_POPEN_SLOTS 1024
static struct lwcr_popen_slot popen_slots[LWCR_POPEN_SLOTS];
struct lwcr_popen_slot *lwcr_popen_slots(void) { return popen_slots; }
int lwcr_popen_slot_count(void) { return LWCR_POPEN_SLOTS; }
