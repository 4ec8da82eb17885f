// Shared by the launch_* programs: each launches argv[1] (with argv[2] as
// its one argument) through one libc entry point and prints one line,
// `result: errno=N` when the launch failed or `result: status=N` with the
// child's exit status, so the tests can tell a denial from a run.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static inline int usage(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s TARGET ARG\n", argv[0]);
        exit(64);
    }
    return 0;
}

static inline int launch_failed(int e) {
    printf("result: errno=%d\n", e);
    fflush(stdout);
    return 2;
}

static inline int report_status(int status) {
    if (WIFEXITED(status)) printf("result: status=%d\n", WEXITSTATUS(status));
    else printf("result: signal=%d\n", WTERMSIG(status));
    fflush(stdout);
    return 0;
}

static inline int wait_for(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return launch_failed(errno);
    return report_status(status);
}

// "TARGET ARG" for system() and popen().
static inline const char *command_line(char **argv) {
    static char buf[8192];
    snprintf(buf, sizeof buf, "%s %s", argv[1], argv[2]);
    return buf;
}
