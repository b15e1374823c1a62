"""What any scenario file costs to refuse, and what an allowed one costs to run, is bounded.

Reading: the answer comes in about the time it takes to parse the file, whatever it holds, and the
message is a few lines long (a fixed number of problems, values and keys cut to an excerpt). Deep
nesting is refused before parsing, by line, never with a traceback. Running: settings that are
each in range but multiply into more antibody particles than a run can hold are refused.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w

from model import scenario as sc
from model.reference import reference_markdown
from model.run import Simulation
from model.scenario import (
    MAX_ARRAY_VALUES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_PARTICLES,
    MAX_PROBLEMS,
    Antibody,
    Scenario,
    ScenarioError,
    load_bytes,
    load_scenario,
    structure_problem,
)
from msim_app import catalog

ROOT = Path(__file__).resolve().parents[1]
MSIM = str(Path(sys.executable).with_name("msim"))


def msim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([MSIM, *args], capture_output=True, text=True, check=False)


def refusal(raw: bytes, name: str = "bad.toml") -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_bytes(raw, name)
    return info.value


def unknown_keys_file(path: Path, keys: int) -> Path:
    path.write_text('name = "x"\n' + "".join(f"k{i:05d} = 1\n" for i in range(keys)))
    return path


# ----------------------------------------------------------------------------- reading cost


def test_a_megabyte_of_unknown_keys_is_refused_at_once_with_a_short_message(tmp_path):
    path = unknown_keys_file(tmp_path / "keys.toml", 90_000)
    assert MAX_FILE_BYTES * 0.95 < path.stat().st_size <= MAX_FILE_BYTES
    started = time.perf_counter()
    done = msim("validate", str(path))
    elapsed = time.perf_counter() - started
    # a bound that proves the hang is gone (it took 36 s before), not a speed claim
    assert elapsed < 5, f"msim validate took {elapsed:.1f} s"
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr) < 5_000
    assert "90,000 problem(s)" in done.stderr
    assert f"and {90_000 - MAX_PROBLEMS:,} more problem(s)" in done.stderr
    assert done.stderr.count("  - unknown key") == MAX_PROBLEMS


def test_the_problem_list_stops_at_the_limit_and_counts_the_rest():
    text = 'name = "x"\n[grid]\nwidht = 1\n' + "".join(f"extra_{i} = 1\n" for i in range(24))
    err = refusal(text.encode())
    assert err.total == 25
    assert len(err.problems) == MAX_PROBLEMS + 1
    assert err.problems[-1].startswith("... and 5 more problem(s)")
    assert "did you mean 'grid.width'" in err.problems[0]


def test_a_few_unknown_keys_are_listed_with_the_value_problems():
    err = refusal(b'name = "x"\n[grid]\nwidht = 1\nheight = 0\n')
    assert err.total == 2
    assert any("grid.widht" in p for p in err.problems)
    assert any("grid.height" in p for p in err.problems)


def test_huge_values_and_keys_are_echoed_as_an_excerpt():
    lesson = refusal(b'name = "x"\n[lesson]\nwhat_it_is = "' + b"a" * 900_000 + b'"\n')
    assert "…(900,000 characters)" in lesson.message
    assert len(lesson.message) < 1_000
    key = refusal(b'name = "x"\n' + b"k" * 500_000 + b" = 1\n")
    assert "…(500,000 characters)" in key.message
    assert len(key.message) < 1_000
    seed = refusal(b'name = "x"\n[run]\nseed = ' + b"9" * 200_000 + b"\n")
    assert "line 3" in seed.message and "200,000 digits" in seed.message
    assert len(seed.message) < 1_000


def test_too_many_values_in_arrays_are_refused_before_parsing():
    err = refusal(b'name = "x"\nv = [' + b"1," * (MAX_ARRAY_VALUES + 1) + b"1]\n")
    assert "line 2" in err.message and f"{MAX_ARRAY_VALUES:,} values" in err.message


# ----------------------------------------------------------------------------- nesting

DEEP = {
    "array": "v = " + "[" * 5_000 + "]" * 5_000,
    "inline-table": "v = " + "{a = " * 5_000 + "1" + "}" * 5_000,
    "dotted-key": ".".join(["a"] * 5_000) + " = 1",
    "table-header": "[" + ".".join(["a"] * 5_000) + "]\nb = 1",
}


def test_deep_nesting_exits_2_naming_the_line_without_a_traceback(tmp_path):
    files = []
    for kind, body in DEEP.items():
        path = tmp_path / f"{kind}.toml"
        path.write_text(f'name = "x"\n{body}\n')
        files.append(str(path))
    done = msim("validate", *files)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for path in files:
        assert f"{path}: 1 problem(s)" in done.stderr
    too_deep = f"line 2: tables, arrays and dotted keys nest more than {MAX_DEPTH} levels"
    assert done.stderr.count(too_deep) == 4
    run = msim("run", files[0], "--out", str(tmp_path / "out"))
    assert run.returncode == 2 and "Traceback" not in run.stderr and "line 2" in run.stderr
    assert not (tmp_path / "out").exists()
    deep_set = msim("run", files[0], "--set", "grid.width=" + "[" * 5_000 + "]" * 5_000)
    assert deep_set.returncode == 2 and "Traceback" not in deep_set.stderr


def test_an_app_upload_gets_a_short_list_for_deep_nesting_and_for_many_keys(tmp_path):
    with pytest.raises(ScenarioError) as info:
        catalog.read_upload(('name = "x"\n' + DEEP["array"]).encode(), "deep.toml")
    assert "nest more than" in info.value.problems[0]
    raw = unknown_keys_file(tmp_path / "keys.toml", 90_000).read_bytes()
    with pytest.raises(ScenarioError) as info:
        catalog.read_upload(raw, "keys.toml")
    assert len(info.value.problems) == MAX_PROBLEMS + 1  # what the page shows, one per line
    assert "89,980 more" in info.value.problems[-1]


def test_nesting_up_to_the_limit_is_left_to_the_validator():
    ok = "v = " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert structure_problem(ok) is None
    assert "unknown key 'v'" in refusal(f'name = "x"\n{ok}\n'.encode()).message
    assert structure_problem("v = " + "[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


def test_brackets_in_strings_and_comments_do_not_count_as_nesting():
    brackets = "[{" * 50
    text = (
        f'name = "x {brackets}"  # {brackets}\n'
        f"[lesson]\nwhat_it_is = '{brackets}'\n"
        f'how_it_works = """\n{brackets} \\""" {brackets}\n"""\n'
        f"things_to_notice = '''{brackets}\n{brackets}'''\n"
        f"# {brackets}\n"
        "[[dosing.courses]]\nstart_day = 60  # [[[[\n"
    )
    assert load_bytes(text.encode(), "strings.toml").lesson.what_it_is == brackets


