/* catalog_names.c - catalog names as people type them: exact, any case, an unambiguous short form or
 * the name's words, for the --model and --gpu flags and the profile keys of the same names. */
#include "api_internal.h"

#include "common_internal.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A size or capacity alone ("13b", "40gb", "1.5t"): it names a size, not a model or a part. */
static bool size_word(const char *w)
{
    size_t i = 0;
    while (isdigit((unsigned char)w[i]) || w[i] == '.')
        i++;
    return i > 0 && (!strcmp(w + i, "b") || !strcmp(w + i, "gb") || !strcmp(w + i, "t") || !strcmp(w + i, "m"));
}

/* Whether `typed`, its dashes and spaces dropped, spells `name` from its start to the end of one of
 * its words ("rtx4090" for rtx-4090-24gb, not "o" for opt-175b). */
static bool dashless_prefix(const char *name, const char *typed)
{
    const char *p = name;
    size_t spelled = 0;
    for (const char *t = typed; *t; t++) {
        if (*t == '-' || *t == ' ' || *t == '_')
            continue;
        while (*p == '-')
            p++;
        if (*p != *t)
            return false;
        p++;
        spelled++;
    }
    return spelled >= 3 && (*p == '-' || *p == '\0');
}

/* Whether a name's word goes on past a typed one with only its size unit ("40g" or "40" for
 * "40gb"), so a memory size typed short still names the word. */
static bool unit_rest(const char *rest)
{
    size_t n = strcspn(rest, "-");
    return (n == 1 && rest[0] == 'b') || (n == 2 && !strncmp(rest, "gb", 2));
}

/* Whether `name` holds every word of `typed` as a word of its own ("4090", "A100-80GB", "mistral
 * small"), when those words name a thing: two words not all sizes, or one with a digit that is
 * not a size ("13b", "it" and "small" alone resolve nothing). Both are lower case. */
static bool words_match(const char *name, const char *typed)
{
    char words[SP_NAME_MAX];
    snprintf(words, sizeof words, "%s", typed);
    size_t len = strlen(name), seen = 0, naming = 0, with_digit = 0;
    for (char *save = NULL, *w = strtok_r(words, "- _", &save); w; w = strtok_r(NULL, "- _", &save), seen++) {
        size_t wl = strlen(w);
        bool found = false;
        for (const char *p = name; (p = strstr(p, w)) != NULL; p++)
            if ((p == name || p[-1] == '-') && (p + wl == name + len || p[wl] == '-' || unit_rest(p + wl)))
                found = true;
        if (!found)
            return false;
        bool size = size_word(w);
        naming += !size;
        with_digit += !size && strpbrk(w, "0123456789") != NULL;
    }
    return seen >= 2 ? naming > 0 : with_digit == 1;
}

/* The name with each point release dropped from its version words ("llama-3.1-70b" reads
 * "llama-3-70b"), so a family's major version typed alone finds its releases to suggest. */
static void major_versions(const char *name, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; name[i] && o + 1 < size; i++) {
        if (name[i] == '.' && i > 0 && isdigit((unsigned char)name[i - 1]) && isdigit((unsigned char)name[i + 1])) {
            while (isdigit((unsigned char)name[i + 1]))
                i++;
            continue;
        }
        out[o++] = name[i];
    }
    out[o] = '\0';
}

static bool loose_match(const char *name, const char *typed)
{
    return dashless_prefix(name, typed) || words_match(name, typed);
}

/* A catalog name as the user typed it: exact, then the same letters in another case
 * ("Llama-3.1-8B"), then an unambiguous short form ("b200" for b200-sxm-192gb), then its words
 * ("4090" for rtx-4090-24gb, "A100-80GB" for a100-sxm-80gb); several candidates are listed, a near
 * miss is suggested ("a100-40gb": did you mean a100-sxm-40gb?). */
