// Launches a file by an O_PATH descriptor: `opath_exec fexecve|execveat
// FILE [ARGS...]` opens FILE with O_PATH (not close-on-exec) and executes
// that descriptor with argv FILE ARGS; prints `result: errno=N` on failure.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s fexecve|execveat FILE [ARGS...]\n", argv[0]); return 64; }
    int fd = open(argv[2], O_PATH);
    if (fd < 0) { printf("result: open errno=%d\n", errno); return 2; }
    if (strcmp(argv[1], "fexecve") == 0) fexecve(fd, argv + 2, environ);
    else execveat(fd, "", argv + 2, environ, AT_EMPTY_PATH);
    printf("result: errno=%d\n", errno);
    return 2;
}
