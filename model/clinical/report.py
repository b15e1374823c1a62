"""The validation report: results.json, report.md and report.html, written atomically."""

from __future__ import annotations

import html
import json
from pathlib import Path

from model.clinical.evaluate import Result
from model.outputs import atomic_replace_file
from model.text import fmt as _fmt


def fmt(x: float | None) -> str:
    """Three significant figures, "–" when there is no value."""
    return _fmt(x, digits=None, missing="–")


def interval(r: Result) -> str:
    return f"{fmt(r.low)} – {fmt(r.high)}" if r.low is not None else "–"


def rows(results: list[Result]) -> list[list[str]]:
    return [
        [
            r.name,
            r.measured_as,
            f"{fmt(r.value)} {r.unit}".strip(),
            interval(r),
            f"{fmt(r.accepted[0])} – {fmt(r.accepted[1])}",
            "PASS" if r.passed else "FAIL",
        ]
        for r in results
    ]


HEADER = ["target", "measured as", "model", "95% CI", "accepted", "result"]


def spills(r: Result) -> bool:
    """Whether the 95% interval reaches across an edge of the accepted range: then another
    cohort of this size could give the other verdict (for a failure, the miss cannot be told
    from sampling between patients)."""
    if r.low is None or r.high is None:
        return False
    low, high = r.accepted
    if r.passed:
        return r.low < low or r.high > high
    return r.high >= low and r.low <= high


def resolution(results: list[Result]) -> str:
    """What this cohort's size can tell: failures within sampling and fragile passes, named."""
    patients = max((r.patients for r in results), default=0)
    failed = [r.name for r in results if not r.passed]
    close = [r.name for r in results if not r.passed and spills(r)]
    fragile = [r.name for r in results if r.passed and spills(r)]
    out = []
    if failed:
        beyond = [n for n in failed if n not in close]
        if close:
            out.append(
                f"{len(close)} of {len(failed)} failing targets miss within sampling: "
                f"{', '.join(close)}; the 95% interval reaches into the accepted range, so more "
                "patients (`--patients`) are needed to tell the miss from chance."
            )
        if beyond:
            out.append(f"Missed beyond sampling (the whole interval): {', '.join(beyond)}.")
    if fragile:
        out.append(
            f"{len(fragile)} passing targets have an interval that reaches outside the accepted "
            f"range, so another cohort of {patients} could fail them: {', '.join(fragile)}."
        )
    return " ".join(out)


def markdown(
    results: list[Result], context: dict, figures: list[tuple[str, Path]], out: Path
) -> str:
    passed = sum(r.passed for r in results)
    note = resolution(results)
    lines = [
        "# Validation against the published alemtuzumab figures",
        "",
        f"{passed} of {len(results)} targets pass. Cohort: {context['patients']} virtual patients, "
        f"each run treated ({context['scenario']}), untreated, and treated with the "
        "retreatment rule on (a third course after a relapse a year or more after the last), "
        f"all from the same seed, after a {context.get('burn_in_years', 0):g}-year untreated "
        f"burn-in, {context['years']} years of follow-up after a {context['baseline_days']}-day "
        "run-in; "
        f"root seed {context['root_seed']}. Made by `{context['command']}` "
        f"(msim {context['version']}).",
        "",
        "Intervals are 95% percentile bootstraps over patients. Targets and their sources: "
        "`model/data/clinical-targets.toml`.",
        "",
        *([note, ""] if note else []),
        "| " + " | ".join(HEADER) + " |",
        "| " + " | ".join("---" for _ in HEADER) + " |",
    ]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in rows(results)]
    lines += trial_table(results, context)
    lines += ["", "## Figures", ""]
    for title, path in figures:
        lines += [f"### {title}", "", f"![{title}]({path.relative_to(out).as_posix()})", ""]
    lines += ["## Sources", ""]
    lines += [f"- **{r.name}**: {r.what}. {r.source}" for r in results]
    return "\n".join(lines) + "\n"


TRIAL_HEADER = ["trial", "drug vs comparator", "model ARR", "published ARR", "model reduction",
                "95% CI", "accepted", "result"]  # fmt: skip


