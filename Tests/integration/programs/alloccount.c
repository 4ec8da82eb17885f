// alloccount ALLOWED DENIED SCRIPT
//
// Proves that the launch path allocates nothing: no malloc, calloc,
// realloc, free or aligned allocation between a launch being asked for and
// the new image (or the error) — including the first launch of a process,
// which loads the policy, done in a vfork child.
//
// This program defines malloc, calloc, realloc, free, posix_memalign,
// aligned_alloc, memalign, valloc and pvalloc itself, forwarding to glibc's
// __libc_* functions. The executable comes first in symbol lookup, so every
// allocation of the preloaded library (and of glibc on its behalf) goes
// through them. Each call is counted, while a flag is set, in a page mapped
// MAP_SHARED | MAP_ANONYMOUS: the counts of a vfork child (same memory) and
// of a fork child (shared page) are seen by the parent. A new image drops
// the mapping, so what the launched program allocates is not counted.
//
// ALLOWED is a copy of /bin/true pinned with its sha256, DENIED a copy
// pinned with a wrong one, SCRIPT a `#!/bin/sh` script that exits 0 (the
// policy's default is allow, so /bin/sh may run). Each scenario is counted
// on its own and printed as `NAME allocations=N`:
//   first-launch-in-vfork-child    the process's first launch: vfork + execve
//   execve-denied                  execve(DENIED) in this process: -1/EACCES
//   fork-child-execve-allowed      fork + execve(ALLOWED) in the child
//   execvp-allowed-by-path-search  vfork + execvp(basename), PATH searched
//   posix_spawn-allowed, posix_spawn-denied (EACCES), posix_spawnp-allowed
//   script-in-vfork-child          vfork + execve(SCRIPT)
//   system-allowed                 system(ALLOWED): this process and its
//                                  spawn child; /bin/sh is a new image
//   control-malloc                 malloc(16) + free: must count >= 1, or the
//                                  counter proves nothing
// Exits 0, after printing `alloccount: all scenarios passed`, only if every
// scenario but the control counted 0, the control counted at least 1, every
// allowed launch ran and exited 0 and every denied one was refused.
//
// popen is not covered: it must return a FILE *, which glibc's fdopen
// allocates after the child has been started, outside the launch path.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <malloc.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

enum { F_MALLOC, F_CALLOC, F_REALLOC, F_FREE, F_POSIX_MEMALIGN, F_ALIGNED_ALLOC, F_MEMALIGN, F_VALLOC, F_PVALLOC, F_COUNT };
static const char *function_names[F_COUNT] = {"malloc", "calloc", "realloc", "free", "posix_memalign",
                                              "aligned_alloc", "memalign", "valloc", "pvalloc"};

struct counters {
    int counting;
    long calls[F_COUNT];
};

// Mapped in main before anything is counted; until then, nothing is.
static struct counters *volatile shared;

static inline void count(int f) {
    struct counters *c = shared;
    if (c && __atomic_load_n(&c->counting, __ATOMIC_SEQ_CST)) __atomic_fetch_add(&c->calls[f], 1, __ATOMIC_SEQ_CST);
}

void *malloc(size_t n) {
    count(F_MALLOC);
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size) {
    count(F_CALLOC);
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n) {
    count(F_REALLOC);
    return __libc_realloc(p, n);
}

void free(void *p) {
    count(F_FREE);
    __libc_free(p);
}

