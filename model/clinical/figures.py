"""Validation figures: the model's cohort curves with the published points laid over them."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from model.batch.figures import PALETTE, STYLE, save
from model.batch.stats import kaplan_meier, mean_ci
from model.calendar import MONTH
from model.clinical.curves import ANTIBODY_DAYS, KINDS_SHOWN, Curves
from model.kinds import KIND_BY_KEY

ARM_COLOUR = {"treated": PALETTE[0], "untreated": PALETTE[1]}
# (month, % of baseline, label): published reconstitution figures (see clinical-targets.toml)
PUBLISHED = {
    "cd4": [
        (1, 5, "month 1: ~40 cells/uL from ~800 (label)"),
        (35, 50, "median 35 months to LLN (Hill-Cawthorne 2012)"),
    ],
    "cd8": [
        (10, 50, "mean reconstitution 10 months (2013)"),
        (20, 50, "median 20 months to LLN (Hill-Cawthorne 2012)"),
    ],
    "b_cells": [
        (3, 100, "baseline by month 3 (Thompson 2010)"),
        (12, 165, "165% at month 12 (Thompson 2010)"),
    ],
    "nk": [],
}
# (label, marker, [(year after course 1, ARR)]): the trials' extension figures (targets file)
EXTENSIONS = [
    ("CARE-MS I (Cohen 2012; Havrdova 2017)", "o", [(1, 0.18), (2, 0.18), (3, 0.19), (4, 0.14),
                                                    (5, 0.15)]),
    ("CARE-MS II (Coles 2012; Coles 2017)", "^", [(1, 0.26), (2, 0.26), (3, 0.22), (4, 0.23),
                                                  (5, 0.18)]),
]  # fmt: skip
CLARITY_PLACEBO = [60.9, 24.9, 10.1, 3.4, 0.7]  # % with 0/1/2/3/4+ relapses in 2 y (2010)


def _band(series: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arr = np.vstack(series) * 100
    with warnings.catch_warnings():  # months past the end of a run are NaN for every patient
        warnings.simplefilter("ignore", RuntimeWarning)
        return (
            np.nanmedian(arr, axis=0),
            np.nanpercentile(arr, 5, axis=0),
            np.nanpercentile(arr, 95, axis=0),
        )


def lymphocytes(path: Path, curves: Curves, course_months: list[float]) -> Path:
    fig = Figure(figsize=(12, 8.5))
    axes = fig.subplots(2, 2, sharex=True)
    months = np.arange(curves.months + 1)
    for ax, kind in zip(axes.flat, KINDS_SHOWN, strict=True):
        med, lo, hi = _band(curves.kinds[kind])
        ax.fill_between(months, lo, hi, color=PALETTE[0], alpha=0.2)
        ax.plot(months, med, color=PALETTE[0], lw=2.5)
        for m in course_months:
            ax.axvline(m, color="0.4", lw=1, ls=":")
        ax.axhline(100, color="0.5", lw=0.8, ls="--")
        for i, (m, pct, text) in enumerate(PUBLISHED[kind]):
            ax.plot(m, pct, marker="D", ms=9, color=PALETTE[1], ls="none")
            right = m > 25  # keep labels of late points inside the axes
            ax.annotate(
                text,
                (m, pct),
                xytext=(-10 if right else 10, 12 + 16 * i),
                textcoords="offset points",
                ha="right" if right else "left",
                fontsize=9,
                color=PALETTE[1],
                arrowprops={"arrowstyle": "-", "color": PALETTE[1], "lw": 0.6},
            )
        if kind == "nk":
            ax.axhline(35, color=PALETTE[1], lw=1.5, ls="--")
            ax.annotate(
                "lowest accepted nadir (35%)",
                (30, 35),
                xytext=(0, 6),
                textcoords="offset points",
                fontsize=9,
                color=PALETTE[1],
            )
        ax.set_title(KIND_BY_KEY[kind].group)
        ax.set_ylabel("% of baseline")
        ax.set_ylim(0, max(200, float(np.nanmax(hi)) * 1.05))
    for ax in axes[1]:
        ax.set_xlabel("months after the first infusion")
    handles = [
        Patch(color=PALETTE[0], alpha=0.2, label="model: 90% of patients"),
        Line2D([], [], color=PALETTE[0], lw=2.5, label="model: median"),
        Line2D([], [], marker="D", ms=9, color=PALETTE[1], ls="none", label="published figure"),
        Line2D([], [], color="0.4", lw=1, ls=":", label="infusion course"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False)
    fig.subplots_adjust(bottom=0.12)
    fig.suptitle("Blood lymphocytes after alemtuzumab: model cohort vs published figures")
    return save(fig, path)


def yearly_bars(ax, by_arm: dict[str, list[list[float]]]) -> int:
    """Each arm's mean per year with its 95% interval, side by side; the years drawn."""
    years = min(len(v) for arm in by_arm.values() for v in arm)
    width = 0.38
    for i, arm in enumerate(("untreated", "treated")):
        rows = np.array([v[:years] for v in by_arm[arm]], dtype=float)
        est = [mean_ci(rows[:, y]) for y in range(years)]
        x = np.arange(years) + (i - 0.5) * width
        val = np.array([e.value for e in est])
        err = np.array([[e.value - e.low, e.high - e.value] for e in est]).T
        ax.bar(x, val, width, color=ARM_COLOUR[arm], label=arm, yerr=err, capsize=4)
    return years


