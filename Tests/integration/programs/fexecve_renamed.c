// Opens PATH, renames it to PATH.old, then fexecve()s the descriptor: the
// file must not be judged by the name it was renamed to.
// Usage: fexecve_renamed PATH ARG
#include "launch.h"
int main(int argc, char **argv) {
    usage(argc, argv);
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) return launch_failed(errno);
    char renamed[4096];
    snprintf(renamed, sizeof renamed, "%s.old", argv[1]);
    if (rename(argv[1], renamed) != 0) return launch_failed(errno);
    fexecve(fd, argv + 1, environ);
    return launch_failed(errno);
}
