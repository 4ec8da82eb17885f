// `wordexp_scrubbed WORDS`: removes LD_PRELOAD from the environment, then
// prints `wordexp=R` and the words wordexp(3) made of WORDS.
#include <stdio.h>
#include <stdlib.h>
#include <wordexp.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s WORDS\n", argv[0]); return 64; }
    unsetenv("LD_PRELOAD");
    wordexp_t w;
    int r = wordexp(argv[1], &w, 0);
    printf("wordexp=%d", r);
    if (r == 0) for (size_t i = 0; i < w.we_wordc; i++) printf(" [%s]", w.we_wordv[i]);
    printf("\n");
    return 0;
}