def arr_by_year(path: Path, curves: Curves) -> Path:
    fig = Figure(figsize=(10, 5))
    ax = fig.add_subplot()
    years = yearly_bars(ax, curves.arr_by_year)
    ax.axhspan(0.4, 1.0, color=PALETTE[1], alpha=0.08, label="published untreated ARR 0.4-1.0")
    ax.axhspan(0.1, 0.35, color=PALETTE[0], alpha=0.08, label="published treated ARR 0.1-0.35")
    for label, marker, points in EXTENSIONS:
        shown = [(y, v) for y, v in points if y <= years]
        if shown:
            ax.plot([y - 1 for y, _ in shown], [v for _, v in shown], marker, color="black",
                    ms=8, ls="none", label=label)  # fmt: skip
    ax.set_xticks(np.arange(years), [f"year {y + 1}" for y in range(years)])
    ax.set_ylabel("relapses per patient-year (mean, 95% CI)")
    ax.set_title("Annualised relapse rate by year: two courses vs untreated")
    ax.legend(fontsize=9)
    return save(fig, path)


def relapse_counts(path: Path, curves: Curves) -> Path | None:
    """Untreated 2-year relapse counts (0, 1, 2, 3, 4+) beside the CLARITY placebo arm."""
    counts = np.array(curves.relapses_2y_untreated)
    if counts.size == 0:
        return None
    model = np.array([(np.minimum(counts, 4) == k).mean() for k in range(5)]) * 100
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    x = np.arange(5)
    ax.bar(x - 0.2, model, 0.4, color=ARM_COLOUR["untreated"],
           label=f"model, untreated (mean {counts.mean():.2f} relapses in 2 years)")  # fmt: skip
    ax.bar(x + 0.2, CLARITY_PLACEBO, 0.4, color="0.6",
           label="CLARITY placebo (mean about 0.66; Giovannoni 2010)")  # fmt: skip
    ax.axhline(44, color="black", ls=":", lw=1.2,
               label="AFFIRM placebo: 44% relapse-free (mean 1.46)")  # fmt: skip
    ax.set_xticks(x, ["0", "1", "2", "3", "4+"])
    ax.set_xlabel("relapses in 2 years")
    ax.set_ylabel("% of patients")
    ax.set_title("Patients differ: relapse counts over 2 years without treatment")
    ax.legend(fontsize=9)
    return save(fig, path)


def thyroid_onsets(path: Path, curves: Curves, years: int) -> Path | None:
    """First thyroid events by year after course 1, and the cumulative share."""
    onsets = curves.thyroid_onset_year
    if not onsets:
        return None
    n = len(onsets)
    per_year = np.array([sum(1 for y in onsets if y == k) for k in range(1, years + 1)]) / n
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    x = np.arange(1, years + 1)
    ax.bar(x, 100 * per_year, 0.6, color=ARM_COLOUR["treated"], label="model: first events")
    ax.plot(
        x, 100 * per_year.cumsum(), "o-", color=ARM_COLOUR["treated"], label="model: cumulative"
    )
    ax.plot([3], [16], "D", color="black", ms=8, label="published: peak, 15-17% in year 3")
    ax.plot([6], [46.6], "s", color="black", ms=8, label="published: 46.6% by year 6")
    ax.set_xticks(x, [f"year {k}" for k in x])
    ax.set_ylabel("% of treated patients")
    ax.set_title("Thyroid autoimmunity after two courses (Dayan 2023)")
    ax.legend(fontsize=9)
    return save(fig, path)


