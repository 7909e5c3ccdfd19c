/* launch_internal.h - the launchers inside libstackplan: a plan's artifacts (scripts,
 * cluster.yaml, requirements, manifest), rendered to memory over the reporters below.
 * Not part of the API. */
#ifndef SP_LAUNCH_INTERNAL_H
#define SP_LAUNCH_INTERNAL_H

#include "report_internal.h"

/* Ray's cluster.yaml for a plan (launch_yaml.c, libyaml's emitter); setup is its one setup
 * command. */
char *sp_cluster_yaml(const char *slug, const sp_plan *plan, const sp_accel *a, const char *setup, bool cpu,
                      sp_error *err);

#endif
