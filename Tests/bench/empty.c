// An empty preload library: the floor any preload pays (the loader opening
// and mapping one more object in every process).
int lwcr_bench_empty(void) { return 0; }
