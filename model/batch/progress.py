"""Progress of a batch: a tqdm bar on a terminal, plain lines in logs and CI."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def duration(seconds: float) -> str:
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


class Progress:
    """Runs done of total, elapsed time and ETA. ``initial`` counts runs resumed from disk,
    which do not enter the ETA."""

    def __init__(
        self, total: int, initial: int = 0, stream: TextIO | None = None, every: float = 5.0
    ):
        self.stream = stream or sys.stderr
        self.total, self.done, self.initial = total, initial, initial
        self.every, self.start, self.last = every, time.monotonic(), 0.0
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                initial=initial,
                unit="run",
                desc="runs",
                file=self.stream,
                dynamic_ncols=True,
                smoothing=0.1,
            )

    def line(self) -> str:
        elapsed = time.monotonic() - self.start
        new = self.done - self.initial
        eta = duration(elapsed / new * (self.total - self.done)) if new else "unknown"
        return f"runs {self.done}/{self.total} done, {duration(elapsed)} elapsed, ETA {eta}"

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        if self.done == self.total or now - self.last >= self.every:
            self.last = now
            print(self.line(), file=self.stream, flush=True)

    def note(self, message: str) -> None:
        if self.bar is not None:
            self.bar.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
