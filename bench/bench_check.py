"""Run linkbench with refcheck added as a tool, beside the peers, and print its tables.

linkbench (``../shared/bench/linkbench.py``, or ``$LINKBENCH``) serves a fault-injecting
site on loopback and measures each checker against the same ground truth. This wrapper
only adds the ``refcheck check`` command line to it, built from the interpreter running
this script, so the figures are those of the checkout in use. A fresh state directory
per run keeps the cache out of the measurement.

    .venv/bin/python bench/bench_check.py --n 1000 --tools raw-retry,lychee,linkinator,linkchecker
    .venv/bin/python bench/bench_check.py --n 10000 --tools raw-retry,lychee --tool-timeout 900

Every other argument is passed to ``linkbench.py run`` unchanged. refcheck runs on uvloop
when it is installed; ``REFCHECK_NO_UVLOOP=1`` in the environment measures asyncio's own loop.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LINKBENCH = ROOT.parent / "shared" / "bench" / "linkbench.py"


def refcheck_command(python: str) -> str:
    """The linkbench ``--cmd`` template for refcheck (placeholders in braces are linkbench's)."""
    exe = shlex.quote(python)
    return (
        "rm -rf .refcheck; "
        f"{exe} -m refcheck check --urls {{urls}} --allow-private --concurrency {{concurrency}} "
        "--host-concurrency {host_concurrency} --timeout {timeout_s} --retries {retries} "
        "--format json --output {out}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--linkbench", default=os.environ.get("LINKBENCH", str(DEFAULT_LINKBENCH)))
    parser.add_argument("--tools", default="raw-retry,lychee,linkinator,linkchecker", help="linkbench built-ins")
    args, rest = parser.parse_known_args(argv)
    if not Path(args.linkbench).is_file():
        print(f"bench_check: linkbench not found at {args.linkbench} (set --linkbench or $LINKBENCH)", file=sys.stderr)
        return 2
    command = [
        sys.executable,
        args.linkbench,
        "run",
        "--tools",
        args.tools,
        "--cmd",
        f"refcheck={refcheck_command(sys.executable)}",
        "--version",
        f"refcheck={shlex.quote(sys.executable)} -m refcheck --version",
        *rest,
    ]
    return subprocess.call(command, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
