#include "launch.h"
int main(int argc, char **argv) {
    usage(argc, argv);
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) return launch_failed(errno);
    fexecve(fd, argv + 1, environ);
    return launch_failed(errno);
}
