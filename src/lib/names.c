/* names.c - the words for enums, in one place for every reporter and loader. */
#include "internal.h"

#include <string.h>

static const char *const AXIS_NAMES[SP_AXIS_COUNT] = {"data", "training", "model", "serving"};

const char *sp_axis_name(sp_axis axis)
{
    return (unsigned)axis < SP_AXIS_COUNT ? AXIS_NAMES[axis] : "?";
}

bool sp_axis_parse(const char *text, sp_axis *out)
{
    for (int a = 0; a < SP_AXIS_COUNT; a++)
        if (!strcmp(text, AXIS_NAMES[a])) {
            *out = (sp_axis)a;
            return true;
        }
    return false;
}

const char *sp_mode_name(sp_mode mode)
{
    return mode == SP_MODE_INFER ? "infer" : "train";
}

bool sp_mode_parse(const char *text, sp_mode *out)
{
    if (!strcmp(text, "train"))
        *out = SP_MODE_TRAIN;
    else if (!strcmp(text, "infer"))
        *out = SP_MODE_INFER;
    else
        return false;
    return true;
}

bool sp_format_parse(const char *text, sp_format *out)
{
    if (!strcmp(text, "text"))
        *out = SP_FORMAT_TEXT;
    else if (!strcmp(text, "json"))
        *out = SP_FORMAT_JSON;
    else if (!strcmp(text, "md"))
        *out = SP_FORMAT_MD;
    else
        return false;
    return true;
}

const char *sp_tier_name(sp_tier tier)
{
    switch (tier) {
    case SP_TIER_LOCAL: return "Local single node (multi-GPU)";
    case SP_TIER_MANAGED: return "Managed cluster (Ch 33.9)";
    case SP_TIER_SELF: return "Self-managed cloud cluster (Ch 33)";
    }
    return "?";
}

const char *sp_tier_key(sp_tier tier)
{
    switch (tier) {
    case SP_TIER_LOCAL: return "local";
    case SP_TIER_MANAGED: return "managed";
    case SP_TIER_SELF: return "self-managed";
    }
    return "?";
}

const char *sp_launcher_name(sp_launcher launcher)
{
    switch (launcher) {
    case SP_LAUNCH_TORCHRUN: return "torchrun";
    case SP_LAUNCH_RAY: return "ray";
    case SP_LAUNCH_SLURM: return "slurm";
    }
    return "?";
}
