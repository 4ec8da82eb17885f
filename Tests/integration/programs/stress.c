// stress TARGET ITERATIONS
//
// Proves that launching from a multithreaded program neither deadlocks nor
// fails while other threads hold libc's locks: the launch path, run in a
// vfork child (which shares memory with threads that keep running) and in
// a fork child (which inherits locks whose owners do not exist in it), must
// take no lock another thread can hold — the heap's above all.
//
// Four threads loop until told to stop: malloc and free of random sizes
// (from small to mmap-sized), getenv, snprintf into a buffer, and a write
// through a stdio stream on /dev/null (glibc's fork takes the stdio list
// and heap locks, and fork children reinitialise them). Meanwhile the main
// thread launches TARGET ITERATIONS times, alternating vfork + execve and
// fork + execve, waiting for each child; the first launch, which loads the
// policy, is a vfork child's. A child that could not execute exits 127.
//
// Prints the counts; exits 0 only if every launch ran and exited 0. If
// killed by SIGTERM (timeout(1)'s, on a deadlock) it first prints which
// iteration and child it was waiting for, and the child's state, and kills
// that child so that it does not outlive the test.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4

extern char **environ;

static atomic_int stop;
static atomic_long thread_rounds;

// What the main thread is doing, for the SIGTERM report.
static volatile sig_atomic_t current_iteration = -1;
static volatile sig_atomic_t current_child = 0;
static volatile sig_atomic_t current_mode = 0; // 1 vfork, 2 fork

static void *churn(void *arg) {
    unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u;
    void *held[16] = {0};
    char buf[256];
    FILE *null = fopen("/dev/null", "w");
    long rounds = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        int slot = rand_r(&seed) % 16;
        free(held[slot]);
        int r = rand_r(&seed);
        // Mostly small, sometimes large enough for mmap (over 128 KiB).
        size_t size = r % 8 == 0 ? 131072 + (size_t)(r % 262144) : 1 + (size_t)(r % 4096);
        held[slot] = malloc(size);
        if (held[slot]) memset(held[slot], r & 0xff, size < 64 ? size : 64);
        const char *path = getenv("PATH");
        snprintf(buf, sizeof buf, "%d %s %p %.3f", r, path ? path : "-", held[slot], r / 7.0);
        if (null) fputs(buf, null);
        rounds++;
    }
    for (int i = 0; i < 16; i++) free(held[i]);
    if (null) fclose(null);
    atomic_fetch_add(&thread_rounds, rounds);
    return NULL;
}

static void append(char *out, size_t *n, size_t cap, const char *s) {
    while (*s && *n + 1 < cap) out[(*n)++] = *s++;
}

static void append_number(char *out, size_t *n, size_t cap, long v) {
    char digits[24];
    int k = 0;
    if (v < 0) { append(out, n, cap, "-"); v = -v; }
    do { digits[k++] = (char)('0' + v % 10); v /= 10; } while (v && k < 23);
    while (k > 0 && *n + 1 < cap) out[(*n)++] = digits[--k];
}

// Async-signal-safe: says where the main thread was stuck, and the state
// line and kernel wait channel of the child it was waiting for.
static void on_term(int sig) {
    char msg[1024];
    size_t n = 0;
    long child = current_child;
    append(msg, &n, sizeof msg, "stress: terminated during iteration ");
    append_number(msg, &n, sizeof msg, current_iteration);
    append(msg, &n, sizeof msg, current_mode == 1 ? " (vfork + execve)" : current_mode == 2 ? " (fork + execve)" : "");
    append(msg, &n, sizeof msg, ", waiting for child ");
    append_number(msg, &n, sizeof msg, child);
    append(msg, &n, sizeof msg, "\n");
    if (child > 0) {
        static const char *files[] = {"stat", "wchan"};
        for (int f = 0; f < 2; f++) {
            char path[64];
            size_t p = 0;
            append(path, &p, sizeof path, "/proc/");
            append_number(path, &p, sizeof path, child);
            append(path, &p, sizeof path, "/");
            append(path, &p, sizeof path, files[f]);
            path[p] = 0;
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            append(msg, &n, sizeof msg, "stress: child ");
            append(msg, &n, sizeof msg, files[f]);
            append(msg, &n, sizeof msg, ": ");
            size_t room = n + 2 < sizeof msg ? sizeof msg - n - 2 : 0;
            ssize_t r = room > 0 ? read(fd, msg + n, room) : 0;
            close(fd);
            if (r > 0) n += (size_t)r;
            append(msg, &n, sizeof msg, "\n");
        }
        kill((pid_t)child, SIGKILL);
    }
    (void)!write(2, msg, n);
    signal(sig, SIG_DFL);
    raise(sig);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s TARGET ITERATIONS\n", argv[0]);
        return 2;
    }
    char *target = argv[1];
    long iterations = strtol(argv[2], NULL, 10);
    if (iterations <= 0) {
        fprintf(stderr, "stress: ITERATIONS must be a positive number\n");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);

    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        int e = pthread_create(&threads[i], NULL, churn, (void *)(uintptr_t)(i + 1));
        if (e != 0) {
            fprintf(stderr, "stress: pthread_create: %s\n", strerror(e));
            return 2;
        }
    }
    // Let the threads get going before the first launch.
    usleep(20000);

    char *child_argv[] = {target, NULL};
    long ok[2] = {0, 0}, tried[2] = {0, 0};
    int failed[2] = {0, 0}, first_failure[2] = {0, 0};
    for (long i = 0; i < iterations; i++) {
        int use_fork = (int)(i % 2);
        current_iteration = (sig_atomic_t)i;
        current_mode = use_fork ? 2 : 1;
        current_child = 0;
        pid_t pid = use_fork ? fork() : vfork();
        if (pid == 0) {
            // Our own test scaffolding, not the library's launch path: a
            // child stuck in a deadlock must not outlive this process.
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            execve(target, child_argv, environ);
            _exit(127);
        }
        tried[use_fork]++;
        int status = -1;
        if (pid > 0) {
            current_child = pid;
            while (waitpid(pid, &status, 0) < 0) {
                if (errno != EINTR) { status = -1; break; }
            }
        }
        if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) ok[use_fork]++;
        else if (!failed[use_fork]++) first_failure[use_fork] = status;
    }
    current_child = 0;

    atomic_store(&stop, 1);
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);

    printf("stress: vfork+execve ok=%ld/%ld fork+execve ok=%ld/%ld (threads: %d, %ld rounds)\n", ok[0], tried[0],
           ok[1], tried[1], THREADS, atomic_load(&thread_rounds));
    for (int m = 0; m < 2; m++) {
        if (!failed[m]) continue;
        int s = first_failure[m];
        printf("stress: first %s failure: ", m ? "fork+execve" : "vfork+execve");
        if (s == -1) printf("no child or no status\n");
        else if (WIFEXITED(s)) printf("exited %d%s\n", WEXITSTATUS(s), WEXITSTATUS(s) == 127 ? " (execve failed)" : "");
        else printf("killed by signal %d\n", WTERMSIG(s));
    }
    return ok[0] == tried[0] && ok[1] == tried[1] ? 0 : 1;
}