def _depth(value, at: int) -> int:
    """Keys and indices on the way to the deepest value (an array's items are one deeper)."""
    if isinstance(value, dict):
        return max([at, *(_depth(v, at + 1) for v in value.values())])
    if isinstance(value, list):
        return max([at + 1, *(_depth(v, at + 1) for v in value)])
    return at


def _nest(rng: random.Random, at: int, target: int):
    chars = [*"ab.[]{}#\"'\\ \n=,", '"""', "'''"]
    if at >= target or rng.random() < 0.02:
        return "".join(rng.choice(chars) for _ in range(rng.randint(0, 6)))
    key = rng.choice(["k", "k.x", "[a]", '"q"', "#"])
    roll = rng.random()
    if roll < 0.4:
        return {key: _nest(rng, at + 1, target), "s": 1.5}
    if roll < 0.7:
        return [{key: _nest(rng, at + 2, target)}]  # an array of tables
    return [_nest(rng, at + 1, target), 1]


def test_the_scan_never_counts_less_nesting_than_tomllib_builds():
    rng = random.Random(7)
    exact = deep = 0
    for _ in range(400):
        data = {"root": _nest(rng, 1, rng.randint(MAX_DEPTH - 6, MAX_DEPTH + 6))}
        text = tomli_w.dumps(data, multiline_strings=rng.random() < 0.5)
        depth = _depth(data, 0)
        refused = structure_problem(text) is not None
        if depth > MAX_DEPTH:
            deep += 1
            assert refused, text
        exact += refused == (depth > MAX_DEPTH)
    assert deep > 50
    assert exact > 350  # it counts more only where arrays of tables may hide in a header