int posix_memalign(void **out, size_t alignment, size_t n) {
    count(F_POSIX_MEMALIGN);
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(alignment, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t n) {
    count(F_ALIGNED_ALLOC);
    return __libc_memalign(alignment, n);
}

void *memalign(size_t alignment, size_t n) {
    count(F_MEMALIGN);
    return __libc_memalign(alignment, n);
}

static size_t page_size(void) {
    static size_t size;
    if (!size) size = (size_t)sysconf(_SC_PAGESIZE);
    return size;
}

void *valloc(size_t n) {
    count(F_VALLOC);
    return __libc_memalign(page_size(), n);
}

void *pvalloc(size_t n) {
    count(F_PVALLOC);
    size_t page = page_size();
    return __libc_memalign(page, n == 0 ? page : (n + page - 1) & ~(page - 1));
}

static void start_counting(void) {
    memset(shared->calls, 0, sizeof shared->calls);
    __atomic_store_n(&shared->counting, 1, __ATOMIC_SEQ_CST);
}

static long stop_counting(void) {
    __atomic_store_n(&shared->counting, 0, __ATOMIC_SEQ_CST);
    long total = 0;
    for (int f = 0; f < F_COUNT; f++) total += shared->calls[f];
    return total;
}

static int failures;

// Prints `NAME allocations=N` (with the functions called, if any) and the
// scenario's verdict; `ok` says whether the launch itself behaved.
static void report(const char *name, long n, int ok, const char *what) {
    printf("%s allocations=%ld", name, n);
    if (n > 0) {
        printf(" (");
        const char *sep = "";
        for (int f = 0; f < F_COUNT; f++)
            if (shared->calls[f]) { printf("%s%s=%ld", sep, function_names[f], shared->calls[f]); sep = " "; }
        printf(")");
    }
    int is_control = strcmp(name, "control-malloc") == 0;
    int counted_ok = is_control ? n >= 1 : n == 0;
    if (!counted_ok) printf(is_control ? " FAIL: the counter saw nothing" : " FAIL: the launch path allocated");
    if (!ok) printf(" FAIL: %s", what);
    printf("\n");
    fflush(stdout);
    if (!counted_ok || !ok) failures++;
}

static const char *describe(int status) {
    static char buf[64];
    if (status == -1) snprintf(buf, sizeof buf, "could not wait");
    else if (WIFEXITED(status)) snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) snprintf(buf, sizeof buf, "killed by signal %d", WTERMSIG(status));
    else snprintf(buf, sizeof buf, "status %#x", status);
    return buf;
}

static int wait_status(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return status;
}

static int ran_ok(int status) { return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0; }

static const char *signal_denied;
static volatile int signal_errno;
static void launch_denied_on_signal(int sig) {
    (void)sig;
    char *args[] = {(char *)signal_denied, NULL};
    if (execve(signal_denied, args, environ) < 0) signal_errno = errno;
}

