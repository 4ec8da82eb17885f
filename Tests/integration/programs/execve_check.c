// Asks execveat(..., AT_EXECVE_CHECK) whether PATH may be executed and
// prints `result: errno=N` or `result: status=0` (allowed; nothing ran).
#include "launch.h"
int main(int argc, char **argv) {
    if (argc < 2) return 64;
    char *none[] = {0};
    if (execveat(AT_FDCWD, argv[1], none, none, 0x10000) != 0) return launch_failed(errno);
    printf("result: status=0\n");
    return 0;
}
