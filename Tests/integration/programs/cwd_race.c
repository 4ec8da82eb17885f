// A relative launch while another thread changes the working directory:
// `cwd_race A B MARKER` starts a thread that switches between directories
// A and B, then, from A or B, executes ./tool MARKER.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

extern char **environ;
static char *dirs[2];
static volatile int flips;

static void *flipper(void *unused) {
    (void)unused;
    for (;;) {
        chdir(dirs[0]);
        chdir(dirs[1]);
        flips++;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s A B MARKER\n", argv[0]); return 64; }
    dirs[0] = argv[1];
    dirs[1] = argv[2];
    chdir(dirs[0]);
    pthread_t t;
    pthread_create(&t, 0, flipper, 0);
    while (flips < 10) { }
    char *args[] = {"./tool", argv[3], 0};
    execve("./tool", args, environ);
    printf("result: errno=%d\n", errno);
    return 2;
}
