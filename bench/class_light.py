"""Class benchmark with light clients: N sessions through the page's own websocket protocol.

Each session is what a browser tab is to the server (its own Solara kernel, page and model) but
without a browser: it fetches the page for the session cookie, opens the kernel websocket, asks
Solara to run the app (the ``solara.control`` comm), finds the stage widget among the widgets the
server opens and then plays as the page does at Normal speed: it asks for 3 one-day frames a
message (``want_frame``) at most every 100 ms (30 frames a second), the next request as soon as
an answer is in, and like the page it asks less often while answers come later than 100 ms (the
page's ``adaptPace``: up to 180 ms a frame, and a session behind the class's fair pace that
the server sends with each answer catches up at once; ``--fixed-pace`` leaves that out, for
clients that never slow down). So the machine's CPU goes to the server, not to N browsers
(``bench/sessions.py`` keeps the real-browser check).

Per N (a fresh server each): updates (frames) a second per session (mean and slowest), p50/p95
latency from request to answer, server CPU (100 = one core) and resident memory, and memory per
session above the empty server. ``--heavy`` makes one session upload the heaviest scenario the
class limits allow (100x100 grid, 5,000 cells of each kind, the most antibody) and play it at
Fastest (20 days a frame, no pacing); its figures are left out of the others'.

    python bench/class_light.py                 # N = 10, 30, 60, then 30 with one heavy
    python bench/class_light.py --n 30 --heavy  # 29 standard sessions beside one heavy one

The server runs as ``make run`` runs it: the tabs' models in worker processes
(``MSIM_WORKERS``, one per core; ``MSIM_WORKERS=0 python bench/class_light.py`` measures them
stepping in the server process instead). CPU is given for the server, its workers, this client
and everything else on the machine (another program's load shows there).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import statistics
import struct
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psutil
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _browser import free_port, start_server, stop_server

MB = 1024 * 1024
FRAME_S, BATCH = 1 / 30, 3  # Normal: 30 frames a second, 3 a message
# the page's adaptPace (msim_app/stage.vue): an answer later than PACE_LATENCY_S slows Play down
PACE_LATENCY_S, PACE_MAX_S, PACE_STEP_FPS = 0.080, 0.180, 1.5


def adapt_pace(pace: float, latency: float, fair: float = 0.0) -> float:
    """The page's seconds a frame after an answer that took ``latency`` and carried the class's
    fair pace ``fair`` (as ``adaptPace`` in msim_app/stage.vue)."""
    if latency > PACE_LATENCY_S:
        return min(max(pace, 0.033) * 1.25, PACE_MAX_S)
    if pace and fair and pace > fair:
        return fair
    fps = 1 / pace + PACE_STEP_FPS if pace else 30.0
    return 0.0 if fps >= 30 else 1 / fps


KINDS = ("cd4", "cd8", "b_cells", "treg", "nk")
HEAVY = "\n".join(
    [
        'name = "Heavy (class limits)"',
        "[grid]\nwidth = 100\nheight = 100",
        "[antibody]\nparticles_per_mg = 2000\nhalf_life_days = 100",
        *(f"[cells.{k}]\nbaseline = 5000" for k in KINDS),
    ]
).encode()


def _msg(msg_type: str, content: dict, page: str) -> str:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": "",
        "session": page,
        "date": "2026-01-01T00:00:00Z",
        "version": "5.3",
    }
    return json.dumps(
        {
            "header": header,
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
    )


def _decode(raw: str | bytes) -> dict:
    """A Jupyter websocket message: JSON text, or binary (offsets, JSON, buffers)."""
    if isinstance(raw, str):
        return json.loads(raw)
    nbufs = struct.unpack("!I", raw[:4])[0]
    offsets = struct.unpack("!" + "I" * nbufs, raw[4 : 4 * (nbufs + 1)])
    end = offsets[1] if len(offsets) > 1 else len(raw)
    return json.loads(raw[offsets[0] : end])


def _custom(comm: str, event: str, data: dict, page: str) -> str:
    content = {"method": "custom", "content": {"event": event, "data": data}}
    return _msg("comm_msg", {"comm_id": comm, "data": content}, page)


class Start:
    """The common start: every session has opened and drawn its first frame (building models
    can take a while), then all play at once."""

    def __init__(self) -> None:
        self.ready = 0
        self.go = asyncio.Event()
        self.at = 0.0


async def play(base: str, seconds: float, heavy: bool, start: Start, adapt: bool) -> dict:
    """One session: open, (upload the heavy scenario,) wait for the common start, then play for
    ``seconds``."""
    with urllib.request.urlopen(base, timeout=60) as resp:
        cookie = (resp.headers.get("Set-Cookie") or "").split(";")[0]
    kernel, page = uuid.uuid4().hex, uuid.uuid4().hex
    url = base.replace("http", "ws", 1) + f"jupyter/api/kernels/{kernel}/channels?session_id={page}"
    async with websockets.connect(url, additional_headers={"Cookie": cookie}, max_size=None) as ws:
        control = uuid.uuid4().hex
        await ws.send(
            _msg(
                "comm_open", {"comm_id": control, "target_name": "solara.control", "data": {}}, page
            )
        )
        run = {"method": "run", "args": {"path": "", "appName": None}}
        await ws.send(_msg("comm_msg", {"comm_id": control, "data": run}, page))
        stage = upload = None
        uploaded = not heavy
        asked: float | None = None
        last_ask = pace = 0.0
        lats: list[float] = []
        frames = days0 = day = 0
        measuring = ready = False
        while True:
            m = _decode(await asyncio.wait_for(ws.recv(), 120))
            kind, c = m["header"]["msg_type"], m.get("content", {})
            if kind == "comm_open":
                state = c.get("data", {}).get("state", {})
                if "speeds" in state:
                    stage = c["comm_id"]
                elif "max_bytes" in state:
                    upload = c["comm_id"]
                continue
            if kind != "comm_msg" or c.get("comm_id") != stage:
                continue
            data = c.get("data", {})
            method = (
                data.get("content", {}).get("method") if data.get("method") == "custom" else None
            )
            if method not in ("frame", "frames"):
                continue
            if method == "frames":
                now = time.monotonic()
                headers = data["content"]["args"][0]
                day = headers[-1]["arms"][0]["day"]
                if asked is not None and adapt:
                    pace = adapt_pace(pace, now - asked, headers[-1].get("fair_ms", 0) / 1000)
                if measuring:
                    lats.append(now - asked)
                    frames += len(headers)
                if headers[-1]["ended"]:
                    break
            elif method == "frame":
                day = data["content"]["args"][0]["arms"][0]["day"]
            if not uploaded:  # the first frame is in: upload, and play the new scenario
                if upload is None:
                    raise SystemExit("no upload widget found")
                b64 = base64.b64encode(HEAVY).decode()
                await ws.send(_custom(upload, "file", {"name": "heavy.toml", "b64": b64}, page))
                uploaded = True
                continue
            if not ready:
                ready = True
                start.ready += 1
                await start.go.wait()
            now = time.monotonic()
            if not measuring:
                measuring, days0, t0 = True, day, now
            if now >= start.at + seconds:
                break
            if heavy:
                ask = {"days": 20, "count": 1}
            else:
                ask = {"days": 1, "count": BATCH, "pace": pace * 1000}
                wait = last_ask + max(FRAME_S, pace) * BATCH - now
                if wait > 0:
                    await asyncio.sleep(wait)
            asked = last_ask = time.monotonic()
            await ws.send(_custom(stage, "want_frame", ask, page))
        took = time.monotonic() - t0 if measuring else float("nan")
        return {"frames": frames, "days": day - days0, "seconds": took, "lats": lats}


class Tree:
    """The server process and its worker processes (``msim_app.pool``): CPU and memory."""

    def __init__(self, pid: int) -> None:
        self.server = psutil.Process(pid)

    def procs(self) -> list[psutil.Process]:
        return [self.server, *self.server.children(recursive=True)]

    def cpu(self) -> dict[int, float]:
        out = {}
        for p in self.procs():
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
        return out

    def memory(self) -> tuple[float, float]:
        """Resident and proportional (shared pages split among their processes) MB."""
        rss = pss = 0.0
        for p in self.procs():
            with contextlib.suppress(psutil.Error):
                m = p.memory_full_info()
                rss, pss = rss + m.rss / MB, pss + m.pss / MB
        return rss, pss


async def _class(
    base: str, n: int, seconds: float, heavy: bool, pid: int, adapt: bool = True
) -> dict:
    tree = Tree(pid)
    await asyncio.sleep(2.0)  # the workers finish starting
    _rss0, pss0 = tree.memory()
    start = Start()
    jobs = [play(base, seconds, heavy and i == 0, start, adapt) for i in range(n)]
    task = asyncio.gather(*jobs)
    opening = time.monotonic()
    while start.ready < n and not task.done() and time.monotonic() < opening + 120 + 5 * n:
        await asyncio.sleep(0.2)
    opened = time.monotonic() - opening
    start.at = time.monotonic()
    start.go.set()
    cpu0, t0 = tree.cpu(), time.monotonic()
    own0, all0 = time.process_time(), psutil.cpu_times()
    peak_rss = peak_pss = 0.0
    while not task.done() and time.monotonic() < t0 + seconds:
        rss, pss = tree.memory()
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        await asyncio.sleep(1.0)
    took = time.monotonic() - t0
    cpu1 = tree.cpu()
    own = 100 * (time.process_time() - own0) / took
    busy = psutil.cpu_times()
    machine = (
        100 * (sum(busy) - busy.idle - busy.iowait - (sum(all0) - all0.idle - all0.iowait)) / took
    )
    used = {p: 100 * (cpu1[p] - cpu0.get(p, 0.0)) / took for p in cpu1}
    results = await task
    light = results[1:] if heavy else results
    rates = [r["frames"] / r["seconds"] for r in light]
    lats = sorted(x for r in light for x in r["lats"])
    server_cpu = used.pop(pid, 0.0)
    out = {
        "sessions": n,
        "open_s": round(opened, 1),
        "updates_per_s_mean": round(statistics.mean(rates), 1),
        "updates_per_s_slowest": round(min(rates), 1),
        "p50_ms": round(1000 * lats[len(lats) // 2]) if lats else None,
        "p95_ms": round(1000 * lats[int(0.95 * (len(lats) - 1))]) if lats else None,
        "server_cpu_pct": round(server_cpu),
        "workers_cpu_pct": round(sum(used.values())),
        "client_cpu_pct": round(own),
        "other_cpu_pct": round(max(0.0, machine - server_cpu - sum(used.values()) - own)),
        "memory_rss_mb": round(peak_rss),
        "memory_pss_mb": round(peak_pss),
        "pss_per_session_mb": round((peak_pss - pss0) / n, 1),
    }
    if heavy:
        h = results[0]
        out["heavy_days_per_s"] = round(h["days"] / h["seconds"], 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="sessions (default 10, 30, 60)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured play per N")
    parser.add_argument("--heavy", action="store_true", help="one session plays a heavy scenario")
    parser.add_argument(
        "--fixed-pace", action="store_true", help="clients never slow down when answers are late"
    )
    args = parser.parse_args(argv)
    # default (make bench): 10, 30 and 60 sessions, then 30 with one of them heavy
    runs = [(n, args.heavy) for n in args.n] if args.n else [(10, 0), (30, 0), (60, 0), (30, 1)]
    for n, heavy in runs:
        port = free_port()
        proc = start_server(port)
        try:
            base = f"http://127.0.0.1:{port}/"
            result = asyncio.run(
                _class(base, n, args.seconds, bool(heavy), proc.pid, not args.fixed_pace)
            )
        finally:
            stop_server(proc)
        print(json.dumps(result), flush=True)
        key = f"class_{n}{'_heavy' if heavy else ''}"
        for name, value in (
            ("updates_per_s", result["updates_per_s_mean"]),
            ("slowest_updates_per_s", result["updates_per_s_slowest"]),
            ("p95_ms", result["p95_ms"]),
            ("pss_per_session_mb", result["pss_per_session_mb"]),
            ("cpu_pct", result["server_cpu_pct"] + result["workers_cpu_pct"]),
            ("other_cpu_pct", result["other_cpu_pct"]),
        ):
            print(f"{key}_{name}: {value}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
