"""Run axe-core (packed from npm at set-up into Solara's offline cache) in a page."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import Page

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from solara_assets import AXE_DIR, default_cache_dir

GRAVE = ("serious", "critical")


def axe_script() -> str:
    cache = Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR") or default_cache_dir())
    return (cache / AXE_DIR / "axe.min.js").read_text()


def violations(page: Page, impacts: tuple[str, ...] = GRAVE) -> list[dict]:
    """axe's WCAG 2.1 A/AA violations of the given impacts, each with its failing nodes."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=axe_script())
    # colours are read as drawn: let fades and transitions end first (a text fading in reads
    # as too light), leaving endless animations (a spinner) aside
    page.wait_for_function(
        """() => document.getAnimations().every(a => a.playState !== 'running'
            || a.effect?.getComputedTiming().iterations === Infinity)""",
        timeout=15_000,
    )
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }"""
    )
    return [v for v in result if v["impact"] in impacts]
