// The syscall surface of lwcr, in one place.
//
// Why raw syscalls and not libc wrappers: the launch path runs in vfork
// children and in fork children of threaded programs, so it may only use
// async-signal-safe primitives; and the library must load on glibc 2.28, so
// it cannot bind to wrappers that glibc added later (fstat 2.33, execveat
// 2.34, close_range 2.34, getrandom 2.25 is fine but we stay uniform).
// `syscall()` itself is GLIBC_2.2.5.
//
// Convention: every function returns the result, or -errno on failure, so
// Swift never reads the thread-local errno.
#ifndef LWCR_SYS_H
#define LWCR_SYS_H

// No _GNU_SOURCE here: the hosted test build imports this header next to
// Glibc's module, and the two must see the same system headers. The few
// GNU constants we need are defined below.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#ifndef O_PATH
#define O_PATH 010000000
#endif
#ifndef POSIX_SPAWN_SETSID
#define POSIX_SPAWN_SETSID 0x80
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef CLONE_VM
#define CLONE_VM 0x00000100
#define CLONE_VFORK 0x00004000
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

// System calls newer than the glibc headers we build against may know, by
// their x86_64 numbers (fixed by the kernel's ABI).
#define LWCR_SYS_openat2 437
#define LWCR_SYS_faccessat2 439
#define LWCR_SYS_landlock_create_ruleset 444
#define LWCR_SYS_landlock_add_rule 445
#define LWCR_SYS_landlock_restrict_self 446
// execveat's "would you execute it?" flag (Linux 6.14).
#define LWCR_AT_EXECVE_CHECK 0x10000

static inline long lwcr_ret(long r) { return r == -1 ? -(long)errno : r; }

