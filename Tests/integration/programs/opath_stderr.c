// Makes standard error an O_PATH descriptor of FILE, which needs no
// permission on FILE at all, then executes PROGRAM with the raw system
// call: how an attacker hands a setuid program a "stderr" that names a
// file only root may write (a root-only FIFO, /dev/kmsg).
// Usage: opath_stderr FILE PROGRAM ARGS...
#define _GNU_SOURCE
#include "launch.h"
#include <fcntl.h>
#include <sys/syscall.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s FILE PROGRAM ARGS...\n", argv[0]);
        return 64;
    }
    int fd = open(argv[1], O_PATH | O_CLOEXEC);
    if (fd < 0 || dup2(fd, 2) != 2) return launch_failed(errno);
    syscall(SYS_execve, argv[2], argv + 2, environ);
    return launch_failed(errno);
}
