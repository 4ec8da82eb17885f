// Executes a program with the raw execve system call, which no preloaded
// library sees, after adding NAME=VALUE entries to the environment: how an
// attacker hands a setuid program an environment of their choosing.
// Usage: raw_exec [NAME=VALUE]... -- PROGRAM ARGS...
#include "launch.h"
#include <sys/syscall.h>

int main(int argc, char **argv) {
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (putenv(argv[i]) != 0) return launch_failed(errno);
    if (i + 1 >= argc) {
        fprintf(stderr, "usage: %s [NAME=VALUE]... -- PROGRAM ARGS...\n", argv[0]);
        return 64;
    }
    syscall(SYS_execve, argv[i + 1], argv + i + 1, environ);
    return launch_failed(errno);
}
