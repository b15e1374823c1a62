"""Print the address(es) students type to reach a class server (run by ``make class``).

Lists this machine's IPv4 addresses on its networks (``hostname -I`` where there is one, else
what the socket library knows), never the loopback one, and says whether a class password and
class limits are on. Prints the password's presence, never the password, and the teacher's
class-summary address with its token (``MSIM_TEACHER_TOKEN``, which ``make class`` sets).
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import shutil
import socket
import subprocess
import sys


def addresses() -> list[str]:
    found: list[str] = []
    if shutil.which("hostname"):
        try:
            out = subprocess.run(
                ["hostname", "-I"], capture_output=True, text=True, timeout=5, check=False
            ).stdout
            found += out.split()
        except (OSError, subprocess.SubprocessError):
            pass
    with contextlib.suppress(OSError):
        found += socket.gethostbyname_ex(socket.gethostname())[2]
    # the address of the interface that routes outwards (connect() on UDP sends nothing)
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))
        found.append(s.getsockname()[0])
    out: list[str] = []
    for a in found:
        try:
            ip = ipaddress.ip_address(a)
        except ValueError:
            continue
        if ip.version == 4 and not ip.is_loopback and not ip.is_link_local and a not in out:
            out.append(a)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from msim_app import classpool, classroom

    found = addresses()
    print("msim class server: students open one of these addresses in their browser")
    for a in found:
        print(f"    http://{a}:{args.port}/")
    if not found:
        print(f"    (no network address found: is this machine on the network?) port {args.port}")
    print(f"  on this machine: http://localhost:{args.port}/")
    print(
        "  class password: "
        + ("on (students type it once)" if classroom.password_required() else "off")
    )
    lim = classroom.limits()
    print(
        "  class limits on uploads: "
        + ", ".join(
            f"{name} {value:,}" if value is not None else f"{name} (no limit)"
            for name, value in (
                ("grid side", lim.max_grid),
                ("cells per kind", lim.max_cells),
                ("run days", lim.max_days),
            )
        )
    )
    host = found[0] if found else "localhost"
    print("  teacher's class summary (keep this address to yourself: it holds the token):")
    print(f"    {classpool.teacher_address(host, args.port)}")
    if not os.environ.get(classpool.ENV_TOKEN, "").strip():
        print(
            f"    (a token made now: the server makes its own unless {classpool.ENV_TOKEN} is set)"
        )
    cull = os.environ.get("SOLARA_KERNEL_CULL_TIMEOUT", "24h")
    print(f"  a dropped tab keeps its run for {cull} (SOLARA_KERNEL_CULL_TIMEOUT)")
    print("  stop the server with Ctrl+C", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
