"""Fill Solara's CDN proxy cache from the npm registry, so the app works without internet.

It also packs axe-core (pinned, ``AXE_VERSION``) into the same cache, for the browser tests'
accessibility check; the app itself never loads it.

Solara's page loads its JavaScript and CSS through ``/_solara/cdn/<name>@<version>/<file>``. The
server answers from ``<cache>/<name>@<version>/<file>`` and otherwise fetches from jsdelivr, which
is unreachable here (and PyPI's ``solara-assets`` stops at 1.58.2). This script ``npm pack``s each
package the page needs and unpacks it into that layout (the same one solara-assets builds).

The cache directory is, in order: ``--cache-dir``, ``$SOLARA_ASSETS_PROXY_CACHE_DIR``, or
``<prefix of the Python running this script>/share/solara/cdn`` (Solara's own default, so run it
with the venv's Python). Packages already present are skipped; ``--force`` unpacks them again.

Usage: .venv/bin/python tools/solara_assets.py [--cache-dir DIR] [--force] [--check] [--list]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

AXE_VERSION = "4.10.3"
AXE_DIR = f"axe-core@{AXE_VERSION}"

# (directory name = the exact prefix Solara 1.64.1 puts in the url, npm spec to pack)
# Semver-range urls (vega@5, ...) are pinned to the newest match when this list was made
# (jsdelivr serves the newest match of a range).
PACKAGES: list[tuple[str, str]] = [
    # every page: solara.html.j2
    ("@widgetti/solara-vuetify-app@10.1.1", "@widgetti/solara-vuetify-app@10.1.1"),
    ("requirejs@2.3.6", "requirejs@2.3.6"),
    ("font-awesome@4.5.0", "font-awesome@4.5.0"),
    # solara.Markdown (loads both on every render, even without math or diagrams)
    ("katex@0.16.9", "katex@0.16.9"),
    ("mermaid@10.8.0", "mermaid@10.8.0"),
    # solara.GridLayout (Mesa's SolaraViz uses it)
    ("@widgetti/vue-grid-layout@2.3.13-alpha.2", "@widgetti/vue-grid-layout@2.3.13-alpha.2"),
    # solara.FigureAltair / Mesa's altair components
    ("vega@5", "vega@5.33.1"),
    ("vega-lite@5", "vega-lite@5.23.0"),
    ("vega-embed@6", "vega-embed@6.29.0"),
    # not Solara's: the accessibility checker the browser tests inject from this local copy
    # (tests/browser/test_access.py reads <cache>/axe-core@<version>/axe.min.js)
    (AXE_DIR, AXE_DIR),
]

MARKER = ".msim-npm-pack"  # only in fully unpacked directories (they are renamed into place)


def default_cache_dir() -> Path:
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    if env:
        return Path(env)
    return Path(sys.prefix) / "share" / "solara" / "cdn"


def is_complete(cache: Path, dirname: str) -> bool:
    return (cache / dirname / MARKER).is_file()


def unpack(tarball: Path, cache: Path, dirname: str, version: str) -> None:
    target = cache / dirname
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=cache))
    try:
        with tarfile.open(tarball) as tf:
            tf.extractall(staging, filter="data")
        # npm tarballs hold one top-level folder, usually "package/"
        (top,) = [p for p in staging.iterdir()]
        (top / MARKER).write_text(version + "\n")
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.replace(top, target)
        except OSError:
            if not is_complete(cache, dirname):  # else a concurrent run just unpacked it
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--cache-dir", type=Path, default=None)
    ap.add_argument("--force", action="store_true", help="unpack packages again even if present")
    ap.add_argument("--check", action="store_true", help="only report; exit 1 if any is missing")
    ap.add_argument("--list", action="store_true", help="print the package list and exit")
    args = ap.parse_args(argv)

    if args.list:
        for dirname, spec in PACKAGES:
            print(f"{dirname}\t{spec}")
        return 0

    cache = (args.cache_dir or default_cache_dir()).resolve()
    todo = [(d, s) for d, s in PACKAGES if args.force or not is_complete(cache, d)]
    if args.check:
        for d, _ in todo:
            print(f"missing: {cache / d}")
        return 1 if todo else 0
    if not todo:
        print(f"solara_assets: all {len(PACKAGES)} packages present in {cache}")
        return 0

    cache.mkdir(parents=True, exist_ok=True)
    print(f"solara_assets: packing {len(todo)} package(s) into {cache}", flush=True)
    with tempfile.TemporaryDirectory(prefix="solara-assets-") as tmp:
        tmpdir = Path(tmp)
        npm = shutil.which("npm")
        if npm is None:
            print("solara_assets: npm is needed (apt-get install -y npm)", file=sys.stderr)
            return 1
        proc = subprocess.run(
            [npm, "pack", "--json", "--pack-destination", str(tmpdir), *[s for _, s in todo]],
            capture_output=True,
            text=True,
            cwd=tmpdir,
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            print(
                "solara_assets: npm pack failed (is the npm registry reachable?)", file=sys.stderr
            )
            return 1
        info = json.loads(proc.stdout)
        if len(info) != len(todo):
            print(
                f"solara_assets: npm pack gave {len(info)} tarballs for {len(todo)}",
                file=sys.stderr,
            )
            return 1
        for (dirname, _spec), entry in zip(todo, info, strict=True):
            tarball = tmpdir / entry["filename"]
            if not tarball.exists():  # older npm reports "@scope/name-1.0.0.tgz"
                tarball = tmpdir / entry["filename"].lstrip("@").replace("/", "-")
            unpack(tarball, cache, dirname, entry["version"])
            print(f"  {dirname:45s} <- {entry['name']}@{entry['version']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
