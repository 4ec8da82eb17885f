#include "launch.h"
int main(int argc, char **argv) {
    usage(argc, argv);
    pid_t pid;
    int e = posix_spawnp(&pid, argv[1], 0, 0, argv + 1, environ);
    if (e != 0) return launch_failed(e);
    return wait_for(pid);
}
