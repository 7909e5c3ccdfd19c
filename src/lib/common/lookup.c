/* lookup.c - a name in a list of names, and the nearest one when it is not there. */
#include "common_internal.h"

#include <string.h>

int sp_key_index(const char *const *keys, const char *key)
{
    for (int i = 0; keys[i]; i++)
        if (!strcmp(keys[i], key))
            return i;
    return -1;
}

/* Levenshtein distance, capped: keys are short, so a fixed row suffices. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { ROW = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= ROW || lb >= ROW)
        return ROW;
    size_t row[ROW];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diagonal + cost;
            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

const char *sp_nearest_key(const char *const *keys, const char *key)
{
    /* "budget" for "budget_usd": a key the user cut short or left its unit off. */
    size_t typed = strlen(key);
    for (int i = 0; keys[i] && typed >= 3; i++)
        if (!strncmp(keys[i], key, typed))
            return keys[i];
    const char *best = NULL;
    size_t best_distance = (size_t)-1;
    for (int i = 0; keys[i]; i++) {
        size_t d = edit_distance(keys[i], key);
        if (d < best_distance) {
            best_distance = d;
            best = keys[i];
        }
    }
    /* A suggestion farther than a third of the key's length is noise. */
    size_t limit = strlen(key) / 3 + 1;
    return best_distance <= limit ? best : NULL;
}
