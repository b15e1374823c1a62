"""The messages a session sends to its stage: one ``setup`` per view, one ``frame`` per update.

A frame's header is small JSON (the counters of each arm and how many new chart rows follow);
its bulk travels as raw byte buffers beside it, four per arm: tissue colours, tissue cells,
antibody particles and the chart rows the browser has not had yet. Dose days and MRI scans
(day, new or enlarging, enhancing lesions) not sent before ride in the header.
"""

from __future__ import annotations

import numpy as np

from model.drugs import registry
from model.kinds import Kind
from model.scenario import Scenario
from msim_app import frames, predict
from msim_app.arm import Arm
from msim_app.blood import blood_setup
from msim_app.exports import file_stem
from msim_app.history import CHART_COLUMNS
from msim_app.palette import COLOURS, LEGEND_TISSUE

VIEW_PIXELS = 480  # the tissue view's side on a 1366x768 screen
COMPARE_PIXELS = 240  # each of the two views side by side
THREE_PIXELS = 200  # each of three views side by side (a comparator drug too)
FOUR_PIXELS = 150  # each of four (a branch too)


def setup_message(scenario: Scenario, arms: list[Arm], seed: int) -> dict:
    grid = scenario.grid
    side = (VIEW_PIXELS, COMPARE_PIXELS, THREE_PIXELS, FOUR_PIXELS)[min(len(arms), 4) - 1]
    return {
        "width": grid.width,
        "height": grid.height,
        "scale": max(2, side // max(grid.width, grid.height)),
        "run_days": scenario.run.days,
        "baseline_days": scenario.run.baseline_days,
        "vessels": [frames.vessel_sites(arm.model) for arm in arms],
        "tracts": [frames.tract_outline(arm.model) for arm in arms],
        "labels": [arm.label for arm in arms],
        "roles": [arm.role for arm in arms],  # treated, untreated, comparator, branch
        "columns": list(CHART_COLUMNS),
        "kinds": [{"key": k.key, "name": k.short, "colour": k.colour} for k in Kind],
        "legend_tissue": LEGEND_TISSUE,
        "colours": COLOURS,
        "scenario": scenario.name,
        "seed": seed,
        "file_stem": file_stem(scenario.name, seed),  # the picture's name: + "-day<N>.png"
        "blood": blood_setup(arms[0].history.base),  # the blood panel's scale (first arm)
        "drugs": [[n, d.label] for n, d in registry().drugs.items()],  # to branch and switch to
        "predict_offsets": predict.offsets(),  # days after its day of each predicted point
    }


def frame_message(arms: list[Arm], ended: bool, full: bool) -> tuple[dict, list[bytes]]:
    """Header and buffers of one frame; marks the chart rows and doses as sent."""
    header: dict = {"full": full, "arms": [], "ended": ended}
    buffers: list[bytes] = []
    for arm in arms:
        h = arm.history
        rows = np.ascontiguousarray(h.rows[arm.sent : h.n])
        info = arm.summary()
        info["nrows"] = int(rows.shape[0])
        info["doses"] = h.doses[arm.sent_doses :]
        info["news"] = [text for _, text in h.news.items[arm.sent_news :]]
        info["scans"] = [list(scan) for scan in h.scans[arm.sent_scans :]]
        header["arms"].append(info)
        buffers += [
            frames.site_bytes(arm.model),
            frames.cell_bytes(arm.model),
            frames.particle_bytes(arm.model),
            rows.tobytes(),
        ]
        arm.sent, arm.sent_doses, arm.sent_news = h.n, len(h.doses), len(h.news.items)
        arm.sent_scans = len(h.scans)
    return header, buffers
