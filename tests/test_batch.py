"""msim batch: pairing, worker-count independence, failure isolation, bad input, the report."""

from __future__ import annotations

import io
import json
import socket

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from model.batch import arms as arms_mod
from model.batch.arms import Arm, parse_arms, register_arm, schedule_arm
from model.batch.errors import BatchError
from model.batch.plan import build_plan, parse_sweep, replicate_seeds
from model.batch.progress import Progress
from model.batch.stats import kaplan_meier, mean_ci, paired_reduction, wilson
from model.cli import main
from model.scenario import Scenario, ScenarioError
from tests.batch_helpers import msim, small_scenario

DAYS = "150"


# ----------------------------------------------------------------------------- plan
def test_replicate_seeds_come_from_the_root_seed_sequence():
    seeds = replicate_seeds(7, 5)
    expected = [
        int(c.generate_state(1, dtype=np.uint32)[0]) for c in np.random.SeedSequence(7).spawn(5)
    ]
    assert seeds == expected
    assert len(set(seeds)) == 5
    assert replicate_seeds(7, 3) == seeds[:3]  # a replicate's seed ignores the cohort size
    assert replicate_seeds(8, 3) != seeds[:3]


def test_plan_pairs_each_replicate_across_arms_and_sweep_points():
    base = Scenario(name="p")
    plan = build_plan(
        base,
        ["treated", "untreated"],
        [parse_sweep("disease.flare_rate=1,2.5"), parse_sweep("grid.vessels=5,9")],
        replicates=3,
        root_seed=11,
    )
    assert len(plan.runs) == 2 * 4 * 3
    assert [r.run_id for r in plan.runs] == sorted(r.run_id for r in plan.runs)
    assert len({r.run_id for r in plan.runs}) == len(plan.runs)
    seeds = replicate_seeds(11, 3)
    for run in plan.runs:
        assert run.seed == seeds[run.replicate]
        sc = plan.scenario(run.arm, run.point)
        assert sc.disease.flare_rate == plan.points[run.point]["disease.flare_rate"]
        assert sc.grid.vessels == plan.points[run.point]["grid.vessels"]
        assert (sc.dosing.courses == []) == (run.arm == "untreated")
    assert plan.points[1] == {"disease.flare_rate": 1, "grid.vessels": 9}


def test_arms_are_a_registry():
    with pytest.raises(BatchError, match="unknown arm"):
        parse_arms("treated,placebo")
    register_arm(
        Arm(
            "one_course",
            "only the first course",
            lambda s: s.model_copy(
                update={"dosing": s.dosing.model_copy(update={"courses": s.dosing.courses[:1]})}
            ),
        )
    )
    try:
        plan = build_plan(Scenario(name="a"), parse_arms("one_course,untreated"), [], 2, 1)
        assert len(plan.scenario("one_course", 0).dosing.courses) == 1
    finally:
        del arms_mod.ARMS["one_course"]


def test_bad_sweeps_are_refused_when_planning():
    with pytest.raises(ScenarioError, match=r"did you mean 'disease\.flare_rate'"):
        build_plan(Scenario(name="a"), ["treated"], [parse_sweep("disease.flare_rat=1,2")], 1, 1)
    with pytest.raises(ScenarioError, match="flare_rate"):
        build_plan(Scenario(name="a"), ["treated"], [parse_sweep("disease.flare_rate=1,99")], 1, 1)
    with pytest.raises(BatchError):
        parse_sweep("disease.flare_rate")
    with pytest.raises(BatchError, match="repeated"):
        parse_sweep("disease.flare_rate=1,1")
    with pytest.raises(BatchError, match="more than once"):
        build_plan(
            Scenario(name="a"),
            ["treated"],
            [parse_sweep("grid.vessels=3"), parse_sweep("grid.vessels=4")],
            1,
            1,
        )


# ----------------------------------------------------------------------------- a real batch
@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One small paired batch on two local workers, shared by the tests below. Its patients
    are active (3 times the mean), so the untreated arm relapses in its short follow-up and
    every figure, the paired reduction's included, has data to draw."""
    root = tmp_path_factory.mktemp("batch")
    scenario = small_scenario(root)
    args = ["batch", str(scenario), "--replicates", "3", "--days", DAYS, "--seed", "5"]
    args += ["--set", "patient.activity_mean=3"]
    done = msim(*args, "--workers", "2", "--out", "two", cwd=root)
    assert done.returncode == 0, done.stderr
    return {"root": root, "args": args, "out": root / "two", "stderr": done.stderr}


