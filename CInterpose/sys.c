// The few syscall wrappers that need a C body: the kernel's sigaction
// struct, variadic clone(2), a syslog datagram, and the random bytes the
// Embedded Swift runtime asks for.
#define _GNU_SOURCE
#include "lwcr_sys.h"
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

struct lwcr_ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};

bool lwcr_sig_has_handler(int sig) {
    struct lwcr_ksigaction old;
    if (syscall(SYS_rt_sigaction, sig, 0, &old, 8) != 0) return false;
    return old.handler != (void *)SIG_DFL && old.handler != (void *)SIG_IGN;
}

int lwcr_sig_set_default(int sig) {
    struct lwcr_ksigaction sa = {(void *)SIG_DFL, 0, 0, 0};
    return (int)lwcr_ret(syscall(SYS_rt_sigaction, sig, &sa, 0, 8));
}

int lwcr_sig_set_ignored(int sig) {
    struct lwcr_ksigaction sa = {(void *)SIG_IGN, 0, 0, 0};
    return (int)lwcr_ret(syscall(SYS_rt_sigaction, sig, &sa, 0, 8));
}

// system(3) ignores SIGINT and SIGQUIT while it waits. We save and restore
// the caller's disposition through glibc's sigaction, since a handler the
// caller installed has glibc's restorer, and this runs in the caller's own
// context (never in a child).
int lwcr_sig_set_ignore(int sig, bool ignore, void **saved) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = ignore ? SIG_IGN : SIG_DFL;
    if (sigaction(sig, &sa, &old) != 0) return -errno;
    _Static_assert(sizeof(struct sigaction) <= 256, "saved slot");
    memcpy(saved, &old, sizeof old);
    return 0;
}

int lwcr_sig_restore(int sig, void *const *saved) {
    struct sigaction old;
    memcpy(&old, saved, sizeof old);
    return sigaction(sig, &old, 0) == 0 ? 0 : -errno;
}

static long system_callers;
static struct sigaction system_saved_int, system_saved_quit;

void lwcr_system_signals_enter(int *reset_int, int *reset_quit) {
    if (__atomic_fetch_add(&system_callers, 1, __ATOMIC_ACQ_REL) == 0) {
        struct sigaction ignore;
        memset(&ignore, 0, sizeof ignore);
        ignore.sa_handler = SIG_IGN;
        sigaction(SIGINT, &ignore, &system_saved_int);
        sigaction(SIGQUIT, &ignore, &system_saved_quit);
    }
    *reset_int = system_saved_int.sa_handler != SIG_IGN;
    *reset_quit = system_saved_quit.sa_handler != SIG_IGN;
}

void lwcr_system_signals_leave(void) {
    if (__atomic_sub_fetch(&system_callers, 1, __ATOMIC_ACQ_REL) == 0) {
        sigaction(SIGINT, &system_saved_int, 0);
        sigaction(SIGQUIT, &system_saved_quit, 0);
    }
}

int lwcr_clone_vfork(int (*fn)(void *), void *stack_top, void *arg, int extra_flags, int *pidfd) {
    int flags = CLONE_VM | CLONE_VFORK | SIGCHLD | extra_flags;
    int r = clone(fn, stack_top, flags, arg, pidfd, 0, 0);
    return r == -1 ? -errno : r;
}

#include <sys/prctl.h>

// prctl(2) is variadic.
int lwcr_landlock_restrict_self(int ruleset) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
    return (int)lwcr_ret(syscall(LWCR_SYS_landlock_restrict_self, ruleset, 0));
}

#ifndef LWCR_LIBDIR
#define LWCR_LIBDIR "/usr/local/lib"
#endif
const char *lwcr_installed_library(void) { return LWCR_LIBDIR "/liblwcr.so"; }

#ifndef LWCR_VERSION
#define LWCR_VERSION "unknown"  // a build without the Makefile (the unit tests)
#endif
// "@(#)" marks a version string for what(1); lwcr status finds it in a
// library a process has mapped. Kept though the library never reads it.
__attribute__((used, retain)) static const char version_mark[] = LWCR_VERSION_MARK LWCR_VERSION;
const char *lwcr_version(void) { return version_mark + sizeof LWCR_VERSION_MARK - 1; }
const char *lwcr_version_mark(void) { return LWCR_VERSION_MARK; }


#ifndef LWCR_CACHEDIR
#define LWCR_CACHEDIR "/var/cache/lwcr"
#endif
// The built-in verification cache directory (CACHEDIR, a build setting).
const char *lwcr_cache_builtin(void) { return LWCR_CACHEDIR; }

#include <sys/auxv.h>
// getauxval reads the saved auxiliary vector: no lock, no allocation.
bool lwcr_secure_execution(void) { return getauxval(AT_SECURE) != 0; }

#ifndef F_SETLEASE
#define F_SETLEASE 1024
#endif
bool lwcr_no_writers(int fd) {
    if (syscall(SYS_fcntl, fd, F_SETLEASE, F_RDLCK) != 0) return false;
    syscall(SYS_fcntl, fd, F_SETLEASE, F_UNLCK);
    return true;
}

#define LWCR_STATX_MNT_ID_UNIQUE 0x4000U
int lwcr_unique_mount_id(int fd, uint64_t *id) {
    // struct statx is 256 bytes: stx_mask at 0, stx_mnt_id at 144.
    uint64_t buf[32];
    memset(buf, 0, sizeof buf);
    long r = syscall(SYS_statx, fd, "", AT_EMPTY_PATH, LWCR_STATX_MNT_ID_UNIQUE, buf);
    if (r != 0) return -errno;
    uint32_t mask;
    memcpy(&mask, buf, sizeof mask);
    if (!(mask & LWCR_STATX_MNT_ID_UNIQUE)) return -EOPNOTSUPP;
    memcpy(id, (const char *)buf + 144, sizeof *id);
    return 0;
}

