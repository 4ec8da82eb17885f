// The MAP_SHARED attacker: maps FILE shared and writable, dirties every
// page (so later writes through the mapping take no page fault and so do
// not touch the file's mtime or ctime), says `mapped` and waits; when a
// line arrives on stdin it copies CONTENT (same size as FILE) through the
// mapping, unmaps, says `written` and exits.
// Usage: shared_writer FILE CONTENT
#include "launch.h"
#include <sys/mman.h>
#include <sys/stat.h>

int main(int argc, char **argv) {
    if (argc < 3) return 64;
    int fd = open(argv[1], O_RDWR);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) { perror(argv[1]); return 2; }
    size_t n = (size_t)st.st_size;
    unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 2; }
    close(fd);  // the mapping keeps the file open for writing
    long page = sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < n; i += (size_t)page) ((volatile unsigned char *)p)[i] = p[i];
    char *content = malloc(n);
    int c = open(argv[2], O_RDONLY);
    if (!content || c < 0) { perror(argv[2]); return 2; }
    for (size_t got = 0; got < n;) {
        ssize_t r = read(c, content + got, n - got);
        if (r <= 0) { perror(argv[2]); return 2; }
        got += (size_t)r;
    }
    close(c);
    printf("mapped\n");
    fflush(stdout);
    char line[16];
    if (!fgets(line, sizeof line, stdin)) return 3;
    memcpy(p, content, n);
    if (munmap(p, n) != 0) { perror("munmap"); return 2; }
    printf("written\n");
    fflush(stdout);
    return 0;
}
