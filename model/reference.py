"""The scenario format's reference page, generated from the pydantic schema (never by hand)."""

from __future__ import annotations

import json

from pydantic import BaseModel

from model.scenario import Scenario, json_schema


def _rows(model: type[BaseModel], prefix: str, defaults: dict) -> list[str]:
    rows, sections = [], []
    for name, field in model.model_fields.items():
        ann = field.annotation
        key = f"{prefix}{name}"
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            sections.append((key, ann, defaults.get(name, {})))
            continue
        lo = hi = None
        for m in field.metadata:
            lo = next(
                (v for v in (getattr(m, "ge", None), getattr(m, "gt", None)) if v is not None), lo
            )
            hi = getattr(m, "le", None) if getattr(m, "le", None) is not None else hi
        unit = (field.json_schema_extra or {}).get("unit", "") if field.json_schema_extra else ""
        default = defaults.get(name)
        if isinstance(default, str) and len(default) > 40:
            default = default[:40] + "…"
        shown = json.dumps(default, ensure_ascii=False)
        rng = f"{lo} – {hi}" if lo is not None and hi is not None else ""
        typ = getattr(ann, "__name__", str(ann)).replace("list", "list of courses")
        rows.append(f"| `{key}` | {typ} | {shown} | {unit} | {rng} | {field.description or ''} |")
    out = rows
    for key, sub, sub_defaults in sections:
        out += _section(key, sub, sub_defaults)
    return out


def _section(key: str, model: type[BaseModel], defaults: dict, title: str = "") -> list[str]:
    head = [
        f"\n### `{title or f'[{key}]'}`\n",
        (model.__doc__ or "").strip() + "\n",
        "| key | type | default | unit | allowed | description |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    return head + _rows(model, f"{key}.", defaults)


def reference_markdown() -> str:
    from model.scenario import DosingCourse

    defaults = Scenario().to_dict()
    lines = [
        "# Scenario file reference",
        "",
        "Generated from `model/scenario.py` by `msim schema --markdown`; do not edit by hand.",
        "A scenario is a TOML file. Every key is optional except `name`; missing keys take the",
        "defaults below (the standard two-course schedule). Unknown keys are refused. The JSON",
        "Schema for editors is `docs/scenario.schema.json`.",
        "",
        "## Top level",
        "",
        "| key | type | default | unit | allowed | description |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += _rows(Scenario, "", defaults)
    lines += _section(
        "dosing.courses[]",
        DosingCourse,
        DosingCourse().model_dump(),
        title="[[dosing.courses]] (each course)",
    )
    return "\n".join(lines) + "\n"


def schema_json() -> str:
    return json.dumps(json_schema(), indent=2) + "\n"
