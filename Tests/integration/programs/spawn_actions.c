// posix_spawn with the file actions that break naive exec-by-/proc/self/fd
// strategies: addclosefrom_np(3) closes every descriptor the child did not
// ask for, addchdir_np changes the directory a relative name resolves in.
// Usage: spawn_actions DIR RELATIVE-TARGET ARG
#include "launch.h"
int main(int argc, char **argv) {
    if (argc < 4) return 64;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, argv[1]);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawn_file_actions_addopen(&fa, 5, "/dev/null", O_RDONLY, 0);
    char *args[] = {argv[2], argv[3], 0};
    pid_t pid;
    int e = posix_spawn(&pid, argv[2], &fa, 0, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) return launch_failed(e);
    return wait_for(pid);
}
