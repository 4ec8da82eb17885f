// pidfd_spawn (glibc 2.39) through whatever defines it in this process:
// the library defines it whatever the running glibc, so it is looked up
// with dlsym rather than linked against. Usage: launch_pidfd_spawn TARGET ARG
#include "launch.h"
#include <dlfcn.h>
#include <poll.h>
#include <sys/syscall.h>

typedef int (*pidfd_spawn_fn)(int *, const char *, const posix_spawn_file_actions_t *,
                              const posix_spawnattr_t *, char *const[], char *const[]);

int main(int argc, char **argv) {
    usage(argc, argv);
    pidfd_spawn_fn spawn = (pidfd_spawn_fn)dlsym(RTLD_DEFAULT, "pidfd_spawn");
    if (!spawn) {
        printf("result: unavailable\n");
        return 3;
    }
    int pidfd = -1;
    int e = spawn(&pidfd, argv[1], 0, 0, argv + 1, environ);
    if (e != 0) return launch_failed(e);
    siginfo_t info;
    if (syscall(SYS_waitid, P_PIDFD, pidfd, &info, WEXITED, 0) != 0) return launch_failed(errno);
    printf("result: status=%d\n", info.si_status);
    return 0;
}
