/* launch_yaml.c - Ray's cluster.yaml, written with libyaml's emitter (never by hand). */
#include "launch_internal.h"

#include <stdio.h>
#include <string.h>
#include <yaml.h>

typedef struct {
    yaml_emitter_t emitter;
    bool failed;
} emit_ctx;

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
    sp_buf *b = data;
    char chunk[4096];
    while (size > 0) {
        size_t n = size < sizeof chunk - 1 ? size : sizeof chunk - 1;
        memcpy(chunk, buffer, n);
        chunk[n] = '\0';
        sp_buf_puts(b, chunk);
        buffer += n;
        size -= n;
    }
    return !b->failed;
}

static void emit(emit_ctx *e, yaml_event_t *event)
{
    if (e->failed)
        yaml_event_delete(event); /* the emitter takes (and frees) only the events it is given */
    else if (!yaml_emitter_emit(&e->emitter, event))
        e->failed = true;
}

static void scalar(emit_ctx *e, const char *text)
{
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 1,
                                 YAML_ANY_SCALAR_STYLE);
    emit(e, &ev);
}

/* A number the schema wants as an integer. */
static void integer(emit_ctx *e, double value)
{
    char text[32];
    snprintf(text, sizeof text, "%.0f", value);
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)YAML_INT_TAG, (yaml_char_t *)text, (int)strlen(text), 1,
                                 0, YAML_PLAIN_SCALAR_STYLE);
    emit(e, &ev);
}

static void begin_map(emit_ctx *e)
{
    yaml_event_t ev;
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    emit(e, &ev);
}

static void end_map(emit_ctx *e)
{
    yaml_event_t ev;
    yaml_mapping_end_event_initialize(&ev);
    emit(e, &ev);
}

static void begin_seq(emit_ctx *e)
{
    yaml_event_t ev;
    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
    emit(e, &ev);
}

static void end_seq(emit_ctx *e)
{
    yaml_event_t ev;
    yaml_sequence_end_event_initialize(&ev);
    emit(e, &ev);
}

/* The AWS instance type of the plan's nodes, "" when they are not on AWS. */
static const char *aws_type(const sp_plan *plan, const sp_accel *a)
{
    if (plan->data_sized)
        return strcmp(plan->data_instance.cloud, "aws") ? "" : plan->data_instance.name;
    return a ? a->aws_instance : "";
}

static void node_type(emit_ctx *e, const char *name, const sp_plan *plan, const sp_accel *a, double workers,
                      bool cpu)
{
    scalar(e, name);
    begin_map(e);
    scalar(e, "resources");
    begin_map(e);
    if (plan->data_sized) {
        scalar(e, "CPU");
        integer(e, plan->data_instance.vcpus);
    } else if (!cpu) {
        scalar(e, "GPU");
        integer(e, plan->knobs.gpus_per_node);
    }
    end_map(e);
    scalar(e, "node_config");
    begin_map(e);
    if (aws_type(plan, a)[0]) {
        scalar(e, "InstanceType");
        scalar(e, aws_type(plan, a));
    }
    end_map(e);
    scalar(e, "min_workers");
    integer(e, workers);
    scalar(e, "max_workers");
    integer(e, workers);
    end_map(e);
}

/* AWS when the accelerator has a known instance; otherwise Ray's on-premises provider
 * with addresses the operator fills in. */
static void provider(emit_ctx *e, const sp_plan *plan, const sp_accel *a)
{
    scalar(e, "provider");
    begin_map(e);
    scalar(e, "type");
    if (aws_type(plan, a)[0]) {
        scalar(e, "aws");
        scalar(e, "region");
        scalar(e, "us-east-1");
    } else {
        scalar(e, "local");
        scalar(e, "head_ip");
        scalar(e, "HEAD_NODE_IP");
        scalar(e, "worker_ips");
        begin_seq(e);
        for (double i = 1; i < plan->nodes && i <= 64; i++) {
            char ip[32];
            snprintf(ip, sizeof ip, "WORKER_%.0f_IP", i);
            scalar(e, ip);
        }
        end_seq(e);
    }
    end_map(e);
}

char *sp_cluster_yaml(const char *slug, const sp_plan *plan, const sp_accel *a, const char *setup, bool cpu,
                      sp_error *err)
{
    sp_buf b = {0};
    emit_ctx e = {.failed = false};
    if (!yaml_emitter_initialize(&e.emitter)) {
        sp_fail(err, SP_ERR_NOMEM, "", 0, 0, "", "cannot start the YAML emitter");
        return NULL;
    }
    yaml_emitter_set_output(&e.emitter, write_handler, &b);
    yaml_emitter_set_unicode(&e.emitter, 1);
    yaml_event_t ev;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    emit(&e, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    emit(&e, &ev);
    begin_map(&e);
    scalar(&e, "cluster_name");
    scalar(&e, slug);
    scalar(&e, "max_workers");
    integer(&e, plan->nodes - 1);
    scalar(&e, "idle_timeout_minutes");
    integer(&e, 10);
    provider(&e, plan, a);
    scalar(&e, "available_node_types");
    begin_map(&e);
    node_type(&e, "head", plan, a, 0, cpu);
    if (plan->nodes > 1)
        node_type(&e, "worker", plan, a, plan->nodes - 1, cpu);
    end_map(&e);
    scalar(&e, "head_node_type");
    scalar(&e, "head");
    scalar(&e, "setup_commands");
    begin_seq(&e);
    scalar(&e, setup);
    end_seq(&e);
    end_map(&e);
    yaml_document_end_event_initialize(&ev, 1);
    emit(&e, &ev);
    yaml_stream_end_event_initialize(&ev);
    emit(&e, &ev);
    yaml_emitter_delete(&e.emitter);
    if (e.failed)
        b.failed = true;
    return sp_buf_finish(&b, err);
}
