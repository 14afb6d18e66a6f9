"""``crosswalk sandbox``: run the loopback Jira, GitHub and Slack servers until stopped.

Prints the ``export`` lines that point the bot at the servers, writes a ready config for
the scenario's teams and waits for Ctrl-C or SIGTERM, then stops the servers and exits 0.
"""

from __future__ import annotations

import shlex
import signal
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import click

from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.generator.scenarios import SCENARIOS
from integrations.sandbox.runner import Sandbox


@click.command("sandbox")
@click.option("--scenario", type=click.Choice(SCENARIOS), default="demo", show_default=True,
              help="Which organisation to generate.")
@click.option("--size", type=click.IntRange(min=1), default=None,
              help="Number of Jira items (default: the scenario's own).")
@click.option("--seed", type=int, default=7, show_default=True, help="Generator seed.")
@click.option("--config-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the config (default: a new temporary directory).")
def sandbox(scenario: str, size: int | None, seed: int, config_out: Path | None) -> None:
    """Run the loopback Jira/GitHub/Slack sandbox and print the env that points the bot at it."""
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        # The CLI is the edge where wall-clock time enters; the world is built "as of now".
        world = generate(scenario, seed=seed, size=size, now=datetime.now(UTC))
        path = config_out or Path(tempfile.mkdtemp(prefix="crosswalk-sandbox-")) / "crosswalk.yaml"
        with Sandbox(world) as box:
            written = box.write_config(path)
            for name, value in {**box.env(), "CROSSWALK_CONFIG": str(written)}.items():
                click.echo(f"export {name}={shlex.quote(value)}")
            click.echo(f"# config written to {written}")
            click.echo(f"# {box.summary()}")
            click.echo("# sandbox running; Ctrl-C to stop", nl=True)
            while not stop.wait(0.2):
                pass
        click.echo("# sandbox stopped", err=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