sp_status cli_resolve_name(const char *const *names, size_t count, const char *typed, const char *flag,
                              const char *catalog, const char *listing, const char **out, sp_error *err)
{
    char lower[SP_NAME_MAX];
    size_t n = strnlen(typed, sizeof lower - 1), matches = 0;
    if (typed[n] != '\0') /* longer than any catalog name: nothing is resolved from a cut-off copy */
        return cli_flag_error(err, flag, "'%.*s...' is longer than any %s name (see %s)", 24, typed, catalog, listing);
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)typed[i]);
    lower[n] = '\0';
    const char *found[6];
    for (size_t i = 0; i < count; i++) {
        if (!strcmp(names[i], typed) || !strcasecmp(names[i], typed)) {
            *out = names[i];
            return SP_OK;
        }
        bool prefix = n > 0 && !strncmp(names[i], lower, n) && (names[i][n] == '-' || names[i][n] == '\0');
        if (prefix && matches < sizeof found / sizeof found[0])
            found[matches] = names[i];
        matches += prefix;
    }
    if (matches == 0 && n > 0)
        for (size_t i = 0; i < count; i++) {
            bool loose = loose_match(names[i], lower);
            if (loose && matches < sizeof found / sizeof found[0])
                found[matches] = names[i];
            matches += loose;
        }
    if (matches == 1) {
        *out = found[0];
        return SP_OK;
    }
    if (matches > 1) {
        char list[SP_ERR_MESSAGE_MAX / 2] = "";
        size_t shown = matches < sizeof found / sizeof found[0] ? matches : sizeof found / sizeof found[0];
        for (size_t i = 0, len = 0; i < shown; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", found[i]);
        return cli_flag_error(err, flag, "'%s' could be %s%s: name one", typed, list, matches > shown ? ", ..." : "");
    }
    /* "llama-3-70b": the releases of that major version (3.1, 3.3), before a nearer spelling of
     * another one (llama-2-70b). Suggested, never resolved: releases differ in context and vocabulary. */
    char releases[SP_ERR_MESSAGE_MAX / 2] = "";
    for (size_t i = 0, len = 0, shown = 0; i < count && shown < 4 && len < sizeof releases; i++) {
        char major[SP_NAME_MAX];
        major_versions(names[i], major, sizeof major);
        if (strcmp(major, names[i]) != 0 && loose_match(major, lower)) {
            len += (size_t)snprintf(releases + len, sizeof releases - len, "%s'%s'", shown ? " or " : "", names[i]);
            shown++;
        }
    }
    if (releases[0])
        return cli_flag_error(err, flag, "'%s' is not in the %s catalog; did you mean %s? (see %s)", typed, catalog,
                              releases, listing);
    /* "a10": a first word that is the typed one and a variant's letters (a10g, l40s, mi300x) before a
     * nearer spelling of another number (a100): a letter names a variant, a digit another part. */
    char variants[SP_ERR_MESSAGE_MAX / 2] = "";
    for (size_t i = 0, len = 0, shown = 0; i < count && n > 0 && shown < 4 && len < sizeof variants; i++)
        if (!strncmp(names[i], lower, n) && isalpha((unsigned char)names[i][n]) &&
            (names[i][n + 1] == '-' || names[i][n + 1] == '\0')) {
            len += (size_t)snprintf(variants + len, sizeof variants - len, "%s'%s'", shown ? " or " : "", names[i]);
            shown++;
        }
    if (variants[0])
        return cli_flag_error(err, flag, "'%s' is not in the %s catalog; did you mean %s? (see %s)", typed, catalog,
                              variants, listing);
    /* "3090ti", "h100x": the parts whose names carry its model number (3 digits or more, with the
     * letters just before them), a variant the catalog lacks being nearer to them than any
     * spelling is. */
    char number[16] = "", sharing[SP_ERR_MESSAGE_MAX / 2] = "";
    for (const char *c = lower; *c && !number[0]; c++) {
        size_t digits = strspn(c, "0123456789");
        const char *from = c;
        while (from > lower && isalpha((unsigned char)from[-1]))
            from--;
        if (digits >= 3 && (size_t)(c - from) + digits < sizeof number)
            snprintf(number, sizeof number, "%.*s", (int)((size_t)(c - from) + digits), from);
        c += digits ? digits - 1 : 0;
    }
    for (size_t i = 0, len = 0, shown = 0; number[0] && i < count && shown < 4 && len < sizeof sharing; i++) {
        const char *at = strstr(names[i], number);
        size_t k = strlen(number);
        if (at && (at == names[i] || !isalnum((unsigned char)at[-1])) && !isdigit((unsigned char)at[k])) {
            len += (size_t)snprintf(sharing + len, sizeof sharing - len, "%s'%s'", shown ? " or " : "", names[i]);
            shown++;
        }
    }
    if (sharing[0])
        return cli_flag_error(err, flag, "'%s' is not in the %s catalog; did you mean %s? (see %s)", typed, catalog,
                              sharing, listing);
    const char *near = sp_nearest_key(names, lower);
    if (near)
        return cli_flag_error(err, flag, "'%s' is not in the %s catalog; did you mean '%s'? (see %s)", typed,
                              catalog, near, listing);
    return cli_flag_error(err, flag, "'%s' is not in the %s catalog (see %s)", typed, catalog, listing);
}

