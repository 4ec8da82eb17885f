// glibc's other names for popen and system:
//   io_popen popen COMMAND    runs COMMAND through _IO_popen and prints what it read
//   io_popen system COMMAND   runs COMMAND through __libc_system (GLIBC_PRIVATE,
//                             so found with dlsym) and prints `system=S`
// A failure prints `result: errno=N`.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

extern FILE *_IO_popen(const char *, const char *);

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s popen|system COMMAND\n", argv[0]); return 64; }
    if (strcmp(argv[1], "system") == 0) {
        int (*libc_system)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "__libc_system");
        if (!libc_system) { printf("result: no __libc_system\n"); return 2; }
        printf("system=%d\n", libc_system(argv[2]));
        return 0;
    }
    FILE *f = _IO_popen(argv[2], "r");
    if (!f) { printf("result: errno=%d\n", errno); return 2; }
    char line[256];
    while (fgets(line, sizeof line, f)) printf("read: %s", line);
    printf("status=%d\n", pclose(f));
    return 0;
}