static inline int lwcr_openat(int dirfd, const char *path, int flags, int mode) {
    return (int)lwcr_ret(syscall(SYS_openat, dirfd, path, flags, mode));
}
static inline int lwcr_open(const char *path, int flags) {
    return lwcr_openat(AT_FDCWD, path, flags, 0);
}
static inline int lwcr_close(int fd) { return (int)lwcr_ret(syscall(SYS_close, fd)); }
static inline long lwcr_read(int fd, void *buf, size_t n) { return lwcr_ret(syscall(SYS_read, fd, buf, n)); }
static inline long lwcr_pread(int fd, void *buf, size_t n, long off) { return lwcr_ret(syscall(SYS_pread64, fd, buf, n, off)); }
static inline long lwcr_write(int fd, const void *buf, size_t n) { return lwcr_ret(syscall(SYS_write, fd, buf, n)); }
static inline int lwcr_fstat(int fd, struct stat *st) {
    return (int)lwcr_ret(syscall(SYS_newfstatat, fd, "", st, AT_EMPTY_PATH));
}
static inline int lwcr_fstatat(int dirfd, const char *path, struct stat *st, int flags) {
    return (int)lwcr_ret(syscall(SYS_newfstatat, dirfd, path, st, flags));
}
static inline long lwcr_readlink(const char *path, char *buf, size_t n) {
    return lwcr_ret(syscall(SYS_readlinkat, AT_FDCWD, path, buf, n));
}
// openat2(2) (Linux 5.6) with RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS:
// opens only if no component is a symlink. -ENOSYS on older kernels.
static inline int lwcr_openat2_nolinks(int dirfd, const char *path, int flags) {
    struct { uint64_t flags, mode, resolve; } how = {(uint64_t)(unsigned)flags, 0, 0x04 | 0x02};
    return (int)lwcr_ret(syscall(LWCR_SYS_openat2, dirfd, path, &how, sizeof how));
}
static inline long lwcr_getcwd_raw(char *buf, size_t n) { return lwcr_ret(syscall(SYS_getcwd, buf, n)); }
static inline long lwcr_readlinkat(int dirfd, const char *path, char *buf, size_t n) {
    return lwcr_ret(syscall(SYS_readlinkat, dirfd, path, buf, n));
}
// Whether the kernel would execute the file on `fd`: execveat with
// AT_EXECVE_CHECK (Linux 6.14) runs every check of an exec (mode, noexec
// mounts, Landlock, LSMs) and executes nothing. -EINVAL before 6.14.
static inline int lwcr_execve_check(int fd) {
    char *none[] = {0};
    return (int)lwcr_ret(syscall(SYS_execveat, fd, "", none, none, AT_EMPTY_PATH | LWCR_AT_EXECVE_CHECK));
}
// Before 6.14: execute permission for the effective ids (faccessat2, 5.8)...
static inline int lwcr_may_execute_mode(int fd) {
    return (int)lwcr_ret(syscall(LWCR_SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS));
}
// ...and a mount that allows execution. 1 when noexec, 0 when not, -errno.
static inline int lwcr_noexec_mount(int fd) {
    struct statfs s;
    if (syscall(SYS_fstatfs, fd, &s) != 0) return -errno;
    return (s.f_flags & 8 /* ST_NOEXEC, a GNU name */) ? 1 : 0;
}
// Facts about a file that need more than stat: the mount's flags, the
// inode's flags (chattr), file capabilities, the fs-verity digest.
static inline long lwcr_mount_flags(int fd) {
    struct statfs s;
    if (syscall(SYS_fstatfs, fd, &s) != 0) return -errno;
    return (long)s.f_flags;
}
static inline long lwcr_inode_flags(int fd) {
    int flags = 0;
    if (syscall(SYS_ioctl, fd, 0x80086601 /* FS_IOC_GETFLAGS */, &flags) != 0) return -errno;
    return (long)(unsigned)flags;
}
static inline long lwcr_capability_size(int fd) {
    return lwcr_ret(syscall(SYS_fgetxattr, fd, "security.capability", 0, 0));
}
// Writes the kernel-measured fs-verity digest of `fd` into `digest` (room
// for 64 bytes); returns its size, or -errno (EOPNOTSUPP, ENODATA, ENOTTY
// where the filesystem or file has no fs-verity).
static inline int lwcr_measure_verity(int fd, unsigned char *digest, unsigned *algorithm) {
    struct { unsigned short algorithm, size; unsigned char digest[64]; } d = {0, 64, {0}};
    if (syscall(SYS_ioctl, fd, 0xc0046686 /* FS_IOC_MEASURE_VERITY */, &d) != 0) return -errno;
    for (int i = 0; i < d.size && i < 64; i++) digest[i] = d.digest[i];
    *algorithm = d.algorithm;
    return d.size;
}
// A sealed in-memory copy (memfd_create 3.17, seals): once sealed against
// writes, shrinking and growing, no one can change what it holds.
static inline int lwcr_memfd(const char *name) {
    return (int)lwcr_ret(syscall(SYS_memfd_create, name, 0x0001U /* MFD_CLOEXEC */ | 0x0002U /* MFD_ALLOW_SEALING */));
}
static inline int lwcr_seal_all(int fd) {
    // F_ADD_SEALS (1033): F_SEAL_SEAL 1 | F_SEAL_SHRINK 2 | F_SEAL_GROW 4 | F_SEAL_WRITE 8
    return (int)lwcr_ret(syscall(SYS_fcntl, fd, 1033, 1 | 2 | 4 | 8));
}
static inline long lwcr_pwrite(int fd, const void *buf, size_t n, long off) { return lwcr_ret(syscall(SYS_pwrite64, fd, buf, n, off)); }
static inline long lwcr_getdents64(int fd, void *buf, size_t n) { return lwcr_ret(syscall(SYS_getdents64, fd, buf, n)); }
static inline int lwcr_execveat(int fd, const char *path, char *const *argv, char *const *envp, int flags) {
    return (int)lwcr_ret(syscall(SYS_execveat, fd, path, argv, envp, flags));
}
static inline void *lwcr_mmap(size_t len, int prot, int flags, int fd, long off) {
    long r = syscall(SYS_mmap, 0, len, prot, flags, fd, off);
    return r == -1 ? 0 : (void *)r;
}
// A mapping at exactly `addr` (MAP_FIXED_NOREPLACE: never over another),
// or NULL; a kernel before 4.17 ignores the flag and may answer another
// address, which the caller must unmap (Snapshot.swift).
static inline void *lwcr_mmap_at(void *addr, size_t len, int prot, int flags, int fd, long off) {
    long r = syscall(SYS_mmap, addr, len, prot, flags | 0x100000 /* MAP_FIXED_NOREPLACE */, fd, off);
    return r == -1 ? 0 : (void *)r;
}
static inline int lwcr_mmap_errno(void) { return errno; }
static inline int lwcr_mprotect(void *p, size_t len, int prot) { return (int)lwcr_ret(syscall(SYS_mprotect, p, len, prot)); }
static inline int lwcr_munmap(void *p, size_t len) { return (int)lwcr_ret(syscall(SYS_munmap, p, len)); }
static inline int lwcr_getfd(int fd) { return (int)lwcr_ret(syscall(SYS_fcntl, fd, F_GETFD)); }
static inline int lwcr_getfl(int fd) { return (int)lwcr_ret(syscall(SYS_fcntl, fd, F_GETFL)); }
static inline int lwcr_setfd(int fd, int flags) { return (int)lwcr_ret(syscall(SYS_fcntl, fd, F_SETFD, flags)); }
static inline int lwcr_dupfd(int fd, int minimum) { return (int)lwcr_ret(syscall(SYS_fcntl, fd, F_DUPFD, minimum)); }
static inline int lwcr_dupfd_cloexec(int fd, int minimum) { return (int)lwcr_ret(syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, minimum)); }
static inline int lwcr_dup2(int fd, int newfd) { return (int)lwcr_ret(syscall(SYS_dup2, fd, newfd)); }
static inline int lwcr_chdir(const char *path) { return (int)lwcr_ret(syscall(SYS_chdir, path)); }
static inline int lwcr_fchdir(int fd) { return (int)lwcr_ret(syscall(SYS_fchdir, fd)); }
static inline int lwcr_close_range(unsigned first, unsigned last) { return (int)lwcr_ret(syscall(SYS_close_range, first, last, 0)); }
static inline int lwcr_faccessat(int dirfd, const char *path, int mode) { return (int)lwcr_ret(syscall(SYS_faccessat, dirfd, path, mode)); }
static inline int lwcr_getuid(void) { return (int)syscall(SYS_getuid); }
static inline int lwcr_getgid(void) { return (int)syscall(SYS_getgid); }
static inline int lwcr_geteuid(void) { return (int)syscall(SYS_geteuid); }
static inline int lwcr_getpid(void) { return (int)syscall(SYS_getpid); }
static inline int lwcr_gettid(void) { return (int)syscall(SYS_gettid); }
static inline int lwcr_sigaltstack_query(stack_t *current) { return (int)lwcr_ret(syscall(SYS_sigaltstack, 0, current)); }
static inline int lwcr_getrlimit_stack(struct rlimit *limit) { return (int)lwcr_ret(syscall(SYS_getrlimit, RLIMIT_STACK, limit)); }
static inline int lwcr_setsid(void) { return (int)lwcr_ret(syscall(SYS_setsid)); }
static inline int lwcr_setpgid(int pid, int pgid) { return (int)lwcr_ret(syscall(SYS_setpgid, pid, pgid)); }
static inline int lwcr_getpgid(int pid) { return (int)lwcr_ret(syscall(SYS_getpgid, pid)); }
static inline int lwcr_seteuid_raw(int uid) { return (int)lwcr_ret(syscall(SYS_setresuid, -1, uid, -1)); }
static inline int lwcr_setegid_raw(int gid) { return (int)lwcr_ret(syscall(SYS_setresgid, -1, gid, -1)); }
static inline int lwcr_sched_setscheduler(int policy, const struct sched_param *p) {
    return (int)lwcr_ret(syscall(SYS_sched_setscheduler, 0, policy, p));
}
static inline int lwcr_sched_setparam(const struct sched_param *p) { return (int)lwcr_ret(syscall(SYS_sched_setparam, 0, p)); }
static inline int lwcr_tcsetpgrp(int fd, int pgrp) { return (int)lwcr_ret(syscall(SYS_ioctl, fd, TIOCSPGRP, &pgrp)); }
static inline int lwcr_wait4(int pid, int *status, int options) { return (int)lwcr_ret(syscall(SYS_wait4, pid, status, options, 0)); }
static inline int lwcr_pipe2(int fds[2], int flags) { return (int)lwcr_ret(syscall(SYS_pipe2, fds, flags)); }
static inline void lwcr_exit(int status) { syscall(SYS_exit_group, status); __builtin_unreachable(); }
static inline long lwcr_getrandom(void *buf, size_t n, unsigned flags) { return lwcr_ret(syscall(SYS_getrandom, buf, n, flags)); }
static inline int lwcr_kill(int pid, int sig) { return (int)lwcr_ret(syscall(SYS_kill, pid, sig)); }

