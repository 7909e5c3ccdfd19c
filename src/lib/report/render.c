/* render.c - picks the renderer for a format. */
#include "report_internal.h"

char *sp_render_plans(const sp_profile_list *profiles, const sp_plan *plans,
                      const sp_rules *rules, sp_format format, sp_error *err)
{
    switch (format) {
    case SP_FORMAT_JSON: return sp_render_plans_json(profiles, plans, rules, err);
    case SP_FORMAT_MD: return sp_render_plans_md(profiles, plans, rules, err);
    case SP_FORMAT_HTML: return sp_render_plans_html(profiles, plans, rules, err);
    case SP_FORMAT_TEXT:
    case SP_FORMAT_PROFILE: break;
    }
    return sp_render_plans_text(profiles, plans, rules, err);
}
