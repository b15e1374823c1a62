"""Numbers and names as the reports, the command line and the app print them."""

from __future__ import annotations


def fmt(
    x: float | None,
    digits: int | None = 2,
    scale: float = 1.0,
    unit: str = "",
    missing: str = "n/a",
) -> str:
    """``x * scale`` with ``digits`` decimals (None: three significant figures), never "-0"."""
    if x is None:
        return missing
    v = x * scale
    significant = f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    text = significant if digits is None else f"{v:.{digits}f}"
    return (text.removeprefix("-") if float(text.replace(",", "")) == 0 else text) + unit


def slug(name: str, empty: str = "run") -> str:
    """A file-name-safe form of ``name``: lower case, runs of other characters as one "-"."""
    keep = "".join(c.lower() if c.isalnum() else "-" for c in name)
    return "-".join(p for p in keep.split("-") if p)[:40] or empty
