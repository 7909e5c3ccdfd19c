/* Unit tests of the launch helpers: shell quoting, slugs, the artifact set. */
#include "test_support.h"

static void shell_quote_makes_one_word(void **state)
{
    (void)state;
    char buf[256];
    sp_shell_quote("train.py", buf, sizeof buf);
    assert_string_equal(buf, "'train.py'");
    sp_shell_quote("it's $(rm -rf ~) `x`", buf, sizeof buf);
    assert_string_equal(buf, "'it'\\''s $(rm -rf ~) `x`'");
    sp_shell_quote("", buf, sizeof buf);
    assert_string_equal(buf, "''");
}

static void slug_is_directory_safe(void **state)
{
    (void)state;
    char buf[64];
    sp_slug("A. Fine-tune a 7B model!", buf, sizeof buf);
    assert_string_equal(buf, "a-fine-tune-a-7b-model");
    sp_slug("../../etc/passwd", buf, sizeof buf);
    assert_string_equal(buf, "etc-passwd");
    sp_slug("!!!", buf, sizeof buf);
    assert_string_equal(buf, "profile");
}

/* A self-managed training plan gets Slurm, torchrun and Ray files, pinned requirements
 * and a manifest naming the Slurm launch. */
static void training_artifacts(void **state)
{
    (void)state;
    sp_rules rules;
    sp_error err;
    assert_int_equal(sp_rules_load(SP_DATA_DIR, &rules, &err), SP_OK);
    sp_profile p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "Two nodes");
    p.has_memory_gb = true;
    p.memory_gb = 1200;
    p.axis = SP_AXIS_MODEL;
    p.has_axis = true;
    p.train_hours = 100;
    p.budget_usd = 5000;
    sp_plan plan;
    assert_int_equal(sp_plan_profile(&p, &rules, NULL, &plan, &err), SP_OK);
    assert_int_equal(plan.launcher, SP_LAUNCH_SLURM);
    sp_launch_options o = SP_LAUNCH_OPTIONS_INIT;
    sp_artifact_set set;
    assert_int_equal(sp_launch_artifacts(&p, &plan, &rules, NULL, &o, NULL, 0, &set, &err), SP_OK);
    assert_string_equal(set.dir, "two-nodes");
    const char *expected[] = {"torchrun.sh", "job.sbatch", "cluster.yaml", "ray.sh", "requirements.txt", "manifest.json"};
    assert_int_equal(set.count, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(set.items[i].name, expected[i]);
    assert_non_null(strstr(set.items[1].text, "#SBATCH --nodes=2\n"));
    assert_non_null(strstr(set.items[1].text, "#SBATCH --gpus-per-node=8\n"));
    assert_non_null(strstr(set.items[1].text, "--rdzv_backend=c10d"));
    assert_non_null(strstr(set.items[5].text, "\"launch\": \"sbatch job.sbatch\""));
    assert_null(strstr(set.items[4].text, ">="));
    sp_artifact_set_free(&set);
    sp_artifact_set_free(&set);
    sp_artifact_set_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shell_quote_makes_one_word),
        cmocka_unit_test(slug_is_directory_safe),
        cmocka_unit_test(training_artifacts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
