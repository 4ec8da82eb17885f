#include "launch.h"
// A scrubbed environment: the requirement must follow the launch anyway.
int main(int argc, char **argv) {
    usage(argc, argv);
    char *envp[] = {"LWCR_TEST_SCRUBBED=1", 0};
    execle(argv[1], argv[1], argv[2], (char *)0, envp);
    return launch_failed(errno);
}
