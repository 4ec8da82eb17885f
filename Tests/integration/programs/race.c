// race PATH GOOD BAD COUNT
//
// Proves that swapping the launched file while it is being launched never
// runs a file the policy refused: what is checked is what is executed.
//
// GOOD (a copy of /bin/true, exits 0) is what the policy pins PATH to; BAD
// exits 42. A swapper child replaces PATH as fast as it can, alternately by
// GOOD and by BAD: it hard-links the file to a temporary name in PATH's
// directory and rename(2)s that over PATH, so PATH always exists and its
// content flips between the two. Meanwhile this process launches PATH COUNT
// times, half with posix_spawn and half with fork + execve, and tallies each
// launch: exited 0 (GOOD ran), exited 42 (BAD RAN: the check and the exec
// saw different files), denied with EACCES (BAD was checked and refused), or
// anything else. A fork child reports a failed execve through a
// close-on-exec pipe, so a denial is told apart from a program's exit code.
//
// Prints the tallies on one line; exits 1 if BAD ever ran, 2 on a usage or
// setup error, 0 otherwise. The caller judges whether the race was really
// exercised (at least one good run and at least one denial).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum { GOOD_RAN, BAD_RAN, DENIED, OTHER, OUTCOMES };
enum { VIA_SPAWN, VIA_EXECVE, METHODS };

static const char *method_names[METHODS] = {"posix_spawn", "fork+execve"};

// Puts `from` at `path` atomically: link to `tmp`, then rename over `path`.
static int install(const char *from, const char *tmp, const char *path) {
    if (link(from, tmp) != 0) {
        if (errno != EEXIST) return -1;
        // A leftover temporary name (rename of a name onto another link to
        // the same inode does nothing and leaves both): drop it, try again.
        if (unlink(tmp) != 0 && errno != ENOENT) return -1;
        if (link(from, tmp) != 0) return -1;
    }
    return rename(tmp, path);
}

static void swapper(const char *path, const char *good, const char *bad, const char *tmp) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (;;) {
        if (install(bad, tmp, path) != 0 || install(good, tmp, path) != 0) {
            fprintf(stderr, "race: swapper: %s\n", strerror(errno));
            _exit(3);
        }
    }
}

// Launches path once; returns the outcome and stores an errno for OTHER.
static int launch(int method, const char *path, int *other) {
    char *argv[] = {(char *)path, NULL};
    pid_t pid;
    int status;
    *other = 0;
    if (method == VIA_SPAWN) {
        int e = posix_spawn(&pid, path, NULL, NULL, argv, environ);
        if (e == EACCES) return DENIED;
        if (e != 0) { *other = e; return OTHER; }
    } else {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) { *other = errno; return OTHER; }
        pid = fork();
        if (pid < 0) { *other = errno; close(p[0]); close(p[1]); return OTHER; }
        if (pid == 0) {
            close(p[0]);
            execve(path, argv, environ);
            int e = errno;
            (void)!write(p[1], &e, sizeof e);
            _exit(127);
        }
        close(p[1]);
        int e = 0;
        ssize_t n;
        while ((n = read(p[0], &e, sizeof e)) < 0 && errno == EINTR) {}
        close(p[0]);
        if (n == (ssize_t)sizeof e) {
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
            if (e == EACCES) return DENIED;
            *other = e;
            return OTHER;
        }
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) { *other = errno; return OTHER; }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return GOOD_RAN;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 42) return BAD_RAN;
    *other = WIFEXITED(status) ? 1000 + WEXITSTATUS(status) : 2000 + WTERMSIG(status);
    return OTHER;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s PATH GOOD BAD COUNT\n", argv[0]);
        return 2;
    }
    const char *path = argv[1], *good = argv[2], *bad = argv[3];
    long count = strtol(argv[4], NULL, 10);
    if (count <= 0) {
        fprintf(stderr, "race: COUNT must be a positive number\n");
        return 2;
    }
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.swap-%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        fprintf(stderr, "race: PATH too long\n");
        return 2;
    }
    // PATH exists (as GOOD) before the first launch and before the swapper.
    if (install(good, tmp, path) != 0) {
        fprintf(stderr, "race: cannot install %s at %s via %s: %s\n", good, path, tmp, strerror(errno));
        return 2;
    }

    fflush(NULL);
    pid_t swap = fork();
    if (swap < 0) {
        perror("race: fork");
        return 2;
    }
    if (swap == 0) swapper(path, good, bad, tmp);

    long tally[METHODS][OUTCOMES] = {{0}};
    int others[8];
    int nothers = 0;
    for (long i = 0; i < count; i++) {
        int method = (int)(i % 2);
        int other;
        int outcome = launch(method, path, &other);
        tally[method][outcome]++;
        if (outcome == OTHER && nothers < 8) others[nothers++] = other;
    }

    kill(swap, SIGKILL);
    int status;
    while (waitpid(swap, &status, 0) < 0 && errno == EINTR) {}
    unlink(tmp);
    int swapper_failed = WIFEXITED(status) && WEXITSTATUS(status) == 3;

    long total[OUTCOMES] = {0};
    for (int m = 0; m < METHODS; m++)
        for (int o = 0; o < OUTCOMES; o++) total[o] += tally[m][o];
    printf("race: launches=%ld good=%ld bad=%ld denied=%ld other=%ld", count, total[GOOD_RAN], total[BAD_RAN],
           total[DENIED], total[OTHER]);
    for (int m = 0; m < METHODS; m++)
        printf(" | %s: good=%ld bad=%ld denied=%ld other=%ld", method_names[m], tally[m][GOOD_RAN], tally[m][BAD_RAN],
               tally[m][DENIED], tally[m][OTHER]);
    printf("\n");
    if (nothers > 0) {
        // Codes: an errno, or 1000 + an exit status, or 2000 + a signal.
        printf("race: first other outcomes:");
        for (int k = 0; k < nothers; k++) printf(" %d", others[k]);
        printf("\n");
    }
    if (swapper_failed) printf("race: the swapper stopped early (see stderr)\n");
    if (total[BAD_RAN] > 0) {
        printf("race: FAIL: BAD ran %ld times\n", total[BAD_RAN]);
        return 1;
    }
    return 0;
}
