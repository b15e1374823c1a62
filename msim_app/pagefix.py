"""Fixes to Solara's page, made in the browser when the page opens.

Solara's template has no ``lang`` on ``<html>`` (screen readers then guess the language) and its
viewport tag forbids zooming (``user-scalable=no, maximum-scale=1``), which fails WCAG 1.4.4. The
template is read from outside the repository, so this small widget sets both right once mounted,
and names Solara's busy bar (an unnamed ``progressbar``) whenever it appears.
"""

from __future__ import annotations

import ipyvue
import traitlets

TEMPLATE = """
<template><span class="msim-pagefix" style="display:none"></span></template>
<script>
module.exports = {
  mounted() {
    document.documentElement.lang = 'en';
    const meta = document.querySelector('meta[name="viewport"]');
    if (meta) meta.setAttribute('content', 'width=device-width, initial-scale=1');
    // Solara's busy bar (a Vuetify progress bar) comes and goes without a name: give it one
    const name = () => document.querySelectorAll('[role=progressbar]:not([aria-label])')
      .forEach((el) => el.setAttribute('aria-label', 'The page is working'));
    name();
    this.observer = new MutationObserver(name);
    this.observer.observe(document.body, { childList: true, subtree: true });
  },
  beforeDestroy() {
    if (this.observer) this.observer.disconnect();
  },
};
</script>
"""


class PageFix(ipyvue.VueTemplate):
    """Sets the page's language, lets it zoom and names the busy bar (see the module)."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
