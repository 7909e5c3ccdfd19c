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

/* Optimal-string-alignment distance (Levenshtein plus swapping two neighbours, the commonest
 * typo: "modle", "memroy"), capped: keys are short, so three fixed rows suffice. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { ROW = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= ROW || lb >= ROW)
        return ROW;
    size_t before[ROW], prev[ROW], cur[ROW];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = before[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && before[j - 2] + 1 < best)
                best = before[j - 2] + 1;
            cur[j] = best;
        }
        memcpy(before, prev, sizeof prev);
        memcpy(prev, cur, sizeof cur);
    }
    return prev[lb];
}

/* The letters and digits of a name. */
static void strip_punctuation(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (; *in && n + 1 < size; in++)
        if ((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z') || (*in >= '0' && *in <= '9'))
            out[n++] = *in;
    out[n] = '\0';
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
    char bare_key[64];
    strip_punctuation(key, bare_key, sizeof bare_key);
    for (int i = 0; keys[i]; i++) {
        size_t d = edit_distance(keys[i], key);
        /* On a tie, the key nearer once dashes and dots are ignored ("llama3-8b": llama-3.1-8b). */
        bool closer = false;
        if (best && d == best_distance) {
            char a[64], b[64];
            strip_punctuation(keys[i], a, sizeof a);
            strip_punctuation(best, b, sizeof b);
            closer = edit_distance(a, bare_key) < edit_distance(b, bare_key);
        }
        if (d < best_distance || closer) {
            best_distance = d;
            best = keys[i];
        }
    }
    /* A suggestion farther than a third of the key's length is noise. */
    size_t limit = strlen(key) / 3 + 1;
    return best_distance <= limit ? best : NULL;
}