def test_batch_writes_every_output(batch):
    out = batch["out"]
    for name in (
        "runs.csv",
        "timeseries.parquet",
        "events.parquet",
        "manifest.json",
        "summary.md",
        "scenario.toml",
        "plots/arr.png",
        "plots/lymphocytes.png",
        "plots/relapse_free.png",
        "plots/worsening_free.png",
        "plots/arr_reduction.png",
    ):
        assert (out / name).is_file(), name
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 6 and (runs.status == "ok").all()
    for column in (
        "run_id",
        "arm",
        "replicate",
        "seed",
        "relapse_count",
        "arr",
        "arr_by_year",
        "relapse_free_2y",
        "new_lesion_count",
        "cd4_nadir_fraction",
        "b_cells_recovery_day",
    ):
        assert column in runs.columns, column
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["root_seed"] == 5 and manifest["runs"]["total"] == 6
    assert manifest["scenario_sha256"] and manifest["versions"]["numpy"]
    assert manifest["started"] <= manifest["finished"]
    assert "batch" in manifest["command"]
    text = (out / "summary.md").read_text()
    assert "ARR reduction" in text and "plots/lymphocytes.png" in text
    assert "runs 6/6 done" in batch["stderr"]  # plain progress lines when not on a terminal


def test_runs_are_paired_by_replicate(batch):
    out = batch["out"]
    runs = pd.read_csv(out / "runs.csv")
    seeds = replicate_seeds(5, 3)
    assert (runs.seed == [seeds[r] for r in runs.replicate]).all()
    ts = pq.read_table(out / "timeseries.parquet").to_pandas()
    assert len(ts) == 6 * int(DAYS)
    first_dose = 60
    for r in range(3):
        ids = runs[runs.replicate == r].set_index("arm").run_id
        t = ts[ts.run_id == ids["treated"]].drop(columns="run_id").reset_index(drop=True)
        u = ts[ts.run_id == ids["untreated"]].drop(columns="run_id").reset_index(drop=True)
        # the same virtual patient: identical until the first infusion, different after
        pd.testing.assert_frame_equal(t.iloc[:first_dose], u.iloc[:first_dose])
        assert not t.iloc[first_dose:].equals(u.iloc[first_dose:])
    events = pq.read_table(out / "events.parquet").to_pandas()
    assert set(events.run_id) <= set(runs.run_id)
    assert (events[events.kind == "dose"].run_id.str.endswith("treated")).all()


def test_results_do_not_depend_on_the_number_of_workers(batch):
    one = msim(*batch["args"], "--workers", "1", "--out", "one", cwd=batch["root"])
    assert one.returncode == 0, one.stderr
    a, b = batch["out"], batch["root"] / "one"
    assert (a / "runs.csv").read_bytes() == (b / "runs.csv").read_bytes()
    assert (a / "summary.md").read_bytes() == (b / "summary.md").read_bytes()
    for name in ("timeseries.parquet", "events.parquet"):
        assert pq.read_table(a / name).equals(pq.read_table(b / name)), name


def test_a_failing_run_is_recorded_and_the_batch_goes_on(tmp_path):
    scenario = small_scenario(tmp_path)
    bad = replicate_seeds(3, 3)[1]
    args = ["batch", str(scenario), "--replicates", "3", "--days", "100", "--seed", "3"]
    args += ["--workers", "2", "--out", "out"]
    done = msim(
        *args,
        cwd=tmp_path,
        env={"MSIM_BATCH_RUNNER": "batch_fault:simulate", "MSIM_TEST_FAIL_SEEDS": str(bad)},
    )
    assert done.returncode == 1, done.stderr
    assert "2 failed" in done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv", keep_default_na=False)
    failed = runs[runs.status == "error"]
    assert sorted(failed.replicate) == [1, 1]
    assert failed.error.str.contains("RuntimeError: injected failure").all()
    assert (runs[runs.replicate != 1].status == "ok").all()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["runs"]["failed"] == 2
    assert manifest["runner"] == "batch_fault:simulate"
    ts = pq.read_table(tmp_path / "out" / "timeseries.parquet", columns=["run_id"]).to_pandas()
    assert set(ts.run_id) == set(runs[runs.status == "ok"].run_id)
    # --resume retries the failed runs (here the fault is gone) and only them
    again = msim(*args, "--resume", cwd=tmp_path, env={"MSIM_BATCH_RUNNER": "batch_fault:simulate"})
    assert again.returncode == 0, again.stderr
    assert "4 already finished, 2 to run" in again.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv", keep_default_na=False)
    assert (runs.status == "ok").all() and (runs.error == "").all()


