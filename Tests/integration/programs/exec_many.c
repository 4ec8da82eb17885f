// Launches PATH COUNT times (fork, execve PATH with argv PATH MARKER-i),
// at most SECONDS seconds, and prints how many launches there were:
// `exec_many PATH MARKER COUNT SECONDS`. Each launch's own result is left
// to the launched program (a marker file), since a refusal is an exit 127.
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: %s PATH MARKER COUNT SECONDS\n", argv[0]); return 64; }
    int count = atoi(argv[3]);
    time_t end = time(0) + atoi(argv[4]);
    int i = 0;
    for (; i < count && time(0) < end; i++) {
        char marker[4096];
        snprintf(marker, sizeof marker, "%s-%d", argv[2], i);
        pid_t pid = fork();
        if (pid == 0) {
            char *args[] = {argv[1], marker, 0};
            execve(argv[1], args, environ);
            _exit(127);
        }
        int status;
        waitpid(pid, &status, 0);
    }
    printf("launches: %d\n", i);
    return 0;
}
