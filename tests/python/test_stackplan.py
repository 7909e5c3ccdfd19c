"""The Python binding answers as the CLI does (issue 19): same dicts as --format json, errors with
their place, run by `make test` with Debian's python3-pytest over the built libstackplan.so."""
import json
import os
import subprocess

import pytest

import stackplan

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
CLI = os.environ.get("STACKPLAN_CLI", os.path.join(ROOT, "build", "stackplan"))


def cli_json(*args):
    out = subprocess.run([CLI, *args, "--format", "json"], cwd=ROOT, capture_output=True, text=True)
    return out.returncode, json.loads(out.stdout) if out.stdout else None


def test_memory_equals_the_cli():
    got = stackplan.memory(model="llama-3.1-8b", gpu="rtx-4090-24gb", method="qlora", micro_batch=2)
    assert got == cli_json("memory", "--model", "llama-3.1-8b", "--gpu", "rtx-4090-24gb", "--method", "qlora",
                           "--micro-batch", "2")[1]


def test_train_with_lists_and_flags_equals_the_cli():
    got = stackplan.train(model="llama-2-7b", gpu=["h100-sxm-80gb", "a100-sxm-80gb"], gpus=8, global_batch=256,
                          tokens=1e11, top=3)
    want = cli_json("train", "--model", "llama-2-7b", "--gpu", "h100-sxm-80gb,a100-sxm-80gb", "--gpus", "8",
                    "--global-batch", "256", "--tokens", "1e11", "--top", "3")[1]
    assert got == want
    assert {o["gpu"] for o in got["options"]} == {"h100-sxm-80gb", "a100-sxm-80gb"}


def test_plan_reads_a_profile_file():
    got = stackplan.plan(os.path.join(ROOT, "examples", "capstone.yaml"))
    assert got == cli_json("plan", "examples/capstone.yaml")[1]


def test_serve_breakeven_and_catalog():
    assert stackplan.serve(model="llama-3.1-70b", gpu="h100-sxm-80gb", qps=30, tpot_ms=50)["replicas"] >= 1
    be = stackplan.breakeven(gpus=16, usd_per_gpu_hour=2.5, premium=1.6, ops_hours=40, ops_usd_per_hour=60)
    assert be == cli_json("breakeven", "--gpus", "16", "--usd-per-gpu-hour", "2.5", "--premium", "1.6",
                          "--ops-hours", "40", "--ops-usd-per-hour", "60")[1]
    names = [m["name"] for m in stackplan.catalog("models")]
    assert "llama-3.1-8b" in names


def test_a_bad_flag_names_its_field():
    with pytest.raises(stackplan.StackplanError) as e:
        stackplan.memory(model="llama-3.1-8b", gpu="h100-sxm-80gb", micro_batch=-1)
    assert e.value.field == "--micro-batch" and "out of range" in e.value.message


def test_a_bad_profile_names_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: x\n  params_b: seven\n  train_hours: 1\n  budget_usd: 1\n")
    with pytest.raises(stackplan.StackplanError) as e:
        stackplan.plan(bad)
    assert (e.value.file, e.value.line, e.value.column, e.value.field) == (str(bad), 2, 13, "params_b")


def test_an_unmet_request_still_answers():
    """Exit status 3 on the CLI: the report says why nothing fits, so it is the answer."""
    code, want = cli_json("train", "--model", "llama-3.1-405b", "--gpu", "rtx-4090-24gb", "--gpus", "8",
                          "--global-batch", "64")
    assert code == 3
    assert stackplan.train(model="llama-3.1-405b", gpu="rtx-4090-24gb", gpus=8, global_batch=64) == want


