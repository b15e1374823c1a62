"""A plain, keyboard-reachable file input for scenario uploads.

Solara's FileDrop is drag-and-drop only; a real ``<input type="file">`` can be reached with the
keyboard, opened with a click, and filled by a test. Files over the limit are refused in the
browser before any byte is sent, and again in Python.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable
from typing import Any

import ipyvue
import traitlets

from model.scenario import MAX_FILE_BYTES

log = logging.getLogger(__name__)


class Upload(ipyvue.VueTemplate):
    template_file = (__file__, "upload.vue")

    label = traitlets.Unicode("Upload a scenario file (.toml)").tag(sync=True)
    max_bytes = traitlets.Int(MAX_FILE_BYTES).tag(sync=True)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.on_file: Callable[[str, bytes], None] = lambda name, raw: None
        self.on_refused: Callable[[str, int], None] = lambda name, size: None

    def vue_file(self, data: Any = None) -> None:
        if not isinstance(data, dict):
            return
        name = str(data.get("name", "upload.toml"))
        try:
            raw = base64.b64decode(str(data.get("b64", "")), validate=True)
        except (binascii.Error, ValueError):
            self.on_refused(name, -1)
            return
        self.on_file(name, raw)

    def vue_too_big(self, data: Any = None) -> None:
        data = data if isinstance(data, dict) else {}
        self.on_refused(str(data.get("name", "upload")), int(data.get("size", 0)))
