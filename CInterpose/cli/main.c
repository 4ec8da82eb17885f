// The command's entry: Embedded Swift has no CommandLine, so main() hands
// argc and argv over.
#include "lwcr_sys.h"

extern int lwcr_main(int argc, char **argv);

int main(int argc, char **argv) { return lwcr_main(argc, argv); }
