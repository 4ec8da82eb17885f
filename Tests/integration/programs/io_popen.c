// `io_popen COMMAND`: runs COMMAND through glibc's other name for popen,
// _IO_popen, and prints what it read, or `result: errno=N`.
#include <errno.h>
#include <stdio.h>

extern FILE *_IO_popen(const char *, const char *);

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s COMMAND\n", argv[0]); return 64; }
    FILE *f = _IO_popen(argv[1], "r");
    if (!f) { printf("result: errno=%d\n", errno); return 2; }
    char line[256];
    while (fgets(line, sizeof line, f)) printf("read: %s", line);
    printf("status=%d\n", pclose(f));
    return 0;
}