def relapse_free(path: Path, curves: Curves) -> Path:
    fig = Figure(figsize=(9, 5))
    ax = fig.add_subplot()
    end = 0.0
    for arm in ("untreated", "treated"):
        times = np.array([t for t, _ in curves.first_relapse[arm]])
        seen = np.array([e for _, e in curves.first_relapse[arm]])
        days, surv = kaplan_meier(times, seen)
        end = max(end, float(times.max()) / MONTH)
        ax.step(
            np.append(days / MONTH, times.max() / MONTH),
            np.append(surv, surv[-1]) * 100,
            where="post",
            lw=2.5,
            color=ARM_COLOUR[arm],
            label=f"{arm} ({times.size} patients)",
        )
    ax.set_xlim(0, end)
    ax.set_ylim(0, 102)
    ax.set_xlabel("months of follow-up")
    ax.set_ylabel("% still relapse-free")
    ax.set_title("Relapse-free patients (Kaplan-Meier)")
    ax.legend()
    return save(fig, path)


def antibody(path: Path, curves: Curves) -> Path:
    fig = Figure(figsize=(9, 5))
    ax = fig.add_subplot()
    n_courses = max(len(c) for c in curves.antibody)
    for i in range(n_courses):
        series = [c[i] for c in curves.antibody if len(c) > i and len(c[i]) == ANTIBODY_DAYS]
        if not series:
            continue
        arr = np.vstack(series)
        peak = np.median(arr.max(axis=1))
        ax.plot(
            np.arange(ANTIBODY_DAYS),
            np.median(arr, axis=0) / peak * 100,
            lw=2.5,
            color=PALETTE[i % len(PALETTE)],
            label=f"course {i + 1} (median of {len(series)})",
        )
    ax.axhline(5, color="0.4", ls="--", lw=1, label="5% of peak")
    ax.axvline(
        30, color=PALETTE[1], ls=":", lw=1.5, label="day 30: mostly unquantifiable (Li 2018)"
    )
    ax.set_xlabel("days after the first infusion of the course")
    ax.set_ylabel("circulating antibody, % of the course's peak")
    ax.set_title("Antibody level after each course")
    ax.legend(fontsize=9)
    return save(fig, path)


def treg_share(path: Path, curves: Curves, course_months: list[float]) -> Path:
    fig = Figure(figsize=(9, 5))
    ax = fig.add_subplot()
    months = np.arange(curves.months + 1)
    for arm in ("untreated", "treated"):
        med, lo, hi = _band(curves.treg_share[arm])
        ax.fill_between(months, lo, hi, color=ARM_COLOUR[arm], alpha=0.15)
        ax.plot(months, med, color=ARM_COLOUR[arm], lw=2.5, label=f"{arm}: median, 90% band")
    for m in course_months:
        ax.axvline(m, color="0.4", lw=1, ls=":")
    ax.set_xlabel("months after the first infusion (dotted: courses)")
    ax.set_ylabel("Tregs as % of CD4 cells")
    ax.set_title("Treg share of CD4 cells: up after treatment (Zhang 2013)")
    ax.legend()
    return save(fig, path)


# (year, % of patients): the trials' two-year MRI and infection figures (targets file)
MRI_PUBLISHED = [
    ("alemtuzumab, any new or enlarging T2 lesion over 2 years (CARE-MS I, II)", "treated", 47.4),
    ("interferon beta-1a, the same (CARE-MS I, II)", "untreated", 63.0),
]
INFECTIONS_PUBLISHED = [
    ("treated", 60, "D", "alemtuzumab, year 1 (Wray 2019)"),
    ("untreated", 41, "s", "interferon beta-1a, year 1 (Wray 2019)"),
]


