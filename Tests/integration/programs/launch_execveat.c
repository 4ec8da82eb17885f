#include "launch.h"
int main(int argc, char **argv) {
    usage(argc, argv);
    execveat(AT_FDCWD, argv[1], argv + 1, environ, 0);
    return launch_failed(errno);
}
