"""Run every benchmark script and write bench/RESULTS.md: each figure beside its target.

``.venv/bin/python bench/run_all.py`` runs the full sizes (about half an hour on 2 cores);
``--quick`` runs each script at a small size, for a smoke run (the file says which was run).
``--only NAME`` (repeatable) runs some of them and keeps the other scripts' sections of the
existing file as they were (each section says when it ran). Each script runs in its own
process, as a user would run it, and its output is copied into the file verbatim: the
scripts themselves print the targets beside their figures, so this file only adds the
machine and the date.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass(frozen=True)
class Bench:
    """One benchmark script, its arguments at full size and at quick size, and its target."""

    name: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    targets: str


BENCHES = (
    Bench(
        "generate",
        ("1000", "10000", "100000"),
        ("1000",),
        "generator: 100k items in minutes, not hours (no fixed target)",
    ),
    Bench(
        "sync",
        ("10000",),
        ("1000",),
        "backfill through GraphQL: requests <= 0.15x the REST lower bound, points within 5,000"
        " an hour, sync CPU per item <= 0.6x its figure when issue #15 was filed; the REST"
        " fallback <= 1.05x the bound; no-change poll: every request a 304; the same for a"
        " team that ships by deployments and one that ships by tags",
    ),
    Bench(
        "report",
        ("--backend", "both"),
        ("--teams", "5", "--transitions", "20000", "--prs", "4000", "--backend", "sqlite"),
        "one team-week < 100 ms; all teams for one week < 5 s; a 13-week period <= 3x a week",
    ),
    Bench("slash", ("--runs", "5", "--rounds", "5"), ("--runs", "2", "--rounds", "2"),
          "slash ack p99 <= 60 ms at 20 concurrent, in every one of 5 runs"),
    Bench("load", ("--replicas", "3", "--days", "7"),
          ("--replicas", "2", "--days", "0.1", "--items", "400", "--no-slash"),
          "100 teams, 500 repositories, 3 replicas: each team polled once per cycle; GitHub"
          " requests that spend the rate limit within 5,000 an hour (slash ack at 50"
          " concurrent, store growth and replica RSS reported, no fixed target)"),
    Bench("startup", ("--repeat", "5"), ("--repeat", "2"),
          "crosswalk --help <= 0.25 s; report of one team-week (whole process) <= 0.45 s;"
          " idle serve RSS <= 110 MB"),
)


def machine() -> list[str]:
    """The facts about this machine a reader needs to compare figures."""
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        first = meminfo.read_text(encoding="utf-8").splitlines()[0]
        mem = f", {int(first.split()[1]) / 1024 / 1024:.1f} GiB memory"
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores{mem}, {platform.system()} "
        f"{platform.release()}",
        f"- Python {platform.python_version()}",
    ]


def run(bench: Bench, quick: bool) -> tuple[str, float, int]:
    """Run one script; its combined output, wall seconds and exit code."""
    args = bench.quick if quick else bench.full
    command = [sys.executable, str(HERE / f"{bench.name}.py"), *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    output = (done.stdout + ("\n" + done.stderr if done.returncode else "")).rstrip()
    return output, time.perf_counter() - started, done.returncode


def kept_sections(text: str) -> dict[str, str]:
    """The ``## name`` sections of an existing RESULTS.md, by script name."""
    sections: dict[str, str] = {}
    for part in text.split("\n## ")[1:]:
        name = part.split("\n", 1)[0].strip()
        sections[name] = "## " + part.rstrip() + "\n"
    return sections


def results(
    benches: list[Bench], quick: bool, keep: dict[str, str] | None = None
) -> tuple[str, int]:
    """The whole RESULTS.md text, and how many scripts failed; ``keep`` holds the sections
    of scripts not run this time."""
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run_all.py{' --quick' if quick else ''}`; do not edit by hand.",
        "",
        *machine(),
        "",
    ]
    failed = 0
    chosen = {b.name for b in benches}
    for bench in BENCHES:
        if bench.name not in chosen:
            if keep and bench.name in keep:
                lines += [keep[bench.name]]
            continue
        print(f"== {bench.name}", file=sys.stderr, flush=True)
        output, seconds, code = run(bench, quick)
        failed += code != 0
        args = " ".join(bench.quick if quick else bench.full)
        lines += [
            f"## {bench.name}",
            "",
            f"`python bench/{bench.name}.py {args}` — {seconds:.0f} s"
            + (f", **exit {code}**" if code else "")
            + f" (run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
            "",
            f"Target: {bench.targets}.",
            "",
            "```text",
            output,
            "```",
            "",
        ]
    return "\n".join(lines), failed


def main(argv: list[str]) -> int:
    """Run the selected scripts and write the file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--only", action="append", choices=[b.name for b in BENCHES])
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    chosen = [b for b in BENCHES if not args.only or b.name in args.only]
    keep = None
    if args.only and args.out.exists():  # the other scripts' sections stay as they were
        keep = kept_sections(args.out.read_text(encoding="utf-8"))
    text, failed = results(chosen, args.quick, keep)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({failed} failed)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
