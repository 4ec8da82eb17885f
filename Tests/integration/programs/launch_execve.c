#include "launch.h"
int main(int argc, char **argv) {
    usage(argc, argv);
    execve(argv[1], argv + 1, environ);
    return launch_failed(errno);
}
