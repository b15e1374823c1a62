"""A native ``<select>`` with a visible label: reachable with Tab, changed with the arrow keys,
read by screen readers, and driven by tests with ``select_option``.

Each option carries its own ``selected``: when ``value`` and ``options`` change together (an
upload adds its option and picks it), Vue sets the select's value before the new option exists,
and the menu would go on naming the previous choice.
"""

from __future__ import annotations

import ipyvue
import traitlets

TEMPLATE = """
<template>
  <label :class="['msim-choice', css_class + '-label']">{{ label }}
    <select :class="['msim-choice-select', css_class]" :aria-label="label" :value="value"
            @change="value = $event.target.value">
      <option v-for="o in options" :key="o[0]" :value="o[0]"
              :selected="o[0] === value">{{ o[1] }}</option>
    </select>
  </label>
</template>
<style id="msim-choice-style">
.msim-choice { display: flex; flex-direction: column; gap: 4px; font-size: 14px; }
.msim-choice-select { border: 1px solid #888; border-radius: 4px; padding: 5px; font-size: 14px;
  background: #fff; }
.msim-choice-select:focus-visible { outline: 3px solid #E69F00; outline-offset: 2px; }
</style>
"""


class Choice(ipyvue.VueTemplate):
    """``options`` is a list of ``[value, text]`` pairs; ``value`` syncs both ways."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    options = traitlets.List([]).tag(sync=True)
    value = traitlets.Unicode("").tag(sync=True)
    css_class = traitlets.Unicode("").tag(sync=True)
