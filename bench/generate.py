"""Time and peak memory of the scenario generator at 1k, 10k and 100k items.

Each size runs in a fresh subprocess so peak RSS (``resource.getrusage``) is that size's
own. Usage: ``python bench/generate.py [SIZE ...]``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


def measure(size: int) -> dict[str, float]:
    """Generate one world in this process; report its figures."""
    from integrations.sandbox.generator.organisation import generate

    start = time.perf_counter()
    world = generate("default", seed=7, size=size, now=NOW)
    seconds = time.perf_counter() - start
    pulls = sum(len(r.pulls) for r in world.github.repos.values())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"size": size, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_kib / 1024, 1),
            "items": len(world.jira.issues), "pulls": pulls, "teams": len(world.teams),
            "releases": sum(len(r.releases) for r in world.github.repos.values())}


def main(argv: list[str]) -> None:
    """Run each size in a child process and print a table."""
    if argv[:1] == ["--one"]:
        print(json.dumps(measure(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or [1_000, 10_000, 100_000]
    print(f"{'size':>8} {'seconds':>8} {'peak MB':>8} {'items':>8} {'PRs':>7} {'teams':>6}")
    for size in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], check=True,
                             capture_output=True, text=True).stdout
        r = json.loads(out)
        print(f"{r['size']:>8} {r['seconds']:>8} {r['peak_rss_mb']:>8} {r['items']:>8} "
              f"{r['pulls']:>7} {r['teams']:>6}")


if __name__ == "__main__":
    main(sys.argv[1:])
