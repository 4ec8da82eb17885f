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
static int log_format;
static int learning;

char *lwcr_state_library(void) { return library; }
char *lwcr_state_layers(void) { return layers; }
char *lwcr_state_log(void) { return log_target; }
char *lwcr_state_layers_given(void) { return layers_given; }
void **lwcr_state_policy(void) { return &policy; }
void **lwcr_state_spawn_stack(void) { return &spawn_stack; }
int *lwcr_state_system_seen(void) { return &system_seen; }
int *lwcr_state_log_format(void) { return &log_format; }
int *lwcr_state_learning(void) { return &learning; }
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
    if (size <= (64 << 10)) {
        void *buf = __builtin_alloca(size);
        return fn(ctx, buf);
    }
    // A successful exec replaces the mapping with the process image; in a
    // vfork child it stays in the parent (see README: limits).
    size = (size + 4095) & ~(size_t)4095;
    void *buf = lwcr_mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (!buf) return 12; // ENOMEM
    int r = fn(ctx, buf);
    lwcr_munmap(buf, size);
    return r;
}

static unsigned memo_sequence;
static struct lwcr_interp_memo memo;

int lwcr_interp_memo_get(struct lwcr_interp_memo *out) {
    unsigned before = __atomic_load_n(&memo_sequence, __ATOMIC_ACQUIRE);
    if (before == 0 || before & 1) return 0;
    const volatile unsigned char *from = (const volatile unsigned char *)&memo;
    unsigned char *to = (unsigned char *)out;
    for (size_t i = 0; i < sizeof memo; i++) to[i] = from[i];
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return __atomic_load_n(&memo_sequence, __ATOMIC_RELAXED) == before;
}

void lwcr_interp_memo_put(const struct lwcr_interp_memo *entry) {
    unsigned before = __atomic_load_n(&memo_sequence, __ATOMIC_RELAXED);
    if (before & 1) return;
    if (!__atomic_compare_exchange_n(&memo_sequence, &before, before + 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
    volatile unsigned char *to = (volatile unsigned char *)&memo;
    const unsigned char *from = (const unsigned char *)entry;
    for (size_t i = 0; i < sizeof memo; i++) to[i] = from[i];
    __atomic_store_n(&memo_sequence, before + 2, __ATOMIC_RELEASE);
}

static uintptr_t stack_top;
uintptr_t *lwcr_state_stack_top(void) { return &stack_top; }

__attribute__((noinline)) uintptr_t lwcr_stack_pointer(void) { return (uintptr_t)__builtin_frame_address(0); }

// The old stack pointer is kept in a callee-saved register (rbp, x29),
// which fn preserves.
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl lwcr_call_on_stack\n"
        ".type lwcr_call_on_stack,@function\n"
        "lwcr_call_on_stack:\n"
        "    push %rbp\n"
        "    mov %rsp, %rbp\n"
        "    mov %rdi, %rsp\n"
        "    mov %rdx, %rdi\n"
        "    call *%rsi\n"
        "    mov %rbp, %rsp\n"
        "    pop %rbp\n"
        "    ret\n"
        ".size lwcr_call_on_stack, .-lwcr_call_on_stack\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl lwcr_call_on_stack\n"
        ".type lwcr_call_on_stack,%function\n"
        "lwcr_call_on_stack:\n"
        "    stp x29, x30, [sp, #-16]!\n"
        "    mov x29, sp\n"
        "    mov sp, x0\n"
        "    mov x0, x2\n"
        "    blr x1\n"
        "    mov sp, x29\n"
        "    ldp x29, x30, [sp], #16\n"
        "    ret\n"
        ".size lwcr_call_on_stack, .-lwcr_call_on_stack\n");
#else
int lwcr_call_on_stack(void *top, int (*fn)(void *ctx), void *ctx) { (void)top; return fn(ctx); }
#endif

#define LWCR_POPEN_SLOTS 1024
static struct lwcr_popen_slot popen_slots[LWCR_POPEN_SLOTS];
struct lwcr_popen_slot *lwcr_popen_slots(void) { return popen_slots; }
int lwcr_popen_slot_count(void) { return LWCR_POPEN_SLOTS; }