def test_a_worker_process_that_dies_loses_only_runs_in_flight(tmp_path):
    scenario = small_scenario(tmp_path)
    crash = replicate_seeds(4, 4)[2]
    args = ["batch", str(scenario), "--replicates", "4", "--days", "100", "--seed", "4"]
    args += ["--workers", "2", "--out", "out"]
    hook = {"MSIM_BATCH_RUNNER": "batch_fault:simulate"}
    done = msim(*args, cwd=tmp_path, env={**hook, "MSIM_TEST_CRASH_SEEDS": str(crash)})
    assert done.returncode == 1, done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv", keep_default_na=False)
    assert len(runs) == 8
    assert (runs[runs.replicate == 2].status == "error").all()
    lost = runs[runs.status == "error"]
    assert lost.error.str.contains("worker process died").all()
    # The crashing run is the 5th task: with a window of 4 it starts only after a run ended,
    # so at least that run was saved; which others were in flight depends on timing.
    assert (runs.status == "ok").sum() >= 1
    again = msim(*args, "--resume", cwd=tmp_path, env=hook)
    assert again.returncode == 0, again.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv", keep_default_na=False)
    assert (runs.status == "ok").all()


# ----------------------------------------------------------------------------- bad input
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sweep", "disease.flare_rat=1,2"], "did you mean 'disease.flare_rate'"),
        (["--sweep", "disease.flare_rate=1,99"], "disease.flare_rate"),
        (["--sweep", "run.baseline_days=30,90"], "inside the 90-day baseline"),
        (["--arms", "treated,placebo"], "unknown arm"),
        (["--set", "grid.width=5"], "grid.width"),
        (["--scheduler", "tcp://127.0.0.1:{port}"], "cannot reach the scheduler"),
    ],
)
def test_bad_input_exits_2_before_any_run(tmp_path, capsys, extra, message):
    scenario = small_scenario(tmp_path)
    extra = [e.format(port=free_port()) for e in extra]
    out = tmp_path / "out"
    code = main(
        ["batch", str(scenario), "--replicates", "2", "--days", "100", "--out", str(out), *extra]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("replicates", ["0", "-1", "many"])
def test_replicates_must_be_a_positive_count(tmp_path, capsys, replicates):
    with pytest.raises(SystemExit) as exit_:
        main(["batch", str(small_scenario(tmp_path)), "--replicates", replicates])
    assert exit_.value.code == 2
    assert "--replicates" in capsys.readouterr().err


def test_a_used_folder_is_refused_without_resume(batch, capsys):
    code = main(
        [
            "batch",
            str(batch["root"] / "small.toml"),
            "--replicates",
            "3",
            "--days",
            DAYS,
            "--seed",
            "5",
            "--out",
            str(batch["out"]),
        ]
    )
    assert code == 2
    assert "--resume" in capsys.readouterr().err


def test_resume_refuses_a_different_batch(batch, capsys):
    code = main(
        [
            "batch",
            str(batch["root"] / "small.toml"),
            "--replicates",
            "4",
            "--days",
            DAYS,
            "--seed",
            "5",
            "--out",
            str(batch["out"]),
            "--resume",
        ]
    )
    assert code == 2
    assert "replicates" in capsys.readouterr().err


def test_a_complete_batch_keeps_one_small_json_per_run_and_no_parquet_parts(batch):
    parts = batch["out"] / "parts"
    assert len(list(parts.glob("*.json"))) == 6
    assert not list(parts.glob("*.parquet"))  # their rows are in the final tables


def test_resume_of_a_finished_batch_runs_nothing_and_changes_nothing(batch):
    names = ("runs.csv", "timeseries.parquet", "events.parquet", "summary.md")
    before = {n: (batch["out"] / n).read_bytes() for n in names}
    again = msim(*batch["args"], "--out", "two", "--resume", cwd=batch["root"])
    assert again.returncode == 0, again.stderr
    assert "6 already finished, 0 to run" in again.stderr
    assert {n: (batch["out"] / n).read_bytes() for n in names} == before


# ----------------------------------------------------------------------------- statistics
def test_paired_reduction_is_a_ratio_of_means_with_a_deterministic_interval():
    treated, control = np.array([0.0, 1.0, 0.0, 0.5]), np.array([2.0, 1.0, 1.0, 2.0])
    est = paired_reduction(treated, control, seed=0)
    assert est.value == pytest.approx(1 - 0.375 / 1.5)
    assert est.low <= est.value <= est.high <= 1
    assert paired_reduction(treated, control, seed=0) == est
    assert paired_reduction(treated, np.zeros(4), seed=0).value is None


def test_interval_helpers():
    assert mean_ci(np.array([1.0, 1.0, 1.0])).low == pytest.approx(1.0)
    assert mean_ci(np.array([0.0, 0.0, 3.0])).low == 0.0  # a rate is never below 0
    w = wilson(0, 10)
    assert w.value == 0 and w.low == 0 and 0.2 < w.high < 0.35
    days, surv = kaplan_meier(np.array([10, 20, 30, 30]), np.array([True, False, True, False]))
    assert days.tolist() == [0, 10, 30]
    assert surv.tolist() == pytest.approx([1, 0.75, 0.375])


def test_plain_progress_lines_say_done_total_elapsed_and_eta():
    stream = io.StringIO()
    progress = Progress(4, initial=1, stream=stream, every=0)
    progress.update()
    progress.update()
    progress.update()
    lines = stream.getvalue().splitlines()
    assert lines[-1].startswith("runs 4/4 done") and "elapsed" in lines[-1] and "ETA" in lines[0]


# ----------------------------------------------------------------------------- schedules
LATE = """name = "late course"
[[dosing.courses]]
start_day = 100
days = 3
"""


def test_a_schedule_arm_changes_the_dosing_and_nothing_else(tmp_path):
    late = tmp_path / "late.toml"
    late.write_text(LATE, encoding="utf-8")
    base = Scenario(name="base", disease={"flare_rate": 2.0})
    schedules = {"late": schedule_arm(f"late={late}")}
    plan = build_plan(base, parse_arms("treated", schedules), [], 2, 9, extra_arms=schedules)
    assert plan.arms == ["treated", "late"]
    treated, other = plan.scenarios[("treated", 0)], plan.scenarios[("late", 0)]
    assert other["dosing"]["courses"] == [{"start_day": 100, "days": 3, "dose_mg": 12.0}]
    assert other["disease"] == treated["disease"]  # the batch's patient, not the file's
    assert {k for k in treated if treated[k] != other[k]} == {"dosing", "name"}
    assert "late.toml" in plan.descriptions["late"]
    # an edited schedule file is another batch: --resume must not mix the two
    late.write_text(LATE.replace("100", "110"), encoding="utf-8")
    again = {"late": schedule_arm(f"late={late}")}
    changed = build_plan(base, ["treated", "late"], [], 2, 9, extra_arms=again)
    assert changed.fingerprint() != plan.fingerprint()


def test_schedules_compare_on_the_same_patients(tmp_path):
    scenario = small_scenario(tmp_path)
    (tmp_path / "late.toml").write_text(LATE, encoding="utf-8")
    args = ["batch", str(scenario), "--replicates", "2", "--days", DAYS, "--seed", "8"]
    done = msim(*args, "--schedule", "late=late.toml", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert sorted(set(runs.arm)) == ["late", "treated", "untreated"]
    ts = pq.read_table(tmp_path / "out" / "timeseries.parquet").to_pandas()
    events = pq.read_table(tmp_path / "out" / "events.parquet").to_pandas()
    for r in range(2):
        ids = runs[runs.replicate == r].set_index("arm").run_id
        late = ts[ts.run_id == ids["late"]].drop(columns="run_id").reset_index(drop=True)
        none = ts[ts.run_id == ids["untreated"]].drop(columns="run_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(late.iloc[:100], none.iloc[:100])  # same patient
        doses = events[(events.run_id == ids["late"]) & (events.kind == "dose")]
        assert sorted(doses.day) == [100, 101, 102]
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "**late**: the dosing schedule of late.toml" in summary


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("late", "is not NAME=FILE"),
        ("late=missing.toml", "missing.toml"),
        ("treated=late.toml", "'treated' is a built-in arm"),
        ("two words=late.toml", "may hold only letters, digits and _"),
    ],
)
def test_bad_schedules_exit_2_before_any_run(tmp_path, capsys, schedule, message):
    scenario = small_scenario(tmp_path)
    (tmp_path / "late.toml").write_text(LATE, encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(scenario), "--replicates", "1", "--out", str(out)]
    code = main([*args, "--schedule", schedule.replace("late.toml", str(tmp_path / "late.toml"))])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_schedule_that_starts_inside_the_batch_run_in_is_refused(tmp_path, capsys):
    scenario = tmp_path / "long-run-in.toml"
    scenario.write_text(
        'name = "long run-in"\n[run]\nbaseline_days = 120\n'
        "[[dosing.courses]]\nstart_day = 130\ndays = 3\n",
        encoding="utf-8",
    )
    late = tmp_path / "late.toml"  # fine on its own (day 100, after its 60-day run-in)
    late.write_text(LATE, encoding="utf-8")
    code = main(["batch", str(scenario), "--replicates", "1", "--schedule", f"late={late}"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"--schedule late={late}" in err and "inside the 120-day baseline" in err
