"""Boot failures under uvicorn's supervisor: each problem printed once, and a non-zero exit.

``uvicorn --workers N`` boots the app once per worker process, so a bad setting would be
printed N times, and when a worker cannot start the supervisor stops every worker but
exits 0, so a platform sees a clean exit rather than a crash. Workers therefore elect one
reporter (the first to create a marker directory named after the supervisor), and the
supervisor, when it loaded our log config (the Procfile line and ``dazzle serve
--production`` do), finds the marker as it exits and exits with uvicorn's start-up failure
code instead.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
from pathlib import Path

STARTUP_FAILURE = 3  # uvicorn's exit code for "this worker cannot start"
SUPERVISOR_ENV = "DAZZLE_SUPERVISOR_PID"


def _started(pid: int) -> str:
    """The process's start time (in clock ticks since boot), so a marker left by a killed
    supervisor never matches a later process that got the same pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "0"
    return stat.rsplit(")", 1)[-1].split()[19]


def _marker(pid: int) -> Path:
    return Path(tempfile.gettempdir()) / f"dazzle-boot-failed-{pid}-{_started(pid)}"


def _in_worker() -> bool:
    return multiprocessing.parent_process() is not None


def watch_workers() -> logging.Filter:
    """Run in the process that loads the log config: when that is uvicorn's supervisor, it
    will exit non-zero if a worker reports a boot failure. (A logging filter factory, so a
    ``--log-config`` file can name it; the filter itself lets every record through.)"""
    if not _in_worker() and not os.environ.get(SUPERVISOR_ENV):
        os.environ[SUPERVISOR_ENV] = str(os.getpid())  # inherited by the workers
        shutil.rmtree(_marker(os.getpid()), ignore_errors=True)
        atexit.register(_exit_if_a_worker_failed)
    return logging.Filter()


def _exit_if_a_worker_failed() -> None:
    marker = _marker(os.getpid())
    if marker.exists():
        shutil.rmtree(marker, ignore_errors=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(STARTUP_FAILURE)


def first_to_report() -> bool:
    """True in the one process that should print the boot problems: a single process
    always; among a supervisor's workers, the first to fail."""
    if not _in_worker():
        return True
    supervisor = int(os.environ.get(SUPERVISOR_ENV) or os.getppid())
    try:
        os.mkdir(_marker(supervisor))
    except FileExistsError:
        return False
    except OSError:
        return True  # no shared temp directory: better twice than never
    return True
