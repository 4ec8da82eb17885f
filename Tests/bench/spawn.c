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
    // BENCH_CHILD_PRELOAD: only the child gets the preload (and
    // BENCH_CHILD_POLICY its policy): the cost of a process that launches nothing.
    char **envp = environ;
    const char *child = getenv("BENCH_CHILD_PRELOAD");
    if (child) {
        static char preload[4096], policy[4096];
        size_t n = 0;
        while (environ[n]) n++;
        envp = calloc(n + 3, sizeof *envp);
        for (size_t i = 0; i < n; i++) envp[i] = environ[i];
        snprintf(preload, sizeof preload, "LD_PRELOAD=%s", child);
        envp[n] = preload;
        const char *p = getenv("BENCH_CHILD_POLICY");
        if (p) { snprintf(policy, sizeof policy, "LWCR_POLICY=%s", p); envp[n + 1] = policy; }
    }
    for (int i = 0; i < count; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        pid_t pid;
        if (posix_spawn(&pid, argv[1], 0, 0, args, envp) != 0) { perror("posix_spawn"); return 1; }
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
