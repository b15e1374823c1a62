"""`msim` end to end: files written, byte-identical reruns, and every bad input refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIRST_LOOK = str(ROOT / "scenarios" / "first-look.toml")
TS_COLUMNS = [
    "day",
    "cd4",
    "cd8",
    "b_cells",
    "treg",
    "nk",
    "antibody",
    "myelin_integrity",
    "lesion_area",
    "active_lesions",
    "inflammation",
    "relapse_active",
    "mean_aggression",
    "treg_share",
    "infection_risk",
]


def run(*args: str) -> int:
    return main(list(args))


@pytest.fixture(scope="module")
def one_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "out"
    assert run("run", FIRST_LOOK, "--days", "150", "--seed", "3", "--out", str(out)) == 0
    return out


def test_run_writes_every_output(one_run):
    names = {p.name for p in one_run.iterdir()}
    assert names == {
        "timeseries.csv",
        "events.csv",
        "mri.csv",
        "relapses.csv",
        "summary.json",
        "manifest.json",
        "scenario.toml",
    }
    ts = pd.read_csv(one_run / "timeseries.csv")
    assert list(ts.day) == list(range(150))
    assert set(TS_COLUMNS) <= set(ts.columns)
    ev = pd.read_csv(one_run / "events.csv")
    assert list(ev.columns) == ["day", "kind", "detail"]
    assert (ev.kind == "dose").sum() == 5
    summary = json.loads((one_run / "summary.json").read_text())
    for key in (
        "scenario",
        "seed",
        "days",
        "relapse_count",
        "arr",
        "arr_by_year",
        "relapse_free_2y",
        "new_lesion_count",
        "doses_given",
        "nadir_day",
        "cd4_nadir_fraction",
        "cd4_recovery_day",
        "nk_nadir_fraction",
    ):
        assert key in summary
    assert summary["seed"] == 3 and summary["days"] == 150 and summary["doses_given"] == 5
    manifest = json.loads((one_run / "manifest.json").read_text())
    assert manifest["seed"] == 3 and len(manifest["scenario_sha256"]) == 64
    assert manifest["versions"]["mesa"] == "3.5.1"


def test_relapses_csv_records_every_relapse_the_events_announce(tmp_path):
    out = tmp_path / "r"
    args = ("run", FIRST_LOOK, "--untreated", "--days", "900", "--seed", "4", "--out", str(out))
    assert run(*args, "--set", "disease.flare_rate=8") == 0
    rel = pd.read_csv(out / "relapses.csv")
    ev = pd.read_csv(out / "events.csv")
    assert list(rel.columns) == ["start", "end", "duration", "lasting_damage", "lasting_loss"]
    assert len(rel) >= 2
    assert list(rel.start) == list(ev.day[ev.kind == "relapse_start"])
    ended = rel.dropna(subset=["end"])
    assert list(ended.end.astype(int)) == list(ev.day[ev.kind == "relapse_end"])
    assert (ended.duration == ended.end - ended.start).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["relapses_with_lasting_damage"] == int(ended.lasting_damage.astype(bool).sum())


def test_rerun_from_written_scenario_is_byte_identical(one_run, tmp_path):
    again = tmp_path / "again"
    assert run("run", str(one_run / "scenario.toml"), "--out", str(again)) == 0
    for name in ("timeseries.csv", "events.csv", "relapses.csv", "summary.json", "scenario.toml"):
        assert (again / name).read_bytes() == (one_run / name).read_bytes(), name


def test_untreated_and_set(tmp_path):
    out = tmp_path / "u"
    code = run(
        "run",
        FIRST_LOOK,
        "--days",
        "60",
        "--untreated",
        "--set",
        "disease.flare_rate=0",
        "--set",
        "grid.vessels=20",
        "--out",
        str(out),
    )
    assert code == 0
    written = (out / "scenario.toml").read_text()
    assert "courses = []" in written and "vessels = 20" in written and "flare_rate = 0" in written


def test_refuses_non_empty_out_without_force(one_run, capsys):
    before = (one_run / "summary.json").read_bytes()
    assert run("run", FIRST_LOOK, "--days", "10", "--out", str(one_run)) == 2
    assert "not empty" in capsys.readouterr().err
    assert (one_run / "summary.json").read_bytes() == before


def test_force_replaces(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "old.txt").write_text("x")
    assert run("run", FIRST_LOOK, "--days", "5", "--out", str(out), "--force") == 0
    assert not (out / "old.txt").exists() and (out / "summary.json").exists()


def test_default_out_is_a_new_folder_under_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("run", FIRST_LOOK, "--days", "5") == 0
    assert run("run", FIRST_LOOK, "--days", "5") == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [
        "first-look-seed1",
        "first-look-seed1-2",
    ]


BAD_FILES = {
    "broken.toml": (b'name = "x"\n[grid\n', "line 2"),
    "types.toml": (b'name = "x"\n[grid]\nwidth = "wide"\n', "grid.width"),
    "range.toml": (b'name = "x"\n[disease]\nchemotaxis = 3\n', "disease.chemotaxis"),
    "negative.toml": (b'name = "x"\n[cells.nk]\nbaseline = -4\n', "cells.nk.baseline"),
    "overlap.toml": (
        b'name = "x"\n[[dosing.courses]]\nstart_day = 70\ndays = 5\n'
        b"[[dosing.courses]]\nstart_day = 72\n",
        "overlap",
    ),
    "unknown.toml": (b'name = "x"\n[disease]\nflare_rat = 2\n', "did you mean"),
    "empty.toml": (b"", "empty"),
    "latin1.toml": ('name = "Gr\u00fc\u00dfe"\n'.encode("latin-1"), "UTF-8"),
    "longrun.toml": (b'name = "x"\n[run]\ndays = 1000000\n', "run.days"),
    "hugegrid.toml": (b'name = "x"\n[grid]\nwidth = 100000\n', "grid.width"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_exit_2_with_message_and_write_nothing(name, tmp_path, capsys):
    raw, words = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(raw)
    out = tmp_path / "out"
    assert run("run", str(path), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert words in err and name in err and "Traceback" not in err
    assert not out.exists()
    assert run("validate", str(path)) == 2


@pytest.mark.parametrize(
    "args, words",
    [
        (["run", "missing.toml"], "no such file"),
        (["run", "{tmp}"], "folder"),
        (["run", FIRST_LOOK, "--set", "grid.widht=3"], "did you mean 'grid.width'"),
        (["run", FIRST_LOOK, "--set", "grid.width=5"], "grid.width"),
        (["run", FIRST_LOOK, "--days", "1000000"], "run.days"),
        (["run", FIRST_LOOK, "--set", "nonsense"], "KEY=VALUE"),
    ],
)
def test_bad_arguments_exit_2(args, words, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert run(*args) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["run", FIRST_LOOK, "--seed", "-1"],
        ["run", FIRST_LOOK, "--days", "0"],
        ["run", FIRST_LOOK, "--days", "ten"],
    ],
)
def test_bad_numbers_exit_2(args, capsys):
    with pytest.raises(SystemExit) as info:
        run(*args)
    assert info.value.code == 2
    assert "msim run: error" in capsys.readouterr().err


def test_validate_lists_all_files(capsys):
    shipped = sorted(str(p) for p in (ROOT / "scenarios").glob("*.toml"))
    assert run("validate", *shipped) == 0
    assert capsys.readouterr().out.count(": OK") == len(shipped)


def test_python_dash_m_and_console_script(tmp_path):
    for cmd in ([sys.executable, "-m", "model"], [str(Path(sys.executable).with_name("msim"))]):
        done = subprocess.run(
            [
                *cmd,
                "run",
                FIRST_LOOK,
                "--days",
                "3",
                "--out",
                str(tmp_path / cmd[-1].replace("/", "_")),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "relapses" in done.stdout


def test_a_reader_that_stops_early_is_not_an_error(tmp_path):
    """`msim schema | true`: msim exits 0 without a message when the pipe is closed."""
    import subprocess
    import sys

    cmd = f"{sys.executable} -m model schema --markdown | (sleep 0; true)"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", cmd], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
