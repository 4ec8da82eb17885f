// execv(argv[1], argv + 1): launches a program with any arguments (for the
// dynamic loader run directly).
#include "launch.h"
int main(int argc, char **argv) {
    if (argc < 2) return 64;
    execv(argv[1], argv + 1);
    return launch_failed(errno);
}
