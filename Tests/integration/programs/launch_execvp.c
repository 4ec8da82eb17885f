#include "launch.h"
int main(int argc, char **argv) {
    usage(argc, argv);
    execvp(argv[1], argv + 1);
    return launch_failed(errno);
}
