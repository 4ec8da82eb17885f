// The attacker of the `..` race: moves directory A to B and back, as fast
// as it can, for SECONDS seconds (`dotdot_mover A B SECONDS`).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s A B SECONDS\n", argv[0]); return 64; }
    time_t end = time(0) + atoi(argv[3]);
    while (time(0) < end) {
        for (int i = 0; i < 1000; i++) {
            rename(argv[1], argv[2]);
            rename(argv[2], argv[1]);
        }
    }
    return 0;
}
