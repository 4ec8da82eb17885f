#include "launch.h"
int main(int argc, char **argv) {
    usage(argc, argv);
    int status = system(command_line(argv));
    if (status == -1) return launch_failed(errno);
    return report_status(status);
}
