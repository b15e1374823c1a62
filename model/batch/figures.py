"""The report's figures, drawn for a class: large type, plain titles, colour-blind-safe colours.

Uses matplotlib's object API (no pyplot, no global backend), so drawing is safe in any process.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from model.batch.arms import ARMS, CONTROL
from model.batch.plan import Plan
from model.batch.tables import Bands, dose_spans
from model.calendar import MONTH
from model.kinds import Kind

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
STYLE = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}


def colour(arm: str, arms: list[str]) -> str:
    """Built-in arms keep their colour in every batch; other arms (``--schedule``) follow."""
    order = [*ARMS, *(a for a in arms if a not in ARMS)]
    return PALETTE[order.index(arm) % len(PALETTE)]


def save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    tmp.replace(path)
    return path


def _points_axis(ax, plan: Plan, arms: list[str]) -> dict[str, float]:
    """x positions: one group per sweep point, arms side by side in it."""
    width = 0.8 / len(arms)
    offsets = {a: (i - (len(arms) - 1) / 2) * width for i, a in enumerate(arms)}
    if len(plan.points) == 1:
        ax.set_xticks([offsets[a] for a in arms], arms)
    elif len(plan.sweeps) == 1:
        ax.set_xticks(range(len(plan.points)), [str(v) for v in plan.sweeps[0].values])
        ax.set_xlabel(plan.sweeps[0].key)
    else:
        ax.set_xticks(
            range(len(plan.points)),
            [
                "\n".join(textwrap.fill(f"{k.split('.')[-1]}={v}", 22) for k, v in pt.items())
                for pt in plan.points
            ],
        )
        ax.set_xlabel("sweep point")
    ax.set_xlim(-0.6, len(plan.points) - 0.4)
    return offsets


def draw_estimates(
    path: Path,
    plan: Plan,
    rows: list[dict[str, Any]],
    field: str,
    arms: list[str],
    title: str,
    ylabel: str,
    scale: float = 1.0,
) -> Path | None:
    """Point estimates with 95% intervals, by sweep point and arm."""
    if not any(r[field] is not None and r[field].value is not None for r in rows):
        return None
    fig = Figure(figsize=(max(6.0, 1.6 * len(plan.points) * len(arms)), 4.5))
    ax = fig.add_subplot()
    offsets = _points_axis(ax, plan, arms)
    for arm in arms:
        xs, ys, lo, hi = [], [], [], []
        for r in rows:
            est = r[field]
            if r["arm"] != arm or est is None or est.value is None:
                continue
            xs.append(r["point"] + offsets[arm])
            ys.append(est.value * scale)
            # a bootstrap interval need not contain the estimate (e.g. a ratio of means at its
            # bound): the bar then stops at the point
            low = est.low if est.low is not None else est.value
            high = est.high if est.high is not None else est.value
            lo.append(max(est.value - low, 0.0) * scale)
            hi.append(max(high - est.value, 0.0) * scale)
        ax.errorbar(
            xs,
            ys,
            yerr=[lo, hi],
            fmt="o",
            ms=8,
            capsize=6,
            lw=2,
            color=colour(arm, plan.arms),
            label=arm,
        )
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if len(plan.points) > 1:
        ax.legend()
    return save(fig, path)


def draw_lymphocytes(
    path: Path, plan: Plan, point: int, bands: dict[tuple[int, str], Bands]
) -> Path | None:
    have = [a for a in plan.arms if (point, a) in bands and bands[(point, a)].runs]
    if not have:
        return None
    fig = Figure(figsize=(14, 8.5), layout="constrained")
    axes = fig.subplots(2, 3, sharex=True).ravel()
    months = np.arange(plan.run_settings(point)["days"]) / MONTH
    spans = dose_spans(plan, point)
    for j, kind in enumerate(Kind):
        ax = axes[j]
        for first, last in spans:
            ax.axvspan(first / MONTH, (last + 1) / MONTH, color="0.55", alpha=0.35, lw=0)
        ax.axhline(100, color="0.5", lw=0.8, ls="--")
        for arm in have:
            b = bands[(point, arm)]
            ax.fill_between(
                months, b.low[:, j], b.high[:, j], color=colour(arm, plan.arms), alpha=0.2, lw=0
            )
            ax.plot(months, b.median[:, j], color=colour(arm, plan.arms), lw=2)
        ax.set_title(kind.group)
        ax.set_ylabel("% of own baseline")
        ax.set_ylim(bottom=0)
    for ax in axes[2:5]:
        ax.set_xlabel("months since the start of the run")
        ax.tick_params(labelbottom=True)
    axes[0].set_xlim(0, months[-1] if len(months) > 1 else 1)
    legend = axes[5]
    legend.axis("off")
    for arm in have:
        legend.fill_between(
            [],
            [],
            color=colour(arm, plan.arms),
            alpha=0.2,
            label=f"{arm}: 90% of patients ({bands[(point, arm)].runs})",
        )
        legend.plot([], [], color=colour(arm, plan.arms), lw=2, label=f"{arm}: median")
    if spans:
        legend.fill_between([], [], color="0.55", alpha=0.35, label="infusion days")
    legend.plot([], [], color="0.5", lw=0.8, ls="--", label="baseline (100%)")
    legend.legend(loc="center", fontsize=12)
    title = "Blood lymphocytes as % of each patient's baseline"
    fig.suptitle(title + (f"\n{plan.point_label(point)}" if plan.sweeps else ""))
    return save(fig, path)


def draw_free(
    path: Path,
    plan: Plan,
    point: int,
    curves: dict[tuple[int, str], tuple[np.ndarray, np.ndarray, int]],
    what: str,
) -> Path | None:
    """Kaplan-Meier curves of the share of patients still free of ``what``, one per arm."""
    have = [a for a in plan.arms if (point, a) in curves and curves[(point, a)][2]]
    if not have:
        return None
    run = plan.run_settings(point)
    end = (run["days"] - run["baseline_days"]) / MONTH
    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot()
    for arm in have:
        days, surv, n = curves[(point, arm)]
        x = np.append(days / MONTH, end)
        y = np.append(surv, surv[-1]) * 100
        ax.step(
            x, y, where="post", lw=2.5, color=colour(arm, plan.arms), label=f"{arm} ({n} patients)"
        )
    ax.set_ylim(0, 102)
    ax.set_xlim(0, end)
    ax.set_xlabel("months of follow-up (after the run-in)")
    ax.set_ylabel("% of patients still free")
    ax.set_title(
        f"Patients free of {what} (Kaplan-Meier)"
        + (f"\n{plan.point_label(point)}" if plan.sweeps else "")
    )
    ax.legend()
    return save(fig, path)


def draw_all(
    plots: Path,
    plan: Plan,
    arms: list[dict[str, Any]],
    paired: list[dict[str, Any]],
    bands: dict,
    curves: dict,
    worsening: dict,
) -> list[tuple[str, Path]]:
    """Every figure, as (title, path) in the order summary.md shows them."""
    out: list[tuple[str, Path | None]] = []
    width = len(str(len(plan.points) - 1))
    with mpl.rc_context(STYLE):
        out.append(
            (
                "Annualised relapse rate",
                draw_estimates(
                    plots / "arr.png",
                    plan,
                    arms,
                    "arr",
                    plan.arms,
                    "Annualised relapse rate",
                    "relapses per year (mean, 95% CI)",
                ),
            )
        )
        out.append(
            (
                "Relapse-free at 2 years",
                draw_estimates(
                    plots / "relapse_free_2y.png",
                    plan,
                    arms,
                    "relapse_free_2y",
                    plan.arms,
                    "Relapse-free after 2 years of follow-up",
                    "% of patients (95% CI)",
                    scale=100,
                ),
            )
        )
        dosed = [a for a in plan.arms if a != CONTROL]
        out.append(
            (
                "ARR reduction vs untreated",
                draw_estimates(
                    plots / "arr_reduction.png",
                    plan,
                    paired,
                    "reduction",
                    dosed,
                    "ARR reduction vs the same patients untreated",
                    "% reduction (95% CI)",
                    scale=100,
                )
                if paired
                else None,
            )
        )
        for p in range(len(plan.points)):
            tag = f"_p{p:0{width}d}" if plan.sweeps else ""
            suffix = f" ({plan.point_label(p)})" if plan.sweeps else ""
            out.append(
                (
                    "Lymphocytes, % of baseline" + suffix,
                    draw_lymphocytes(plots / f"lymphocytes{tag}.png", plan, p, bands),
                )
            )
            out.append(
                (
                    "Relapse-free curves" + suffix,
                    draw_free(plots / f"relapse_free{tag}.png", plan, p, curves, "relapse"),
                )
            )
            out.append(
                (
                    "Free of confirmed disability worsening" + suffix,
                    draw_free(
                        plots / f"worsening_free{tag}.png",
                        plan,
                        p,
                        worsening,
                        "6-month confirmed worsening",
                    ),
                )
            )
    return [(title, path) for title, path in out if path is not None]
