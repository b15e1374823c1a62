"""The "Copy class link" button: Python makes the link's query, the browser adds the page's own
address, shows the whole link in a read-only field and copies it to the clipboard (where the
browser allows it; otherwise the field is selected for Ctrl+C)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import ipyvue
import traitlets

log = logging.getLogger(__name__)

TEMPLATE = """
<template>
  <div class="msim-linkbox">
    <button type="button" class="msim-btn msim-copy-link" @click="make_link({})">
      Copy class link</button>
    <label class="msim-link-label">Class link
      <input ref="field" class="msim-link" type="text" readonly :value="url"
             @focus="$event.target.select()" />
    </label>
    <span class="msim-link-status" role="status">{{ problem || status }}</span>
  </div>
</template>
<script>
module.exports = {
  data() { return { url: '', status: '' }; },
  watch: {
    serial() {
      this.url = location.origin + location.pathname + '?' + this.query;
      const done = () => { this.status = 'Copied: paste it for your class.'; };
      const manual = () => {
        this.$nextTick(() => { this.$refs.field.focus(); this.$refs.field.select(); });
        this.status = 'Press Ctrl+C to copy the selected link.';
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(this.url).then(done, manual);
      } else manual();
    },
  },
};
</script>
<style id="msim-linkbox-style">
.msim-linkbox { display: flex; flex-direction: column; gap: 6px; font-size: 14px; }
.msim-link { width: 100%; border: 1px solid #888; border-radius: 4px; padding: 4px;
  font-size: 12px; }
.msim-link-label { display: flex; flex-direction: column; gap: 2px; }
.msim-link-status { font-size: 12px; color: #333; min-height: 1em; }
</style>
"""


class LinkBox(ipyvue.VueTemplate):
    """``on_make()`` returns the query string; each press sends it with a new ``serial``."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)
    serial = traitlets.Int(0).tag(sync=True)
    problem = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.on_make: Callable[[], str] = lambda: ""

    def vue_make_link(self, _data: Any = None) -> None:
        try:
            self.query = self.on_make()
        except Exception:
            log.exception("making a class link failed")
            self.problem = "The link could not be made; try again."
            return
        self.problem = ""
        self.serial += 1
