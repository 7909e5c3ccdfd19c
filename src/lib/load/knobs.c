/* knobs.c - the overridable constants: names, places and allowed ranges. */
#include "load_internal.h"

#include <string.h>

#define SPEC(k, bit, lo, hi, fl) {#k, offsetof(sp_knobs, k), bit, lo, hi, fl}

/* Ranges reject typos and absurd values, not unusual hardware. */
const sp_knob_spec SP_KNOB_SPECS[SP_KNOB_COUNT] = {
    SPEC(gpu_mem_gb, SP_SET_GPU_MEM_GB, 0, 1e5, SP_NUM_POSITIVE),
    SPEC(gpus_per_node, SP_SET_GPUS_PER_NODE, 1, 4096, SP_NUM_INTEGER),
    SPEC(usd_per_gpu_hour, SP_SET_USD_PER_GPU_HOUR, 0, 1e4, SP_NUM_POSITIVE),
    SPEC(managed_premium, SP_SET_MANAGED_PREMIUM, 1, 100, 0),
    SPEC(ops_hours, SP_SET_OPS_HOURS, 0, 1e6, 0),
    SPEC(ops_usd_per_hour, SP_SET_OPS_USD_PER_HOUR, 0, 1e6, 0),
    SPEC(qps_per_replica, SP_SET_QPS_PER_REPLICA, 0, 1e9, SP_NUM_POSITIVE),
};

double sp_knob_get(const sp_knobs *knobs, const sp_knob_spec *spec)
{
    double value;
    memcpy(&value, (const char *)knobs + spec->offset, sizeof value);
    return value;
}

void sp_knob_set(sp_knobs *knobs, const sp_knob_spec *spec, double value)
{
    memcpy((char *)knobs + spec->offset, &value, sizeof value);
}