// A child that could not execute exits 127 without touching the heap.
static void vfork_execve(const char *name, const char *path, char **argv) {
    start_counting();
    pid_t pid = vfork();
    if (pid == 0) {
        execve(path, argv, environ);
        _exit(127);
    }
    int status = pid < 0 ? -1 : wait_status(pid);
    long n = stop_counting();
    char what[128];
    snprintf(what, sizeof what, "expected it to run and exit 0, but it %s", describe(status));
    report(name, n, ran_ok(status), what);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s ALLOWED DENIED SCRIPT\n", argv[0]);
        return 2;
    }
    const char *allowed = argv[1], *denied = argv[2], *script = argv[3];
    void *page = mmap(NULL, sizeof(struct counters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        perror("alloccount: mmap");
        return 2;
    }
    shared = page;
    // Everything that may allocate for this program's own sake happens with
    // counting off: stdout's buffer, the PATH strings, messages.
    printf("alloccount: counting allocations on the launch path\n");
    fflush(stdout);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", allowed);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) {
        fprintf(stderr, "alloccount: ALLOWED must be an absolute path outside /\n");
        return 2;
    }
    *slash = 0;
    const char *base = slash + 1;
    char *allowed_argv[] = {(char *)allowed, NULL};
    char *denied_argv[] = {(char *)denied, NULL};
    char *script_argv[] = {(char *)script, NULL};
    char *base_argv[] = {(char *)base, NULL};
    char what[160];
    long n;
    int status, e, r;
    pid_t pid;

    // a. The first launch of the process: the policy is loaded in the child.
    vfork_execve("first-launch-in-vfork-child", allowed, allowed_argv);

    // b. Denied in this process: execve returns. (Were it allowed, this
    // process would become /bin/true and never print the final line.)
    start_counting();
    r = execve(denied, denied_argv, environ);
    e = errno;
    n = stop_counting();
    snprintf(what, sizeof what, "expected -1/EACCES, got %d/%s", r, strerror(e));
    report("execve-denied", n, r == -1 && e == EACCES, what);

    // c. fork + execve in the child.
    start_counting();
    pid = fork();
    if (pid == 0) {
        execve(allowed, allowed_argv, environ);
        _exit(127);
    }
    status = pid < 0 ? -1 : wait_status(pid);
    n = stop_counting();
    snprintf(what, sizeof what, "expected it to run and exit 0, but it %s", describe(status));
    report("fork-child-execve-allowed", n, ran_ok(status), what);

    // d. execvp by PATH search in a vfork child.
    char *old_path = getenv("PATH");
    char saved_path[8192];
    snprintf(saved_path, sizeof saved_path, "%s", old_path ? old_path : "");
    setenv("PATH", dir, 1);
    start_counting();
    pid = vfork();
    if (pid == 0) {
        execvp(base, base_argv);
        _exit(127);
    }
    status = pid < 0 ? -1 : wait_status(pid);
    n = stop_counting();
    snprintf(what, sizeof what, "expected it to run and exit 0, but it %s", describe(status));
    report("execvp-allowed-by-path-search", n, ran_ok(status), what);

    // e. posix_spawn, allowed.
    start_counting();
    e = posix_spawn(&pid, allowed, NULL, NULL, allowed_argv, environ);
    status = e == 0 ? wait_status(pid) : -1;
    n = stop_counting();
    if (e != 0) snprintf(what, sizeof what, "posix_spawn returned %d (%s)", e, strerror(e));
    else snprintf(what, sizeof what, "expected it to run and exit 0, but it %s", describe(status));
    report("posix_spawn-allowed", n, e == 0 && ran_ok(status), what);

    // f. posix_spawn, denied.
    start_counting();
    e = posix_spawn(&pid, denied, NULL, NULL, denied_argv, environ);
    status = e == 0 ? wait_status(pid) : -1;
    n = stop_counting();
    if (e == 0) snprintf(what, sizeof what, "expected EACCES, but it was started and %s", describe(status));
    else snprintf(what, sizeof what, "expected EACCES, got %d (%s)", e, strerror(e));
    report("posix_spawn-denied", n, e == EACCES, what);

    // g. posix_spawnp by PATH search.
    start_counting();
    e = posix_spawnp(&pid, base, NULL, NULL, base_argv, environ);
    status = e == 0 ? wait_status(pid) : -1;
    n = stop_counting();
    if (e != 0) snprintf(what, sizeof what, "posix_spawnp returned %d (%s)", e, strerror(e));
    else snprintf(what, sizeof what, "expected it to run and exit 0, but it %s", describe(status));
    report("posix_spawnp-allowed", n, e == 0 && ran_ok(status), what);
    if (old_path) setenv("PATH", saved_path, 1);
    else unsetenv("PATH");

    // h. A #! script in a vfork child: the script and /bin/sh are checked.
    vfork_execve("script-in-vfork-child", script, script_argv);

    // i. system(): counted in this process and its spawn child only.
    start_counting();
    status = system(allowed);
    n = stop_counting();
    snprintf(what, sizeof what, "expected it to run and exit 0, but it %s", describe(status));
    report("system-allowed", n, ran_ok(status), what);

    // k. fexecve of an O_PATH descriptor in a vfork child: the file is
    // reopened through /proc/self/fd to read what it would run.
    int opath = open(allowed, O_PATH);
    start_counting();
    pid = vfork();
    if (pid == 0) {
        fexecve(opath, allowed_argv, environ);
        _exit(127);
    }
    status = pid < 0 ? -1 : wait_status(pid);
    n = stop_counting();
    close(opath);
    snprintf(what, sizeof what, "expected it to run and exit 0, but it %s", describe(status));
    report("fexecve-o-path-in-vfork-child", n, ran_ok(status), what);

    // l. A denied launch from a signal handler on a 32 KiB sigaltstack:
    // the gate moves to a stack of its own, and allocates nothing there.
    stack_t ss = {.ss_sp = mmap(NULL, 32 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), .ss_size = 32 << 10};
    struct sigaction sa = {.sa_handler = launch_denied_on_signal, .sa_flags = SA_ONSTACK};
    sigaltstack(&ss, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal_denied = denied;
    start_counting();
    raise(SIGUSR1);
    n = stop_counting();
    snprintf(what, sizeof what, "expected -1/EACCES, got errno %s", strerror(signal_errno));
    report("execve-denied-on-sigaltstack", n, signal_errno == EACCES, what);

    // j. The control: the counter sees an allocation.
    void *(*volatile do_malloc)(size_t) = malloc;
    void (*volatile do_free)(void *) = free;
    start_counting();
    void *volatile p = do_malloc(16);
    do_free(p);
    n = stop_counting();
    report("control-malloc", n, 1, "");

    if (failures) {
        printf("alloccount: %d scenario(s) failed\n", failures);
        return 1;
    }
    printf("alloccount: all scenarios passed\n");
    return 0;
}
