// Times COUNT launches of PROGRAM by posix_spawn + waitpid, each on its
// own, and prints the median in microseconds. Run under LD_PRELOAD, both
// this process (whose posix_spawn is then the library's) and each child
// (which loads the library at start) pay what a user would pay.
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: spawn PROGRAM COUNT\n");
        return 64;
    }
    int count = atoi(argv[2]);
    double *t = calloc((size_t)count, sizeof *t);
    char *args[] = {argv[1], 0};
    for (int i = 0; i < count; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        pid_t pid;
        if (posix_spawn(&pid, argv[1], 0, 0, args, environ) != 0) { perror("posix_spawn"); return 1; }
        int status;
        waitpid(pid, &status, 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "child failed\n"); return 1; }
        t[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
    }
    qsort(t, (size_t)count, sizeof *t, compare);
    printf("%.1f\n", t[count / 2]);
    return 0;
}
