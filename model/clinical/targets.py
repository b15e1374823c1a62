"""The published figures, read from ``model/data/clinical-targets.toml`` (kept with its sources)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Target:
    name: str
    what: str
    low: float
    high: float
    source: str

    def accepts(self, value: float | None) -> bool:
        return value is not None and self.low <= value <= self.high


def load_targets(text: str | None = None) -> list[Target]:
    """Every table with a ``range`` is a target; ``[meta]`` and others are not."""
    if text is None:
        text = resources.files("model").joinpath("data/clinical-targets.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return [
        Target(
            name, t.get("what", ""), float(t["range"][0]), float(t["range"][1]), t.get("source", "")
        )
        for name, t in data.items()
        if isinstance(t, dict) and "range" in t
    ]
