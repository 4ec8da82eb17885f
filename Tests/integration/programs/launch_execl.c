#include "launch.h"
int main(int argc, char **argv) {
    usage(argc, argv);
    execl(argv[1], argv[1], argv[2], (char *)0);
    return launch_failed(errno);
}
