// Launches from a small stack, as crash handlers and thread pools do:
//   small_stack thread KIB PROGRAM ARGS...  from a thread with a KIB stack
//   small_stack signal KIB PROGRAM ARGS...  from a SIGUSR1 handler on a KIB sigaltstack
// Each execve's PROGRAM with argv PROGRAM ARGS; prints `result: errno=N`
// if that fails. With `thread`, ARGS `@N` stands for N copies of "x".
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern char **environ;
static char **launch_argv;

static void launch(void) {
    execve(launch_argv[0], launch_argv, environ);
    printf("result: errno=%d\n", errno);
    fflush(stdout);
    _exit(2);
}

static void *thread_main(void *unused) { (void)unused; launch(); return 0; }
static void handler(int sig) { (void)sig; launch(); }

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s thread|signal KIB PROGRAM ARGS...\n", argv[0]); return 64; }
    size_t size = (size_t)atoi(argv[2]) << 10;
    int n = argc - 3;
    if (n == 2 && argv[4][0] == '@') n = 1 + atoi(argv[4] + 1);
    launch_argv = calloc((size_t)n + 1, sizeof *launch_argv);
    launch_argv[0] = argv[3];
    for (int i = 1; i < n; i++) launch_argv[i] = argc - 3 == n ? argv[3 + i] : "x";
    if (strcmp(argv[1], "thread") == 0) {
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setstacksize(&a, size);
        pthread_t t;
        if (pthread_create(&t, &a, thread_main, 0) != 0) { printf("result: cannot create thread\n"); return 2; }
        pthread_join(t, 0);
        return 2;
    }
    stack_t ss = {.ss_sp = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), .ss_size = size};
    if (sigaltstack(&ss, 0) != 0) { printf("result: sigaltstack errno=%d\n", errno); return 2; }
    struct sigaction sa = {.sa_handler = handler, .sa_flags = SA_ONSTACK};
    sigaction(SIGUSR1, &sa, 0);
    raise(SIGUSR1);
    return 2;
}
