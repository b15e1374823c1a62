"""msim_app: the classroom browser app's parts, kept apart from the model.

The model (``model``) never imports this package; the app is a thin face over it. One idea per
module: colours (``palette``), per-frame byte encodings (``frames``), the chart history
(``history``), one simulated patient (``arm``), one browser tab's state (``session``), the messages
to the browser (``wire``), downloads (``exports``), the canvas widget (``stage`` + ``stage.vue``),
scenario files (``catalog``), slider specs from the schema (``schema``), a native select
(``choice``), the upload input (``upload``), what a click shows (``inspector``), and the Solara
side panel (``controls``) and read-only panels (``panels``).
"""
