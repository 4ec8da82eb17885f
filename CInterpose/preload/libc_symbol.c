// The address of a libc function that lwcr interposes but must still call
// (wordexp): looked up in libc.so.6's own dynamic symbol table, found with
// dl_iterate_phdr, since dlsym(RTLD_NEXT) would bind dlsym@GLIBC_2.34 (or
// need libdl), and a versioned reference to libc's symbol would bind back
// to our own definition. Not on the launch path: dl_iterate_phdr locks.
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include "lwcr_state.h"

// glibc relocates the dynamic section's addresses in place, except where
// the section is read-only (some architectures): take either.
static uintptr_t address(ElfW(Addr) base, ElfW(Addr) value) {
    return value < base ? base + value : value;
}

static uint32_t gnu_hash(const char *s) {
    uint32_t h = 5381;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) h = h * 33 + *p;
    return h;
}

static void *lookup(ElfW(Addr) base, const ElfW(Dyn) *dynamic, const char *name) {
    const ElfW(Sym) *symbols = 0;
    const char *strings = 0;
    const uint32_t *hash = 0;
    const ElfW(Half) *versions = 0;
    for (const ElfW(Dyn) *d = dynamic; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_SYMTAB) symbols = (const ElfW(Sym) *)address(base, d->d_un.d_ptr);
        if (d->d_tag == DT_STRTAB) strings = (const char *)address(base, d->d_un.d_ptr);
        if (d->d_tag == DT_GNU_HASH) hash = (const uint32_t *)address(base, d->d_un.d_ptr);
        if (d->d_tag == DT_VERSYM) versions = (const ElfW(Half) *)address(base, d->d_un.d_ptr);
    }
    if (!symbols || !strings || !hash) return 0;
    uint32_t buckets = hash[0], offset = hash[1], words = hash[2];
    const uint32_t *bucket = hash + 4 + words * (sizeof(ElfW(Addr)) / 4);
    const uint32_t *chain = bucket + buckets - offset;
    uint32_t h = gnu_hash(name);
    for (uint32_t i = bucket[h % buckets]; i >= offset && i != 0; i++) {
        if ((chain[i] | 1) == (h | 1)) {
            const ElfW(Sym) *s = &symbols[i];
            // The default version: not hidden (an older, compat version is).
            int hidden = versions && (versions[i] & 0x8000);
            if (!hidden && s->st_shndx != SHN_UNDEF && s->st_value != 0 && strcmp(strings + s->st_name, name) == 0)
                return (void *)(base + s->st_value);
        }
        if (chain[i] & 1) break;
    }
    return 0;
}

struct search { const char *name; void *found; };

static int visit(struct dl_phdr_info *info, size_t size, void *context) {
    (void)size;
    struct search *s = context;
    const char *base = info->dlpi_name ? strrchr(info->dlpi_name, '/') : 0;
    base = base ? base + 1 : info->dlpi_name;
    if (!base || strncmp(base, "libc.so.", 8) != 0) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC) {
            s->found = lookup(info->dlpi_addr, (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr), s->name);
            break;
        }
    }
    return 1;
}

void *lwcr_libc_symbol(const char *name) {
    struct search s = {name, 0};
    dl_iterate_phdr(visit, &s);
    return s.found;
}