// The kernel's sigset is 64 bits on every Linux ABI we build for; glibc's
// sigset_t is larger, so pass the kernel size explicitly.
static inline int lwcr_sigprocmask(int how, const sigset_t *set, sigset_t *old) {
    return (int)lwcr_ret(syscall(SYS_rt_sigprocmask, how, set, old, 8));
}
static inline void lwcr_sigfillset(sigset_t *s) { sigfillset(s); }
static inline void lwcr_sigemptyset(sigset_t *s) { sigemptyset(s); }
static inline void lwcr_sigaddset(sigset_t *s, int sig) { sigaddset(s, sig); }
static inline bool lwcr_sigismember(const sigset_t *s, int sig) { return sigismember(s, sig) == 1; }

// errno and environ are macros or globals Swift cannot name portably.
static inline void lwcr_set_errno(int e) { errno = e; }
static inline int lwcr_get_errno(void) { return errno; }
extern char **environ;
static inline char **lwcr_environ(void) { return environ; }

// C11 atomics: lock-free publication of the loaded policy.
static inline void *lwcr_atomic_load_ptr(void *const *p) { return __atomic_load_n((void **)p, __ATOMIC_ACQUIRE); }
static inline bool lwcr_atomic_cas_ptr(void **p, void *expected, void *desired) {
    return __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
// The word a compiled snapshot's publisher sets when it supersedes it.
static inline uint32_t lwcr_atomic_load_u32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline long lwcr_atomic_add(long *p, long v) { return __atomic_add_fetch(p, v, __ATOMIC_ACQ_REL); }

// Signal dispositions, through the kernel's own struct (glibc's sigaction is
// not async-signal-safe-by-contract in a vfork child and adds SA_RESTORER).
bool lwcr_sig_has_handler(int sig);
int lwcr_sig_set_default(int sig);
int lwcr_sig_set_ignored(int sig);
int lwcr_sig_set_ignore(int sig, bool ignore, void **saved);
int lwcr_sig_restore(int sig, void *const *saved);
// lwcr run (CInterpose/cli/main.c, the command only): TERM, INT, HUP,
// QUIT, USR1, USR2 and WINCH sent to lwcr by another process go on to
// `child`; a terminal's own go to the child already.
// Held from before fork until the handlers are in place (the child
// releases them before it executes the program).
void lwcr_forward_signals_hold(void);
void lwcr_forward_signals_release(void);
int lwcr_forward_signals(int child);
void lwcr_forward_signals_stop(void);
// system(3)'s SIGINT/SIGQUIT handling, as glibc does it: the first of
// concurrent callers ignores them and the last restores them; a signal the
// caller already ignored stays ignored in the child (reset_* = 0).
void lwcr_system_signals_enter(int *reset_int, int *reset_quit);
void lwcr_system_signals_leave(void);

// clone(2) is variadic in glibc: wrap it. Starts `fn(arg)` on `stack_top`
// sharing our memory, and returns once the child has exec'd or exited.
int lwcr_clone_vfork(int (*fn)(void *), void *stack_top, void *arg, int extra_flags, int *pidfd);

// glibc's private layout of posix_spawn_file_actions_t entries (posix/
// spawn_int.h), stable since 2.3 with tags appended in 2.29, 2.34, 2.35. We
// must read it to apply the caller's file actions in our own child; the
// tags and sizes are checked against the running glibc by the
// spawn_file_actions_layout test (Tests/integration/programs/spawn_layout.c).
enum lwcr_spawn_tag {
    lwcr_spawn_do_close, lwcr_spawn_do_dup2, lwcr_spawn_do_open,
    lwcr_spawn_do_chdir, lwcr_spawn_do_fchdir, lwcr_spawn_do_closefrom,
    lwcr_spawn_do_tcsetpgrp,
};
struct lwcr_spawn_action {
    int tag;
    union {
        struct { int fd; } close_action;
        struct { int fd; int newfd; } dup2_action;
        struct { int fd; const char *path; int oflag; mode_t mode; } open_action;
        struct { const char *path; } chdir_action;
        struct { int fd; } fchdir_action;
        struct { int from; } closefrom_action;
        struct { int fd; } setpgrp_action;
    } action;
};
static inline int lwcr_file_actions_count(const posix_spawn_file_actions_t *fa) { return fa ? fa->__used : 0; }
static inline const struct lwcr_spawn_action *lwcr_file_actions(const posix_spawn_file_actions_t *fa) {
    return fa ? (const struct lwcr_spawn_action *)fa->__actions : 0;
}

// Landlock (Linux 5.13+) has no glibc wrappers: raw system calls. Only
// LANDLOCK_ACCESS_FS_EXECUTE (1) is handled: lwcr restricts where programs
// may be executed from, nothing else.
static inline int lwcr_landlock_abi(void) { return (int)lwcr_ret(syscall(LWCR_SYS_landlock_create_ruleset, 0, 0, 1)); }
static inline int lwcr_landlock_execute_ruleset(void) {
    struct { uint64_t handled_access_fs; } attr = {1};
    return (int)lwcr_ret(syscall(LWCR_SYS_landlock_create_ruleset, &attr, sizeof attr, 0));
}
static inline int lwcr_landlock_allow_execute_beneath(int ruleset, int dirfd) {
    struct __attribute__((packed)) { uint64_t allowed_access; int32_t parent_fd; } rule = {1, dirfd};
    return (int)lwcr_ret(syscall(LWCR_SYS_landlock_add_rule, ruleset, 1, &rule, 0));
}
int lwcr_landlock_restrict_self(int ruleset);

// Where `make install` puts the library (LIBDIR), for a lwcr command that
// cannot find it beside itself (no /proc in a bare chroot).
const char *lwcr_installed_library(void);
/// The version, one source for the command and the library (the Makefile's
/// VERSION); in the library's bytes it follows LWCR_VERSION_MARK.
#define LWCR_VERSION_MARK "@(#)lwcr "
const char *lwcr_version(void);
const char *lwcr_version_mark(void);
// hosted.c: for the LaunchRequirements product only.
int lwcr_pidfd_alive(int pidfd);
int lwcr_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *dir);

