// C for the LaunchRequirements product only (SwiftPM builds it; the
// Makefile's library and command do not link it, so that they bind no
// glibc symbol newer than they must).
#define _GNU_SOURCE
#include "lwcr_sys.h"
#include <spawn.h>
#include <sys/syscall.h>
#include <unistd.h>

// 0 while the process a pidfd refers to has not ended, else -errno
// (LaunchRequirements: its PID cannot have been reused meanwhile).
int lwcr_pidfd_alive(int pidfd) {
    return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 ? 0 : -errno;
}

// posix_spawn_file_actions_addchdir_np (glibc 2.29) is a GNU extension
// Swift's Glibc module does not declare.
int lwcr_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *dir) {
    return posix_spawn_file_actions_addchdir_np(actions, dir);
}
