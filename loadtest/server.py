"""The load test's server: the admin center on gunicorn, production settings on 127.0.0.1 (a free port), over a
given database, with its own static files; stopped whatever happens."""

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT = 60
# The pages the bulk form leads to need the hashed static files; the Django admin's, the browsable API's and
# Swagger UI's are never rendered by the clients.
STATIC_IGNORE = ("admin", "rest_framework", "drf_spectacular_sidecar")


def free_port() -> int:
    """A port that is free now (gunicorn cannot bind port 0 and say which it got)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str, static_root: Path) -> dict[str, str]:
    """Production settings on loopback: DEBUG off, a throwaway secret, the hashed static files of `static_root`."""
    environment = {name: value for name, value in os.environ.items() if name not in ("DEBUG", "LOG_LEVEL")}
    environment.update(
        DATABASE_URL=database_url,
        SECRET_KEY=f"stress-{random.SystemRandom().getrandbits(128):x}",
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(static_root),
        LOG_LEVEL="WARNING",
    )
    return environment


def collect_static(environment: dict[str, str]) -> None:
    ignore = [argument for pattern in STATIC_IGNORE for argument in ("--ignore", pattern)]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0", *ignore],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=120,
    )


@contextmanager
def gunicorn(database_url: str, *, workers: int = 3, threads: int = 4) -> Iterator[str]:
    """Serve the admin center with gunicorn on 127.0.0.1 (a free port) over `database_url`; yields the base URL.

    The server is stopped (SIGTERM, then SIGKILL) on the way out, whatever happened. Its log is kept in a
    temporary directory and appended to the error when it fails to start."""
    with tempfile.TemporaryDirectory(prefix="officeseries-stress-") as directory:
        environment = server_environment(database_url, Path(directory) / "static")
        collect_static(environment)
        port = free_port()
        log_path = Path(directory) / "gunicorn.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "officeseries.wsgi",
                    f"--bind=127.0.0.1:{port}",
                    f"--workers={workers}",
                    f"--threads={threads}",
                    "--worker-class=gthread",
                    "--timeout=120",
                    "--graceful-timeout=10",
                ],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(process, base_url, log_path)
            yield base_url
        finally:
            _stop(process)


def _wait_until_serving(process: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{base_url}/api/v1/", timeout=5)
        except urllib.error.HTTPError:
            return  # it answers (401: no token)
        except OSError:
            time.sleep(0.2)
            continue
        return
    raise RuntimeError(f"gunicorn did not answer within {SERVER_START_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
