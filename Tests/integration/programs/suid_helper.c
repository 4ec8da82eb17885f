// Installed setuid root by the secure-mode tests and run by another user.
// `suid_helper probe` prints `euid=N secure=N` (getauxval(AT_SECURE));
// `suid_helper exec PROGRAM ARGS...` becomes root entirely (setuid(0)),
// then execve's PROGRAM with its own environment: a launch made by a
// setuid program, which the preloaded library judges in secure mode.
#include "launch.h"
#include <sys/auxv.h>

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "probe") == 0) {
        printf("euid=%d secure=%lu\n", (int)geteuid(), getauxval(AT_SECURE));
        return 0;
    }
    if (argc < 3 || strcmp(argv[1], "exec") != 0) {
        fprintf(stderr, "usage: %s probe | exec PROGRAM ARGS...\n", argv[0]);
        return 64;
    }
    if (setuid(0) != 0) return launch_failed(errno);
    execve(argv[2], argv + 2, environ);
    return launch_failed(errno);
}