def test_a_profile_nothing_meets_is_answered_in_place():
    """plan: the profile gets its reason, the file's other profiles their plans (exit 3 on the CLI)."""
    code, want = cli_json("plan", "tests/golden/plan_no_plan.yaml")
    assert code == 3
    got = stackplan.plan(os.path.join(ROOT, "tests", "golden", "plan_no_plan.yaml"))
    assert [p["meets_request"] for p in got["plans"]] == [p["meets_request"] for p in want["plans"]]
    assert got["plans"][2]["missed"] == ["plan"] and got["plans"][2]["no_plan"]["field"] == "gpu"
    assert got["plans"][-1]["axis"] == "serving" and got["plans"][-1]["meets_request"]


def test_a_model_no_replica_holds_raises_its_reason():
    """serve has no report to give then: exit 3 and one line on the CLI, StackplanError here."""
    out = subprocess.run([CLI, "serve", "--model", "llama-3.1-405b", "--gpu", "rtx-4090-24gb"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 3 and out.stdout == ""
    with pytest.raises(stackplan.StackplanError) as e:
        stackplan.serve(model="llama-3.1-405b", gpu="rtx-4090-24gb")
    assert e.value.field == "gpu" and "does not fit" in e.value.message


def test_false_turns_a_switch_off():
    off = stackplan.memory(model="llama-3.1-8b", gpu="h100-sxm-80gb", flash_attention=False)
    assert off == cli_json("memory", "--model", "llama-3.1-8b", "--gpu", "h100-sxm-80gb",
                           "--no-flash-attention")[1]
    assert off["activations_bytes"] > stackplan.memory(model="llama-3.1-8b", gpu="h100-sxm-80gb")["activations_bytes"]
    for value in (True, False):  # not a switch: refused by name, not passed bare or ignored
        with pytest.raises(stackplan.StackplanError) as e:
            stackplan.train(model="llama-3.1-8b", gpu="h100-sxm-80gb", gpus=value)
        assert e.value.field == "gpus" and "not a switch" in str(e.value)


def test_text_formats_come_back_as_text():
    text = stackplan.memory(model="llama-3.1-8b", gpu="rtx-4090-24gb", format="text")
    assert isinstance(text, str) and text.startswith("model")


def test_errors_are_one_line():
    for command in ("nope", "version"):
        with pytest.raises(stackplan.StackplanError) as e:
            stackplan.request(command)
        assert "\n" not in str(e.value) and str(e.value)


def test_commands_without_a_report_say_so():
    for command in ("launch", "classic", "completion", "version"):
        with pytest.raises(stackplan.StackplanError) as e:
            stackplan.request(command)
        assert "no JSON report" in str(e.value) and e.value.field == "command"


def test_threads_get_their_own_answers():
    import threading
    want = {gpu: stackplan.memory(model="llama-3.1-8b", gpu=gpu) for gpu in ("h100-sxm-80gb", "rtx-4090-24gb")}
    wrong = []

    def ask(gpu):
        for _ in range(10):
            try:
                if stackplan.memory(model="llama-3.1-8b", gpu=gpu) != want[gpu]:
                    wrong.append(gpu)
            except Exception as e:  # a torn answer fails to parse
                wrong.append(repr(e))

    threads = [threading.Thread(target=ask, args=(gpu,)) for gpu in want for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong


def test_not_json_is_refused():
    with pytest.raises(stackplan.StackplanError):
        stackplan.request("no-such-command")


def test_the_wheel_builds_offline_and_is_tagged_pure(tmp_path):
    """ctypes and no extension: py3-none-any, built from Debian's setuptools and wheel alone."""
    import shutil
    import zipfile
    src = tmp_path / "src"
    shutil.copytree(os.path.join(ROOT, "python"), src)
    out = subprocess.run(["/usr/bin/python3", "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                          str(src), "-w", str(tmp_path / "dist")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    wheels = os.listdir(tmp_path / "dist")
    assert wheels == ["stackplan-0.1.0-py3-none-any.whl"]
    assert "stackplan/__init__.py" in zipfile.ZipFile(tmp_path / "dist" / wheels[0]).namelist()
