"""msim batch --arms by drug: each replicate gets every therapy, meeting the same waves and
infections.
"""

from __future__ import annotations

import pandas as pd
import pytest

from model.batch.arms import ARMS, parse_arms
from model.batch.errors import BatchError
from model.cli import main
from model.drugs import registry
from tests.conftest import small_scenario

ARMS_BY_DRUG = "untreated,alemtuzumab,interferon-beta-1a,ocrelizumab,natalizumab,cladribine"


def test_every_registry_drug_is_an_arm_with_its_standard_regimen():
    assert set(registry().names) <= set(ARMS)
    assert parse_arms(ARMS_BY_DRUG) == ARMS_BY_DRUG.split(",")
    built = ARMS["ocrelizumab"].build(small_scenario(**{"run.days": 400}))
    assert built.dosing.courses == []
    (t,) = built.treatments
    assert (t.drug, t.start_day, t.interval_days, t.until_end) == ("ocrelizumab", 20, 168, True)
    with pytest.raises(BatchError, match="unknown arm"):
        parse_arms("untreated,aspirin")


def test_paired_drug_arms_share_wave_and_infection_days(tmp_path):
    steady = {"disease.flare_rate": 6.0, "infections.rate_per_year": 3.0}
    sc = small_scenario(**{"run.days": 400, "dosing.courses": [], **steady})
    path = tmp_path / "small.toml"
    path.write_text(sc.to_toml(), encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(path), "--replicates", "2", "--arms", ARMS_BY_DRUG, "--workers", "1"]
    assert main([*args, "--out", str(out)]) == 0
    runs = pd.read_csv(out / "runs.csv")
    assert (runs.status == "ok").all() and len(runs) == 12
    assert runs.groupby("replicate").seed.nunique().eq(1).all()  # one patient per replicate
    doses = runs.set_index(["replicate", "arm"]).doses_given
    assert (
        doses[(0, "untreated")] == 0 and doses[(0, "alemtuzumab")] == 8
    )  # courses on days 20 and 385
    assert doses[(0, "natalizumab")] == len(range(20, 400, 28))
    events = pd.read_parquet(out / "events.parquet")
    events["arm"] = events.run_id.str.split("-", n=2).str[2]
    events["replicate"] = events.run_id.str.split("-").str[1]
    waves = events[events.kind == "activation_wave"]
    for _, rep in waves.groupby("replicate"):
        days = {arm: tuple(g.day) for arm, g in rep.groupby("arm")}
        assert len(days) == 6 and len(set(days.values())) == 1, days
    infections = events[events.kind == "infection"]
    assert len(infections)
    for _, rep in infections.groupby("replicate"):
        control = set(rep[rep.arm == "untreated"].day)
        for arm, g in rep.groupby("arm"):
            assert control <= set(g.day), arm  # a drug adds infections, never removes one
    text = (out / "summary.md").read_text()
    assert "## Relapses year by year, and doses given" in text
    assert "| natalizumab |" in text and "| cladribine |" in text
