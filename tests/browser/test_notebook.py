"""The page also works as a Jupyter widget: no browser, just a kernel (runs in a few seconds).

These need no Chromium but live here because they check the app, which this folder owns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_page_renders_and_steps_without_a_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a notebook does: render the component tree into widgets and drive it."""
    import solara

    monkeypatch.syspath_prepend(str(REPO))
    from app import Page
    from msim_app.stage import Stage

    _box, rc = solara.render(Page(), handle_error=False)
    try:
        stage = rc.find(Stage).widget
        assert stage.session is not None and stage.session.day == 0
        stage.vue_step({"days": 7})
        assert stage.session.day == 7
        stage.vue_give_course({})
        assert "course" in stage.notice
        stage.vue_reset({})
        assert stage.session.day == 0
    finally:
        rc.close()


def test_page_displays_in_a_jupyter_kernel() -> None:
    manager = pytest.importorskip("jupyter_client.manager")
    km, kc = manager.start_new_kernel(kernel_name="python3", cwd=str(REPO))
    try:
        msg_id = kc.execute("from app import Page\nPage()")
        outputs: list[dict] = []
        while True:
            msg = kc.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] in ("display_data", "execute_result", "error"):
                outputs.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
        assert not errors, errors
        mimes = {k for m in outputs for k in m["content"].get("data", {})}
        assert "application/vnd.jupyter.widget-view+json" in mimes
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
