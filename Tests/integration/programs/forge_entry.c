// forge_entry FILE DIGEST-HEX DIR: writes DIR/<dev>-<ino>, a verification
// cache entry claiming FILE has DIGEST, in the format of
// Sources/LwcrCore/VerificationCache.swift ("LWC2": dev, ino, size, ctime,
// unique mount ID, boot_id, digest). For tests that forge entries.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4 || strlen(argv[2]) != 64) { fprintf(stderr, "usage: forge_entry FILE DIGEST-HEX DIR\n"); return 2; }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    uint64_t stx[32] = {0};
    if (fd < 0 || fstat(fd, &st) != 0 || syscall(SYS_statx, fd, "", AT_EMPTY_PATH, 0x4000, stx) != 0) { perror(argv[1]); return 1; }
    uint32_t mask;
    memcpy(&mask, stx, sizeof mask);
    if (!(mask & 0x4000)) { fprintf(stderr, "no unique mount id\n"); return 1; }
    unsigned char e[128] = {0};
    uint32_t magic = 0x3243574c;
    uint64_t v[6] = {st.st_dev, st.st_ino, (uint64_t)st.st_size, (uint64_t)st.st_ctim.tv_sec, (uint64_t)st.st_ctim.tv_nsec, 0};
    memcpy(&v[5], (char *)stx + 144, 8);
    memcpy(e, &magic, 4);
    memcpy(e + 8, v, sizeof v);
    int b = open("/proc/sys/kernel/random/boot_id", O_RDONLY);
    if (b < 0 || read(b, e + 56, 36) != 36) { perror("boot_id"); return 1; }
    for (int i = 0; i < 32; i++) { unsigned x; sscanf(argv[2] + 2 * i, "%2x", &x); e[96 + i] = (unsigned char)x; }
    char name[4096];
    snprintf(name, sizeof name, "%s/%llu-%llu", argv[3], (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    FILE *f = fopen(name, "wb");
    if (!f || fwrite(e, 1, sizeof e, f) != sizeof e || fclose(f) != 0) { perror(name); return 1; }
    return 0;
}
