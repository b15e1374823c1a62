"""Class links: the lesson state a teacher hands out, carried in the page's URL.

A link holds a scenario (a shipped file by name, or the whole scenario embedded, compressed), the
patient's seed, the day to start at, the Play speed, whether the untreated twin runs beside,
whether students predict before the first infusion, and which controls are locked (shown, not
changeable) or hidden. Every part is checked strictly: a scenario name must be one of the files
listed from ``scenarios/`` (no path is ever built from the link), an embedded scenario goes
through the model's own validator and the class limits, and a checksum over the rest catches
links edited by hand or cut short. A link that fails any check gives the default page and the
reasons, never a traceback. The checksum is not a signature: a link's locks keep a class on
track, they do not secure anything.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from model.scenario import MAX_FILE_BYTES, Scenario, ScenarioError, load_bytes, load_scenario
from msim_app import catalog, classroom
from msim_app.therapies import comparators

# what a link can lock or hide, with the words the page uses for them
CONTROLS: dict[str, str] = {
    "scenario": "Scenario choice and upload",
    "seed": "Seed (the patient)",
    "compare": "Treated vs untreated switch and the comparator drug",
    "predict": "Predict, then watch switch",
    "sliders": "Parameter sliders",
    "speed": "Speed",
    "course": "Give a course now",
    "timeline": "Timeline: go back to a day, branch here",
}
SPEEDS = ("slow", "normal", "fast", "faster", "fastest")
SEED_MAX = 2**32 - 1
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
KEYS = (
    *("scenario", "toml", "seed", "day", "speed", "compare", "drug", "predict", "lock", "hide"),
    "sum",
)
MAX_EMBEDDED_CHARS = 20_000  # base64 of the compressed scenario
SALT = "msim-class-link-1"


@dataclass
class LinkState:
    """What a class link sets. ``scenario`` is a file name from ``scenarios/`` (``None``: the
    embedded ``toml``)."""

    scenario: str | None = None
    toml: str | None = None
    seed: int | None = None
    day: int = 0
    speed: str = "normal"
    compare: bool = False
    drug: str | None = None  # the comparator drug (a registry name) beside the untreated twin
    predict: bool = False
    locked: frozenset[str] = field(default_factory=frozenset)
    hidden: frozenset[str] = field(default_factory=frozenset)


class LinkError(ValueError):
    """A link that cannot be used; ``problems`` says why, in plain words."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _checksum(pairs: list[tuple[str, str]]) -> str:
    return hashlib.sha256((SALT + "?" + urlencode(pairs)).encode()).hexdigest()[:12]


def pack_toml(text: str) -> str:
    return base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")


def unpack_toml(packed: str) -> str:
    """The embedded scenario's text; :class:`LinkError` when it is not one."""
    if len(packed) > MAX_EMBEDDED_CHARS or not re.fullmatch(r"[A-Za-z0-9_-]+", packed):
        raise LinkError(["the embedded scenario is not readable (too long or not base64url)"])
    try:
        raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        d = zlib.decompressobj()
        text = d.decompress(raw, MAX_FILE_BYTES + 1)
        if len(text) > MAX_FILE_BYTES or d.unconsumed_tail:
            raise LinkError(["the embedded scenario is over 1 MB"])
        return text.decode()
    except (binascii.Error, zlib.error, UnicodeDecodeError) as err:
        raise LinkError(["the embedded scenario is not readable (damaged)"]) from err


def encode(state: LinkState) -> str:
    """The query string (without ``?``) of a link, checksum last."""
    pairs: list[tuple[str, str]] = []
    if state.scenario is not None:
        pairs.append(("scenario", state.scenario))
    elif state.toml is not None:
        pairs.append(("toml", pack_toml(state.toml)))
    if state.seed is not None:
        pairs.append(("seed", str(state.seed)))
    pairs += [("day", str(state.day)), ("speed", state.speed)]
    pairs.append(("compare", "1" if state.compare else "0"))
    if state.drug:
        pairs.append(("drug", state.drug))
    if state.predict:
        pairs.append(("predict", "1"))
    for key, names in (("lock", state.locked), ("hide", state.hidden)):
        if names:
            pairs.append((key, ",".join(n for n in CONTROLS if n in names)))
    return urlencode([*pairs, ("sum", _checksum(pairs))])