/* The item of a catalog of structs (count of them, stride bytes apart, each with its name at
 * name_offset) a word names, by resolve_name's rules: its index in *index. */
sp_status cli_resolve_item(const void *items, size_t count, size_t stride, size_t name_offset, const char *typed,
                           const char *flag, const char *catalog, const char *listing, size_t *index, sp_error *err)
{
    const char **names = calloc(count + 1, sizeof *names);
    if (!names)
        return sp_fail(err, SP_ERR_NOMEM, "", 0, 0, flag, "out of memory");
    for (size_t i = 0; i < count; i++)
        names[i] = (const char *)items + i * stride + name_offset;
    const char *name = NULL;
    sp_status s = cli_resolve_name(names, count, typed, flag, catalog, listing, &name, err);
    for (size_t i = 0; s == SP_OK && i < count; i++)
        if (names[i] == name)
            *index = i;
    free(names);
    return s;
}

/* The accelerator a --gpu word names (resolve_name's rules). */
sp_status cli_find_accel(const sp_accel_catalog *catalog, const char *typed, const sp_accel **out, sp_error *err)
{
    size_t i = 0;
    sp_status s = cli_resolve_item(catalog->items, catalog->count, sizeof catalog->items[0], offsetof(sp_accel, name),
                                   typed, "gpu", "accelerator", "`stackplan catalog accelerators`", &i, err);
    *out = s == SP_OK ? &catalog->items[i] : NULL;
    return s;
}

/* The catalog model whose Hugging Face repository is `typed` ("meta-llama/Llama-3.1-70B": its
 * _name_or_path, which the launch lines print); NULL when none. */
static const char *model_of_hf_id(const char *data_dir, const char *const *list, size_t count, const char *typed,
                                  sp_model *out)
{
    /* Meta's first names for its repositories ("meta-llama/Meta-Llama-3.1-70B") redirect to the
     * current ones ("meta-llama/Llama-3.1-70B"), which the catalog records. */
    const char *slash = strchr(typed, '/');
    char renamed[SP_NAME_MAX] = "";
    if (slash && !strncasecmp(slash + 1, "Meta-", 5))
        snprintf(renamed, sizeof renamed, "%.*s%s", (int)(slash + 1 - typed), typed, slash + 6);
    for (size_t i = 0; slash && i < count; i++) {
        sp_error ignored;
        if (sp_model_load_catalog(data_dir, list[i], out, &ignored) == SP_OK &&
            (!strcasecmp(out->hf_id, typed) || (renamed[0] && !strcasecmp(out->hf_id, renamed))))
            return list[i];
    }
    return NULL;
}

/* The kind of tuned checkpoint a name ends with: "-instruct" (Llama 3, Qwen, Mistral), "-chat"
 * (Llama 2) or "-it" (Gemma); its length in *suffix, NULL when none. */
static const char *tuned_kind(const char *typed, size_t *suffix)
{
    static const char *const SUFFIXES[] = {"-instruct", "-chat", "-it"};
    size_t n = strlen(typed);
    for (size_t i = 0; i < sizeof SUFFIXES / sizeof SUFFIXES[0]; i++) {
        size_t k = strlen(SUFFIXES[i]);
        if (n > k && !strcasecmp(typed + n - k, SUFFIXES[i])) {
            *suffix = k;
            return SUFFIXES[i];
        }
    }
    return NULL;
}

/* Whether a repository id holds the kind as a dash-separated part ("-Instruct-v0.1", "-chat-hf"). */
static bool names_kind(const char *id, const char *kind)
{
    size_t k = strlen(kind);
    for (const char *p = id; (p = strchr(p, '-')) != NULL; p++)
        if (!strncasecmp(p, kind, k) && (p[k] == '\0' || p[k] == '-'))
            return true;
    return false;
}