// SHA-256 compression with the x86 SHA extensions (CInterpose/sha256_ni.c).
int lwcr_sha256_accelerated(void);
void lwcr_sha256_force_portable(int portable);
void lwcr_sha256_ni_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

// The built-in verification cache directory (CACHEDIR: /var/cache/lwcr).
const char *lwcr_cache_builtin(void);

// Secure-execution mode (getauxval(AT_SECURE): setuid, setgid, file
// capabilities): the environment is the caller's, who may be less
// privileged, so no LWCR_* setting is taken from it.
bool lwcr_secure_execution(void);

// Whether no one has the file open for writing (a writable shared mapping
// counts): true when a read lease can be taken, which the kernel refuses
// while any writer exists; the lease is dropped at once. False when leases
// are unavailable (not root, fs.leases-enable=0, a filesystem without them).
bool lwcr_no_writers(int fd);

// The mount's 64-bit ID, unique until reboot (statx STATX_MNT_ID_UNIQUE,
// Linux 6.8+), or -errno. Mount IDs without it are reused.
int lwcr_unique_mount_id(int fd, uint64_t *id);

static inline int lwcr_sleep_ns(long ns) {
    struct timespec t = {ns / 1000000000L, ns % 1000000000L};
    return (int)lwcr_ret(syscall(SYS_nanosleep, &t, 0));
}
static inline int lwcr_clock_realtime(struct timespec *t) { return (int)lwcr_ret(syscall(SYS_clock_gettime, 0, t)); }
static inline int lwcr_rename(const char *a, const char *b) { return (int)lwcr_ret(syscall(SYS_renameat, AT_FDCWD, a, AT_FDCWD, b)); }
static inline int lwcr_unlink(const char *p) { return (int)lwcr_ret(syscall(SYS_unlinkat, AT_FDCWD, p, 0)); }