def _km(ax, pairs: list[tuple[float, bool]], colour: str, label: str) -> float:
    times = np.array([t for t, _ in pairs])
    seen = np.array([e for _, e in pairs])
    days, surv = kaplan_meier(times, seen)
    ax.step(np.append(days / MONTH, times.max() / MONTH), np.append(surv, surv[-1]) * 100,
            where="post", lw=2.5, color=colour, label=label)  # fmt: skip
    return float(times.max()) / MONTH


def mri_by_year(path: Path, curves: Curves) -> Path | None:
    """New or enlarging lesions on each yearly scan, both arms, and the share with any in 2 y."""
    if not curves.new_lesions_by_scan:
        return None
    fig = Figure(figsize=(12, 4.8))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2, 1]})
    years = yearly_bars(left, curves.new_lesions_by_scan)
    for i, arm in enumerate(("untreated", "treated")):
        rows = np.array([v[:years] for v in curves.new_lesions_by_scan[arm]], dtype=float)
        active = (rows[:, :2].sum(axis=1) > 0).mean() * 100 if years >= 2 else np.nan
        right.bar(i, active, 0.6, color=ARM_COLOUR[arm], label=f"model, {arm}")
    for label, arm, pct in MRI_PUBLISHED:
        i = ("untreated", "treated").index(arm)
        right.plot(i, pct, "D", color="black", ms=8, label=label if i else None)
        right.annotate(label.split(",")[0], (i, pct), xytext=(0, 8), textcoords="offset points",
                       ha="center", fontsize=8)  # fmt: skip
    left.set_xticks(np.arange(years), [f"month {12 * (y + 1)}" for y in range(years)])
    left.set_xlabel("yearly scan")
    left.set_ylabel("new or enlarging lesions\nsince the last scan (mean, 95% CI)")
    left.set_title("MRI activity by year")
    left.legend(fontsize=9)
    right.set_xticks([0, 1], ["untreated", "treated"])
    right.set_ylim(0, 105)
    right.set_ylabel("% with any new or enlarging lesion, 2 years")
    right.set_title("MRI-active patients (diamonds: trials)")
    return save(fig, path)


def disability(path: Path, curves: Curves, course_months: list[float]) -> Path | None:
    """EDSS over time (median, 90% band) and freedom from 6-month confirmed worsening."""
    if not curves.edss:
        return None
    fig = Figure(figsize=(12, 4.8))
    left, right = fig.subplots(1, 2)
    months = np.arange(curves.months + 1)
    for arm in ("untreated", "treated"):
        arr = np.vstack(curves.edss[arm])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(arr, axis=0)
            lo, hi = np.nanpercentile(arr, 5, axis=0), np.nanpercentile(arr, 95, axis=0)
        left.fill_between(months, lo, hi, color=ARM_COLOUR[arm], alpha=0.12)
        left.plot(months, mean, color=ARM_COLOUR[arm], lw=2.5, label=f"{arm}: mean, 90% band")
        _km(right, curves.first_worsening[arm], ARM_COLOUR[arm], arm)
    for m in course_months:
        left.axvline(m, color="0.4", lw=1, ls=":")
    left.set_xlabel("months after the first infusion (dotted: courses)")
    left.set_ylabel("EDSS")
    left.set_title("Disability (EDSS): untreated about +0.3 a year (NO.MS)")
    left.legend(fontsize=9)
    right.plot([24], [91], "D", color="black", ms=8, label="CARE-MS I, 2 y: 92% free")
    right.plot([24], [87.3], "^", color="black", ms=8, label="CARE-MS II, 2 y: 87% free")
    right.plot([60], [77.5], "s", color="black", ms=8, label="extensions, 5 y: 75-80% free")
    right.set_ylim(0, 102)
    right.set_xlabel("months of follow-up")
    right.set_ylabel("% free of 6-month confirmed worsening")
    right.set_title("Confirmed disability worsening (Kaplan-Meier)")
    right.legend(fontsize=9)
    return save(fig, path)


