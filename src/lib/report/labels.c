/* labels.c - the words for the plan's choices (tier, launcher) and the output formats. */
#include "report_internal.h"

#include <string.h>

bool sp_format_parse(const char *text, sp_format *out)
{
    if (!strcmp(text, "text"))
        *out = SP_FORMAT_TEXT;
    else if (!strcmp(text, "json"))
        *out = SP_FORMAT_JSON;
    else if (!strcmp(text, "md"))
        *out = SP_FORMAT_MD;
    else if (!strcmp(text, "html"))
        *out = SP_FORMAT_HTML;
    else if (!strcmp(text, "profile"))
        *out = SP_FORMAT_PROFILE;
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

const char *sp_plan_tier_name(const sp_plan *plan)
{
    if (plan->tier == SP_TIER_LOCAL && plan->data_sized) /* a CPU machine of the instance catalog */
        return "Local single node (one machine)";
    if (plan->tier == SP_TIER_LOCAL && plan->gpus <= 1)
        return "Local single node (one GPU)";
    return sp_tier_name(plan->tier);
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
    case SP_LAUNCH_SKYPILOT: return "skypilot";
    }
    return "?";
}

static const struct {
    const char *name;
    double choices;
} ROUTERS[] = {{"power-of-two", 2}, {"least-loaded", 0}, {"random", 1}};

bool sp_routing_parse(const char *text, double *choices)
{
    for (size_t i = 0; i < sizeof ROUTERS / sizeof ROUTERS[0]; i++)
        if (!strcmp(text, ROUTERS[i].name)) {
            *choices = ROUTERS[i].choices;
            return true;
        }
    return false;
}

const char *sp_routing_name(double choices)
{
    return choices >= 2 ? "power-of-two" : choices >= 1 ? "random" : "least-loaded";
}
