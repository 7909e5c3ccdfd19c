/* choice.c - which of two timed runs a request with a deadline and a budget prefers: one rule for
 * train's options, plan's GPU counts and their warnings. */
#include "search_internal.h"

sp_run_standing sp_run_standing_of(double days, double cost_usd, double deadline_days, double budget_usd)
{
    bool in_time = deadline_days <= 0 || days <= deadline_days;
    bool affordable = budget_usd <= 0 || cost_usd <= budget_usd;
    return in_time && affordable ? SP_RUN_MEETS_BOTH
           : affordable          ? SP_RUN_MEETS_BUDGET
           : in_time             ? SP_RUN_MEETS_DEADLINE
                                 : SP_RUN_MEETS_NEITHER;
}

bool sp_run_preferred(double days_a, double cost_usd_a, double days_b, double cost_usd_b, double deadline_days,
                      double budget_usd)
{
    sp_run_standing a = sp_run_standing_of(days_a, cost_usd_a, deadline_days, budget_usd);
    sp_run_standing b = sp_run_standing_of(days_b, cost_usd_b, deadline_days, budget_usd);
    if (a != b)
        return a > b;
    /* Money spent past a budget buys nothing the budget allowed, so a run over it is judged by how
     * far over; a budget met and a deadline missed buys the earliest finish it can. */
    bool by_cost = a == SP_RUN_MEETS_DEADLINE || a == SP_RUN_MEETS_NEITHER || (a == SP_RUN_MEETS_BOTH && deadline_days > 0);
    if (by_cost)
        return cost_usd_a < cost_usd_b || (cost_usd_a == cost_usd_b && days_a < days_b);
    return days_a < days_b || (days_a == days_b && cost_usd_a < cost_usd_b);
}
