"""The ``crosswalk`` console script: run the command, then leave without tearing Python down.

Once a command has written its output, what the interpreter does next (clearing every module
and freeing its objects one by one) changes nothing outside the process, yet it takes about
70 ms of a ``crosswalk report`` — SQLAlchemy, pydantic and the settings models are tens of
thousands of objects — a sixth of the command. So the script runs the exit handlers itself
(logging's flush, temporary files, anything registered with ``atexit``), flushes both streams
and ends with ``os._exit``, the way Instagram ended its workers ("Dismissing Python Garbage
Collection at Instagram"). While a thread that is not a daemon still runs, it exits the usual
way instead, which waits for that thread.

``bot.cli.main.main`` stays the click group that tests and ``python -c`` call in-process.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

# What Python exits with when it cannot flush stdout at exit (a closed pipe, a full disk).
FLUSH_FAILED = 120


def run() -> NoReturn:
    """Run ``crosswalk`` with ``sys.argv`` and exit with its status."""
    from bot.cli.main import main

    try:
        main()  # click's standalone mode ends in SystemExit, even on success
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    leave(code)


def leave(code: object) -> NoReturn:
    """Exit with ``code`` as ``sys.exit`` would, skipping the interpreter's teardown."""
    status = _status(code)
    if _other_threads_running():
        sys.exit(status)
    atexit._run_exitfuncs()  # the registered handlers, as a normal exit runs them
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            if stream is sys.stdout and status == 0:
                status = FLUSH_FAILED
    os._exit(status)


def _status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # sys.exit("message"): the message, then status 1
    return 1


def _other_threads_running() -> bool:
    main_thread = threading.main_thread()
    return any(t is not main_thread and not t.daemon and t.is_alive()
               for t in threading.enumerate())
