// `wordexp_system WORDS [COMMAND]`: prints `wordexp=R` and the words
// wordexp(3) made of WORDS, then, with COMMAND, `system=S` for system().
#include <stdio.h>
#include <stdlib.h>
#include <wordexp.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s WORDS [COMMAND]\n", argv[0]); return 64; }
    wordexp_t w;
    int r = wordexp(argv[1], &w, 0);
    printf("wordexp=%d", r);
    if (r == 0) {
        for (size_t i = 0; i < w.we_wordc; i++) printf(" [%s]", w.we_wordv[i]);
        wordfree(&w);
    }
    printf("\n");
    if (argc > 2) printf("system=%d\n", system(argv[2]));
    return 0;
}