static inline int lwcr_renameat(int dirfd, const char *a, const char *b) { return (int)lwcr_ret(syscall(SYS_renameat, dirfd, a, dirfd, b)); }
static inline int lwcr_unlinkat(int dirfd, const char *p) { return (int)lwcr_ret(syscall(SYS_unlinkat, dirfd, p, 0)); }
static inline int lwcr_fsync(int fd) { return (int)lwcr_ret(syscall(SYS_fsync, fd)); }
static inline int lwcr_mkdirat(int dirfd, const char *p, unsigned mode) { return (int)lwcr_ret(syscall(SYS_mkdirat, dirfd, p, mode)); }
static inline int lwcr_rmdir(const char *p) { return (int)lwcr_ret(syscall(SYS_unlinkat, AT_FDCWD, p, AT_REMOVEDIR)); }
static inline int lwcr_fchown(int fd, unsigned uid, unsigned gid) { return (int)lwcr_ret(syscall(SYS_fchown, fd, uid, gid)); }
static inline int lwcr_fchmod(int fd, unsigned mode) { return (int)lwcr_ret(syscall(SYS_fchmod, fd, mode)); }
static inline int lwcr_flock(int fd, int op) { return (int)lwcr_ret(syscall(SYS_flock, fd, op)); }

// The layout of a compiled snapshot's structures: a fingerprint of the
// sources they are declared in, fixed when lwcr is built (Makefile), so a
// library never reads a snapshot another build laid out differently.
uint32_t lwcr_snapshot_layout(void);

