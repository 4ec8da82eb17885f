#include "launch.h"
int main(int argc, char **argv) {
    usage(argc, argv);
    FILE *f = popen(command_line(argv), "r");
    if (!f) return launch_failed(errno);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
    int status = pclose(f);
    if (status == -1) return launch_failed(errno);
    return report_status(status);
}
