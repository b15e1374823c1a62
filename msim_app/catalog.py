"""The standard scenario files and uploads, validated by the model's own scenario loader."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from model.scenario import MAX_FILE_BYTES, Scenario, ScenarioError, load_bytes, load_scenario

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
FIRST_CHOICE = "two-courses"  # the standard schedule opens the page


@dataclass(frozen=True)
class Entry:
    key: str  # file stem
    title: str  # the scenario's name
    path: Path


def entries(folder: Path = SCENARIO_DIR) -> list[Entry]:
    """Every readable scenario in ``folder``, first choice first, then by file name."""
    out = []
    for path in sorted(folder.glob("*.toml")):
        try:
            title = load_scenario(path).name
        except ScenarioError:
            continue  # a broken file in the folder must not break the page
        out.append(Entry(path.stem, title, path))
    out.sort(key=lambda e: (e.key != FIRST_CHOICE, e.key))
    return out


def default_scenario() -> tuple[Scenario, str]:
    """The scenario the page opens with (the model's defaults if the folder is empty)."""
    found = entries()
    if not found:
        return Scenario(), "defaults"
    return load_scenario(found[0].path), found[0].key


def read_upload(raw: bytes, filename: str) -> Scenario:
    """Validate an uploaded file; raises ScenarioError (with every problem) when it is bad."""
    name = Path(filename or "upload.toml").name
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            name,
            [
                f"the file is {len(raw):,} bytes; scenario files are limited "
                f"to {MAX_FILE_BYTES:,} bytes (1 MB)"
            ],
        )
    return load_bytes(raw, name)