// SYSCONFDIR/lwcr/policy.d, fixed when the library is built.
const char *lwcr_system_policy_directory(void);
// SYSCONFDIR/lwcr/lwcr.conf: where log lines go, and in what format.
const char *lwcr_config_file(void);

// syslog(3) takes a lock and formats with stdio; we send one datagram,
// without waiting for room (a stalled or hostile /dev/log listener must not
// hold a launch): -EAGAIN when its queue is full.
int lwcr_syslog_send(const char *msg, size_t len);
// The same to systemd-journald's native socket (/run/systemd/journal/socket).
int lwcr_journal_send(const char *msg, size_t len);

// Writes a log line to `fd` without ever waiting, dying or stopping for
// it: a pipe, FIFO or terminal is written through a new non-blocking
// description of it (/proc/self/fd/N; the caller's own description keeps
// its flags), a socket with MSG_DONTWAIT; SIGPIPE and SIGTTOU are held back
// during the write. A line that cannot be written at once is dropped
// (-EAGAIN). Defends against a caller (of a setuid program, or of any
// launch) who hands in a full or broken pipe, or a stopped terminal, as
// standard error. Not without /proc: then a terminal is written as it is.
// Only a descriptor opened for writing is written or reopened (not O_PATH,
// not read-only), and in secure-execution mode the file must be writable
// by the caller's real ids: a root-only FIFO or /dev/kmsg handed to a
// setuid program as an O_PATH standard error is never written.
long lwcr_log_write(int fd, const void *buf, size_t n);
// write(2) that raises no signal: SIGPIPE, SIGXFSZ and SIGTTOU are held
// back during it (and consumed if it raised them); -EPIPE, -EFBIG instead.
long lwcr_write_unsignalled(int fd, const void *buf, size_t n);
// The same for pwrite(2): the sealed copy's memfd obeys RLIMIT_FSIZE too.
long lwcr_pwrite_unsignalled(int fd, const void *buf, size_t n, long offset);


// The preloaded library's process state (CInterpose/preload/state.c).
#include "lwcr_state.h"

#endif