def trial_rows(results: list[Result], context: dict) -> list[list[str]]:
    """The emulated trials: the model's two arms beside the published ones."""
    by_name = {r.name: r for r in results}
    out = []
    for t in context.get("trial_arms", []):
        r = by_name.get(t["target"])
        if r is None:
            continue
        arr = t["model_arr"]
        out.append(
            [
                t["trial"],
                f"{t['drug']} vs {t['comparator'].replace('untreated', 'placebo (untreated)')}",
                f"{fmt(arr[0])} vs {fmt(arr[1])}" if arr else "–",
                t["published"],
                fmt(r.value),
                interval(r),
                f"{fmt(r.accepted[0])} – {fmt(r.accepted[1])}",
                "PASS" if r.passed else "FAIL",
            ]
        )
    return out


def trial_table(results: list[Result], context: dict) -> list[str]:
    table = trial_rows(results, context)
    if not table:
        return []
    lines = [
        "",
        "## Trial emulation",
        "",
        f"The same {context['patients']} virtual patients given each comparator drug's standard "
        "regimen (`model/data/drugs.toml`) for two years from the end of the run-in, no other "
        "treatment; placebo is the untreated twin. Each drug acts only through its mechanism on "
        f"the model's cells. Runs: `{context.get('trials_folder', 'trials/')}`.",
        "",
        "| " + " | ".join(TRIAL_HEADER) + " |",
        "| " + " | ".join("---" for _ in TRIAL_HEADER) + " |",
    ]
    return lines + ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in table]


def html_page(
    results: list[Result], context: dict, figures: list[tuple[str, Path]], out: Path
) -> str:
    e = html.escape
    passed = sum(r.passed for r in results)
    note = resolution(results)
    body = [
        "<h1>Validation against the published alemtuzumab figures</h1>",
        f"<p class='verdict'><strong>{passed} of {len(results)} targets pass.</strong> "
        f"{context['patients']} virtual patients, each treated ({e(context['scenario'])}), "
        "untreated and retreated when disease returns, from the same seed, "
        f"{context['years']} years of follow-up. Intervals are "
        "95% bootstraps over patients.</p>",
        *([f"<p class='resolution'>{e(note)}</p>"] if note else []),
        "<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in HEADER) + "</tr></thead><tbody>",
    ]
    for row in rows(results):
        cls = "pass" if row[-1] == "PASS" else "fail"
        body.append(f"<tr class='{cls}'>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
    body.append("</tbody></table>")
    trials = trial_rows(results, context)
    if trials:
        body.append(
            "<h2>Trial emulation</h2><p>The same virtual patients given each comparator drug "
            "for two years; placebo is the untreated twin.</p><table><thead><tr>"
            + "".join(f"<th>{e(h)}</th>" for h in TRIAL_HEADER)
            + "</tr></thead><tbody>"
        )
        for row in trials:
            cls = "pass" if row[-1] == "PASS" else "fail"
            cells = "".join(f"<td>{e(c)}</td>" for c in row)
            body.append(f"<tr class='{cls}'>{cells}</tr>")
        body.append("</tbody></table>")
    body.append("<h2>Figures</h2>")
    for title, path in figures:
        src = e(path.relative_to(out).as_posix())
        body.append(
            f"<figure><img src='{src}' alt='{e(title)}'><figcaption>{e(title)}"
            "</figcaption></figure>"
        )
    body.append("<h2>Sources</h2><ul>")
    body += [f"<li><strong>{e(r.name)}</strong>: {e(r.what)}. {e(r.source)}</li>" for r in results]
    body.append(
        f"</ul><p><small>Made by <code>{e(context['command'])}</code>, msim "
        f"{e(context['version'])}.</small></p>"
    )
    style = (
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
        "line-height:1.45}table{border-collapse:collapse;width:100%;font-size:14px}"
        "td,th{border:1px solid #ccc;padding:4px 6px;text-align:left}tr.pass td:last-child"
        "{color:#006d3c;font-weight:bold}tr.fail td:last-child{color:#b00020;font-weight:bold}"
        "img{max-width:100%}figure{margin:1.5em 0}"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>msim validation"
        f"</title><style>{style}</style></head><body>" + "\n".join(body) + "</body></html>\n"
    )


def write_report(
    out: Path, results: list[Result], context: dict, figures: list[tuple[str, Path]]
) -> None:
    payload = {
        "all_pass": all(r.passed for r in results),
        "context": context,
        "targets": [r.to_dict() for r in results],
    }
    atomic_replace_file(out / "results.json", json.dumps(payload, indent=2) + "\n")
    atomic_replace_file(out / "report.md", markdown(results, context, figures, out))
    atomic_replace_file(out / "report.html", html_page(results, context, figures, out))