#ifndef LWCR_SYSCONFDIR
#define LWCR_SYSCONFDIR "/etc"
#endif
#ifndef LWCR_SNAPSHOT_LAYOUT
#define LWCR_SNAPSHOT_LAYOUT 0u  // a build without the Makefile (the unit tests): its own snapshots only
#endif
uint32_t lwcr_snapshot_layout(void) { return LWCR_SNAPSHOT_LAYOUT; }

const char *lwcr_system_policy_directory(void) { return LWCR_SYSCONFDIR "/lwcr/policy.d"; }

const char *lwcr_config_file(void) { return LWCR_SYSCONFDIR "/lwcr/lwcr.conf"; }

static int datagram_send(const char *path, size_t path_size, const char *msg, size_t len) {
    int fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, path, path_size);
    long r = syscall(SYS_sendto, fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT, &addr, sizeof addr);
    int e = errno;
    syscall(SYS_close, fd);
    return r < 0 ? -e : 0;
}

int lwcr_syslog_send(const char *msg, size_t len) { return datagram_send("/dev/log", 9, msg, len); }

int lwcr_journal_send(const char *msg, size_t len) {
    static const char path[] = "/run/systemd/journal/socket";
    return datagram_send(path, sizeof path, msg, len);
}

// The Embedded Swift runtime seeds hashing with arc4random_buf, which glibc
// only has since 2.36. Supplying it here, hidden, keeps the library loadable
// on glibc 2.28 without exporting a libc symbol to the program.
__attribute__((visibility("hidden"))) void arc4random_buf(void *buf, size_t n) {
    unsigned char *p = buf;
    while (n > 0) {
        long r = syscall(SYS_getrandom, p, n, 0);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            break;
        }
        p += r;
        n -= (size_t)r;
    }
}

// write(2) with SIGPIPE, SIGXFSZ and SIGTTOU blocked for this thread: a
// reader that has gone, or a file-size limit (RLIMIT_FSIZE, which a
// setuid program's caller sets), must not kill the program, and a
// background process writing to a terminal with TOSTOP must not be stopped
// (the kernel lets such a write through when SIGTTOU is blocked). A
// SIGPIPE or SIGXFSZ the write raised (and only such: not one already
// pending) is consumed; the write fails with EPIPE or EFBIG instead.
long lwcr_write_unsignalled(int fd, const void *buf, size_t n) { return lwcr_pwrite_unsignalled(fd, buf, n, -1); }

long lwcr_pwrite_unsignalled(int fd, const void *buf, size_t n, long offset) {
    unsigned long raised = 1UL << (SIGPIPE - 1) | 1UL << (SIGXFSZ - 1);
    unsigned long held = raised | 1UL << (SIGTTOU - 1), old = 0, before = 0, after = 0;
    syscall(SYS_rt_sigpending, &before, 8);
    if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &held, &old, 8) != 0) return -errno;
    long r = offset < 0 ? syscall(SYS_write, fd, buf, n) : syscall(SYS_pwrite64, fd, buf, n, offset);
    int e = errno;
    if (r < 0) {
        syscall(SYS_rt_sigpending, &after, 8);
        unsigned long ours = after & ~before & raised;
        struct timespec zero = {0, 0};
        while (ours && syscall(SYS_rt_sigtimedwait, &ours, 0, &zero, 8) > 0) {
            after = 0;
            syscall(SYS_rt_sigpending, &after, 8);
            ours = after & ~before & raised;
        }
    }
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, 8);
    return r < 0 ? -e : r;
}

long lwcr_log_write(int fd, const void *buf, size_t n) {
    struct stat st;
    if (syscall(SYS_fstat, fd, &st) != 0) return -errno;
    // Only a description the caller opened for writing is written, and
    // reopened: an O_PATH or read-only descriptor of a file the caller may
    // not write (a root-only FIFO, /dev/kmsg) must not become one that a
    // setuid program opens for writing with its own credentials.
    long flags = syscall(SYS_fcntl, fd, F_GETFL);
    if (flags < 0) return -errno;
    if ((flags & O_PATH) || ((flags & O_ACCMODE) != O_WRONLY && (flags & O_ACCMODE) != O_RDWR)) return -EBADF;
    if (S_ISSOCK(st.st_mode)) {
        long r = syscall(SYS_sendto, fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
        return r < 0 ? -errno : r;
    }
    // Regular files do not wait for a reader.
    if (S_ISREG(st.st_mode)) return lwcr_write_unsignalled(fd, buf, n);
    // Pipes, FIFOs, terminals (output stopped with ^S, or full) and other
    // devices: a description of our own, non-blocking.
    char path[32] = "/proc/self/fd/";
    size_t at = 14;
    char digits[12];
    int d = 0;
    unsigned v = (unsigned)fd;
    do { digits[d++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (d) path[at++] = digits[--d];
    path[at] = 0;
    // With privileges the caller lacks, the caller (real ids) must be able
    // to write the file too, as it could when it opened it.
    if (lwcr_secure_execution() && syscall(SYS_faccessat, AT_FDCWD, path, W_OK) != 0) return -EACCES;
    int w = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
    if (w < 0) {
        int e = errno;
        // ENXIO: no one reads the pipe. Without /proc (a bare chroot), a
        // pipe cannot be written without the risk of waiting: the line is
        // dropped; a terminal or device is written as it is.
        if (S_ISFIFO(st.st_mode) || e == ENXIO) return -e;
        return lwcr_write_unsignalled(fd, buf, n);
    }
    long r = lwcr_write_unsignalled(w, buf, n);
    syscall(SYS_close, w);
    return r;
}