def infections(path: Path, curves: Curves) -> Path | None:
    """Share of patients with an infection in each year of follow-up, both arms."""
    if not curves.infected_by_year:
        return None
    fig = Figure(figsize=(10, 4.8))
    ax = fig.add_subplot()
    years = min(len(v) for arm in curves.infected_by_year.values() for v in arm)
    width = 0.38
    for i, arm in enumerate(("untreated", "treated")):
        rows = np.array([v[:years] for v in curves.infected_by_year[arm]], dtype=float)
        x = np.arange(years) + (i - 0.5) * width
        ax.bar(x, rows.mean(axis=0) * 100, width, color=ARM_COLOUR[arm], label=arm)
    for arm, pct, marker, label in INFECTIONS_PUBLISHED:
        x = (("untreated", "treated").index(arm) - 0.5) * width
        ax.plot(x, pct, marker, color="black", ms=8, ls="none", label=label)
    ax.axhspan(35, 50, color=PALETTE[0], alpha=0.08, label="alemtuzumab years 3-6: 35-50%")
    ax.set_xticks(np.arange(years), [f"year {y + 1}" for y in range(years)])
    ax.set_ylabel("% of patients with an infection that year")
    ax.set_title("Infections by year: up in year 1 after alemtuzumab (Wray 2019)")
    ax.legend(fontsize=9)
    return save(fig, path)


def trial_reductions(path: Path, trials: list[dict], results: dict) -> Path | None:
    """Each emulated trial's relative ARR reduction: the model (bar, 95% bootstrap interval)
    beside the accepted range from the published trial (band)."""
    shown = [(t, results[t["target"]]) for t in trials if t["target"] in results]
    shown = [(t, r) for t, r in shown if r.value is not None]
    if not shown:
        return None
    with mpl.rc_context(STYLE):
        return _trial_bars(path, shown)


def _trial_bars(path: Path, shown: list) -> Path:
    fig = Figure(figsize=(7.5, 3.6))
    ax = fig.subplots()
    for i, (_, r) in enumerate(shown):
        lo, hi = r.accepted
        ax.add_patch(Rectangle((i - 0.38, lo), 0.76, hi - lo, color="#dddddd", zorder=0))
        err = None
        if r.low is not None:
            err = [[r.value - r.low], [r.high - r.value]]
        colour = PALETTE[0] if r.passed else PALETTE[1]
        ax.bar(i, r.value, 0.45, color=colour, yerr=err, capsize=4, zorder=2)
    ax.set_xticks(range(len(shown)))
    ax.set_xticklabels(
        [f"{t['trial']}\n{t['drug']}\nvs {t['comparator'].replace('untreated', 'placebo')}"
         for t, _ in shown], fontsize=7)  # fmt: skip
    ax.set_ylabel("ARR reduction, years 0-2")
    ax.set_ylim(0, 1)
    ax.legend(
        handles=[
            Patch(color="#dddddd", label="accepted (published trial)"),
            Patch(color=PALETTE[0], label="model, in range"),
            Patch(color=PALETTE[1], label="model, outside"),
        ],
        fontsize=7,
        loc="upper left",
    )
    return save(fig, path)


def draw_all(plots: Path, curves: Curves, course_months: list[float]) -> list[tuple[str, Path]]:
    """Every validation figure that has data, as (title, file)."""
    with mpl.rc_context(STYLE):
        drawn = [
            (
                "Lymphocytes as % of baseline, with published recovery points",
                lymphocytes(plots / "lymphocytes.png", curves, course_months),
            ),
            ("Annualised relapse rate per year", arr_by_year(plots / "arr_by_year.png", curves)),
            ("Relapse-free curves", relapse_free(plots / "relapse_free.png", curves)),
            ("Antibody after each course", antibody(plots / "antibody.png", curves)),
            ("Treg share over time", treg_share(plots / "treg_share.png", curves, course_months)),
            (
                "Relapse counts over 2 years, untreated, beside CLARITY's placebo arm",
                relapse_counts(plots / "relapse_counts.png", curves),
            ),
            (
                "Thyroid autoimmunity by year after course 1",
                thyroid_onsets(plots / "thyroid_onsets.png", curves, curves.months // 12),
            ),
            ("MRI activity by year", mri_by_year(plots / "mri_by_year.png", curves)),
            (
                "Disability: EDSS and freedom from confirmed worsening",
                disability(plots / "disability.png", curves, course_months),
            ),
            ("Infections by year", infections(plots / "infections.png", curves)),
        ]
    return [(title, path) for title, path in drawn if path is not None]
