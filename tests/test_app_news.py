"""The live region's sentences (msim_app/news.py) from recorded events and CD4 rows."""

from __future__ import annotations

import numpy as np

from model.records import Event
from msim_app.news import News


def test_news_names_courses_t_cells_and_relapses_in_day_order() -> None:
    news = News()
    events = [
        Event(3, "relapse_start", "new myelin loss"),
        Event(10, "dose", "12 mg"),
        Event(11, "dose", "12 mg"),
        Event(20, "relapse_end", "lasted 17 days; lasting damage"),
    ]
    news.take(events, np.arange(0.0, 30.0), np.linspace(100, 2, 30))
    texts = [t for _, t in news.items]
    assert texts[0] == "Day 3: a relapse started."
    assert texts[1] == "Day 10: infusion course 1 of alemtuzumab started."  # once a course
    assert "Day 20: the relapse is over, with lasting damage." in texts
    assert sum("CD4 T cells down to" in t for t in texts) == 1
    news.take([Event(40, "relapse_end", "lasted 3 days; full recovery")], np.array([40.0]),
              np.array([60.0]))  # fmt: skip
    assert news.items[-2:] == [
        (40, "Day 40: the relapse is over, with full recovery of the myelin."),
        (40, "Day 40: CD4 T cells back above half of baseline."),
    ]
