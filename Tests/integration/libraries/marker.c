// A library whose constructor creates the file named by LWCR_TEST_MARKER:
// proof that a loader loaded it.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void mark(void) {
    const char *path = getenv("LWCR_TEST_MARKER");
    if (path) close(open(path, O_WRONLY | O_CREAT, 0644));
}
