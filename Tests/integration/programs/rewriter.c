// Rewrites FILE in place (same inode) as fast as it can, alternating the
// content of A and B, until killed: the writer a `sealed` rule defends
// against. Writes refused while the file runs (ETXTBSY) are retried.
// Usage: rewriter FILE A B [PAUSE-MICROSECONDS]
#include "launch.h"
#include <sys/stat.h>

static char *slurp(const char *path, size_t *n) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) exit(2);
    char *p = malloc((size_t)st.st_size);
    if (read(fd, p, (size_t)st.st_size) != st.st_size) exit(2);
    close(fd);
    *n = (size_t)st.st_size;
    return p;
}

int main(int argc, char **argv) {
    if (argc < 4) return 64;
    useconds_t pause = argc > 4 ? (useconds_t)atoi(argv[4]) : 0;
    size_t na, nb;
    char *a = slurp(argv[2], &na), *b = slurp(argv[3], &nb);
    for (unsigned long i = 0;; i++) {
        int fd = open(argv[1], O_WRONLY);
        if (fd < 0) continue;
        const char *p = (i & 1) ? b : a;
        size_t n = (i & 1) ? nb : na;
        if (pwrite(fd, p, n, 0) == (ssize_t)n) (void)!ftruncate(fd, (off_t)n);
        close(fd);
        if (pause) usleep(pause);
    }
}