/* The catalog model whose makers' tuned checkpoint is the id typed (_stackplan_tuned); NULL when none. */
static const char *model_of_tuned_id(const char *data_dir, const char *const *list, size_t count, const char *typed,
                                     sp_model *out)
{
    for (size_t i = 0; strchr(typed, '/') && i < count; i++) {
        sp_error ignored;
        if (sp_model_load_catalog(data_dir, list[i], out, &ignored) == SP_OK && out->tuned_hf_id[0] &&
            !strcasecmp(out->tuned_hf_id, typed))
            return list[i];
    }
    return NULL;
}

/* A tuned checkpoint is its base's shape under its own repository and context. */
static void serve_tuned(sp_model *m)
{
    snprintf(m->hf_id, sizeof m->hf_id, "%s", m->tuned_hf_id);
    if (m->tuned_seq > 0)
        m->seq = m->tuned_seq;
}

/* A catalog model by the name the user typed (resolve_name's rules), its Hugging Face id, or either
 * with a tuned checkpoint's suffix (the base model's shape, the tuned repository in launch lines). */
sp_status cli_load_named_model(const char *data_dir, const char *typed, sp_model *out, sp_error *err)
{
    char **names = NULL;
    size_t count = 0;
    sp_status s = sp_model_catalog_names(data_dir, &names, &count, err);
    const char **list = s == SP_OK ? calloc(count + 1, sizeof *list) : NULL;
    if (s == SP_OK && !list)
        s = sp_fail(err, SP_ERR_NOMEM, "", 0, 0, "model", "out of memory");
    for (size_t i = 0; list && i < count; i++)
        list[i] = names[i];
    const char *name = s == SP_OK ? model_of_hf_id(data_dir, list, count, typed, out) : NULL;
    /* A tuned checkpoint the catalog lists (_stackplan_tuned), by its id or as NAME-instruct,
     * NAME-chat or NAME-it; a catalog name that is itself tuned (gemma-3-12b-it) resolves as typed. */
    bool tuned = false;
    if (s == SP_OK && !name) {
        name = model_of_tuned_id(data_dir, list, count, typed, out);
        tuned = name != NULL;
    }
    size_t suffix = 0;
    const char *kind = s == SP_OK && !name && !strchr(typed, '/') ? tuned_kind(typed, &suffix) : NULL;
    sp_error ignored;
    const char *found = NULL;
    if (kind && cli_resolve_name(list, count, typed, "model", "model", "", &found, &ignored) != SP_OK) {
        char base[SP_NAME_MAX];
        snprintf(base, sizeof base, "%.*s", (int)(strlen(typed) - suffix), typed);
        if (cli_resolve_name(list, count, base, "model", "model", "", &found, &ignored) == SP_OK &&
            sp_model_load_catalog(data_dir, found, out, &ignored) == SP_OK) {
            if (!out->tuned_hf_id[0] || !names_kind(out->tuned_hf_id, kind))
                s = cli_flag_error(err, "model",
                                   "'%s': the catalog lists no %s checkpoint of %s%s%s%s; give its Hugging Face "
                                   "config (--hf-config) or name the base model",
                                   typed, kind + 1, found, out->tuned_hf_id[0] ? " (its tuned one: " : "",
                                   out->tuned_hf_id[0] ? out->tuned_hf_id : "", out->tuned_hf_id[0] ? ")" : "");
            else {
                name = found;
                tuned = true;
            }
        }
    }
    /* A config file's path given to --model: the flag that reads one is --hf-config. */
    size_t typed_len = strlen(typed);
    if (s == SP_OK && !name && typed_len > 5 && !strcmp(typed + typed_len - 5, ".json"))
        s = cli_flag_error(err, "model", "'%s' is a file, not a catalog name: --hf-config %s reads a Hugging Face "
                                         "config.json",
                           typed, typed);
    /* A model the catalog lacks is one config.json away (qwen2.5-14b is not qwen2.5-72b). */
    if (s == SP_OK && !name)
        s = cli_resolve_name(list, count, typed, "model", "model",
                             "`stackplan catalog models`; --hf-config with its config.json for a model it lacks", &name,
                             err);
    if (s == SP_OK)
        s = sp_model_load_catalog(data_dir, name, out, err);
    if (s == SP_OK && tuned)
        serve_tuned(out);
    free(list);
    sp_names_free(names, count);
    return s;
}