def _int(text: str, what: str, low: int, high: int, problems: list[str]) -> int:
    if re.fullmatch(r"\d{1,10}", text) and low <= int(text) <= high:
        return int(text)
    problems.append(f"{what} '{text[:40]}' is not a whole number from {low:,} to {high:,}")
    return low


def _names(text: str, what: str, problems: list[str]) -> frozenset[str]:
    names = [n for n in text.split(",") if n]
    bad = [n for n in names if n not in CONTROLS]
    if bad:
        problems.append(f"{what}: unknown control(s) {', '.join(repr(b[:20]) for b in bad[:3])}")
    return frozenset(n for n in names if n in CONTROLS)


def decode(query: str) -> LinkState | None:
    """The state a link's query string asks for; ``None`` for no link at all (no query).
    :class:`LinkError` with every problem for a bad or tampered link."""
    if not query:
        return None
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError as err:
        raise LinkError(["the link's address is garbled"]) from err
    keys = [k for k, _ in pairs]
    problems = [f"unknown part '{k[:20]}'" for k in keys if k not in KEYS]
    problems += [f"'{k}' given twice" for k in set(keys) if keys.count(k) > 1]
    if problems:
        raise LinkError(problems)
    given = dict(pairs)
    if given.get("sum") != _checksum([(k, v) for k, v in pairs if k != "sum"]):
        raise LinkError(["the link was changed or cut short after it was made (its checksum)"])
    state = LinkState()
    if ("scenario" in given) == ("toml" in given):
        problems.append("a link names one scenario: by name or embedded")
    if "scenario" in given:
        name = given["scenario"]
        known = {e.key for e in catalog.entries()}
        if NAME.fullmatch(name) and name in known:
            state.scenario = name
        else:
            problems.append(f"there is no scenario '{name[:40]}' in scenarios/")
    if "toml" in given:
        state.toml = unpack_toml(given["toml"])
    if "seed" in given:
        state.seed = _int(given["seed"], "seed", 0, SEED_MAX, problems)
    state.day = _int(given.get("day", "0"), "day", 0, 36_500, problems)
    state.speed = given.get("speed", "normal")
    if state.speed not in SPEEDS:
        problems.append(f"speed '{state.speed[:20]}' is not one of {', '.join(SPEEDS)}")
    if given.get("compare", "0") not in ("0", "1"):
        problems.append("compare must be 0 or 1")
    state.compare = given.get("compare") == "1"
    if "drug" in given:
        state.drug = given["drug"]
        if state.drug not in dict(comparators()):
            problems.append(f"there is no comparator drug '{state.drug[:40]}'")
    if given.get("predict", "0") not in ("0", "1"):
        problems.append("predict must be 0 or 1")
    state.predict = given.get("predict") == "1"
    state.locked = _names(given.get("lock", ""), "lock", problems)
    state.hidden = _names(given.get("hide", ""), "hide", problems)
    if problems:
        raise LinkError(problems)
    return state


def scenario_of(state: LinkState) -> tuple[Scenario, str]:
    """The link's scenario (validated, within the class limits, its seed set) and its source key;
    :class:`LinkError` when it cannot be used."""
    if state.scenario is not None:
        entry = next(e for e in catalog.entries() if e.key == state.scenario)
        scenario, source = load_scenario(entry.path), entry.key
    else:
        try:
            scenario = load_bytes((state.toml or "").encode(), "the link's scenario")
        except ScenarioError as err:
            raise LinkError(["the embedded scenario is not valid:", *err.problems[:5]]) from err
        source = scenario.name
    over = classroom.limits().problems(scenario)
    if over:
        raise LinkError(over)
    if state.seed is not None:
        scenario = scenario.with_overrides({"run.seed": state.seed}, source="the class link")
    if state.day > max(scenario.run.days, 0):
        raise LinkError([f"day {state.day} is past the scenario's end (day {scenario.run.days})"])
    return scenario, source