def test_a_recursion_error_becomes_a_scenario_error(monkeypatch):
    monkeypatch.setattr(sc, "structure_problem", lambda text: None)  # as if the scan missed it
    err = refusal(('name = "x"\n' + DEEP["array"]).encode())
    assert "nest more than" in err.message


# ----------------------------------------------------------------------------- running cost


def _multiplying(tmp_path: Path) -> Path:
    courses = "".join(
        f"[[dosing.courses]]\nstart_day = {60 + 30 * i}\ndays = 30\ndose_mg = 100\n"
        for i in range(50)
    )
    path = tmp_path / "multiplying.toml"
    path.write_text(
        'name = "every value in range"\n[run]\ndays = 7305\n'
        "[antibody]\nparticles_per_mg = 2000\nhalf_life_days = 100\n" + courses
    )
    return path


def test_settings_that_multiply_past_the_particle_limit_are_refused_naming_them(tmp_path):
    done = msim("validate", str(_multiplying(tmp_path)))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    for words in (
        "antibody.particles_per_mg = 2,000",
        "dosing.courses give 1,500 infusion day(s) of 100 mg (200,000 particles a day)",
        "antibody.half_life_days = 100 days",
        "about 28,953,133 particles alive at once",
        f"at most {MAX_PARTICLES:,} are allowed",
    ):
        assert words in message


def test_retreatment_counts_towards_the_particle_limit():
    data = Scenario().to_dict()
    data["antibody"].update(particles_per_mg=1000, half_life_days=60)
    data["dosing"]["retreatment"].update(
        enabled=True, min_gap_days=30, delay_days=1, days=30, dose_mg=100, max_courses=10
    )
    with pytest.raises(ScenarioError) as info:
        sc.validate_data(data, "retreat.toml")
    assert "dosing.retreatment may add 10 course(s) of 30 day(s) of 100 mg" in info.value.message
    data["dosing"]["retreatment"]["enabled"] = False
    assert sc.validate_data(data, "no-retreat.toml").particle_peak()[0] < MAX_PARTICLES


def test_the_particle_bound_is_never_below_what_a_run_holds():
    scenario = Scenario(name="small").with_overrides(
        {
            "grid.width": 24,
            "grid.height": 24,
            "run.days": 45,
            "run.baseline_days": 20,
            "dosing.courses": [{"start_day": 20, "days": 5, "dose_mg": 12.0}],
            "antibody.particles_per_mg": 1500.0,
        }
    )
    bound, _ = scenario.particle_peak()
    sim = Simulation(scenario)
    most = 0
    for _ in range(scenario.run.days):
        sim.advance(1)
        most = max(most, len(sim.model.particles))
    assert 0.5 * bound < most <= bound + 5 * bound**0.5  # binomial clearance: a few sd at most


def test_every_shipped_scenario_validates_far_below_the_limits():
    shipped = sorted(str(p) for p in (ROOT / "scenarios").glob("*.toml"))
    done = msim("validate", *shipped)
    assert done.returncode == 0, done.stderr
    for path in shipped:
        assert load_scenario(path).particle_peak()[0] < MAX_PARTICLES / 100


def test_the_limits_are_documented():
    assert f"more than {MAX_PARTICLES:,} particles could be alive" in " ".join(
        Antibody.__doc__.split()
    )
    page = " ".join(reference_markdown().split())
    for words in (
        f"{MAX_FILE_BYTES:,} bytes",
        f"at most {MAX_DEPTH} levels deep",
        f"{MAX_ARRAY_VALUES:,} values in arrays",
        f"first {MAX_PROBLEMS} problems",
        f"{MAX_PARTICLES:,} antibody particles",
        "more than 2,000,000 particles could be alive at once is refused",
    ):
        assert words in page
