/* Runs a fuzz target over files (the corpus and every input that once crashed) without
 * libFuzzer, so the regression inputs run in every `make test`, under the sanitizers too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "replay: no inputs (the corpus is missing?)\n");
        return 1;
    }
    int ran = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "replay: cannot open %s\n", argv[i]);
            return 1;
        }
        static uint8_t buffer[1 << 20];
        size_t n = fread(buffer, 1, sizeof buffer, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buffer, n);
        ran++;
    }
    printf("%d passed, 0 failed\n", ran);
    return 0;
}
