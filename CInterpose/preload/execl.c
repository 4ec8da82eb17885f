// The variadic exec functions, which Swift cannot define. As in glibc, the
// arguments are gathered on the stack and passed to the array form, which
// is where the checks are.
#define _GNU_SOURCE
#include "lwcr_sys.h"
#include <stdarg.h>




// Counts the arguments after `first`, up to and including the NULL.
#define LWCR_COUNT(first, count)                                   \
    do {                                                           \
        va_list ap;                                                \
        va_start(ap, first);                                       \
        count = 1;                                                 \
        while (va_arg(ap, char *) != 0) count++;                   \
        va_end(ap);                                                \
    } while (0)

#define LWCR_GATHER(first, argv, count)                            \
    do {                                                           \
        va_list ap;                                                \
        va_start(ap, first);                                       \
        argv[0] = (char *)first;                                   \
        for (size_t i = 1; i <= count; i++) argv[i] = va_arg(ap, char *); \
        va_end(ap);                                                \
    } while (0)

int execl(const char *path, const char *arg, ...) {
    size_t count;
    LWCR_COUNT(arg, count);
    char *argv[count + 1];
    LWCR_GATHER(arg, argv, count);
    return execve(path, argv, environ);
}

int execlp(const char *file, const char *arg, ...) {
    size_t count;
    LWCR_COUNT(arg, count);
    char *argv[count + 1];
    LWCR_GATHER(arg, argv, count);
    return execvpe(file, argv, environ);
}

int execle(const char *path, const char *arg, ...) {
    size_t count;
    LWCR_COUNT(arg, count);
    char *argv[count + 1];
    va_list ap;
    va_start(ap, arg);
    argv[0] = (char *)arg;
    for (size_t i = 1; i <= count; i++) argv[i] = va_arg(ap, char *);
    char **envp = va_arg(ap, char **);
    va_end(ap);
    return execve(path, argv, envp);
}
