"""The shared base of the operator commands: who acts, how errors end a command, and progress on a terminal.

Exit codes: 0 done; 1 a domain or validation error, printed on stderr as `error [code]: message`, or a check that
found something to repair (CheckFailed); 2 bad usage.
"""

import getpass
import os
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from core.choices import Source

from .audit import Actor
from .errors import DomainError, NotFound

EXIT_ERROR = 1
EXIT_USAGE = 2


class CheckFailed(Exception):
    """A check found something to repair (like `makemigrations --check`), so that a scheduled run alerts: the
    message goes to stderr and the command exits 1."""


def usage_error(message: str) -> CommandError:
    """A mistake in how the command was called: exit code 2."""
    return CommandError(message, returncode=EXIT_USAGE)


def operator_name() -> str:
    """The operating-system user running the command, named in the audit log when no --as is given."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry, e.g. in some containers
        return "unknown operator"


class ProgressBar:
    """A one-line progress bar redrawn in place on a terminal; writes nothing when the stream is not one,
    so piped or logged output stays plain and parseable."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper, total: int, label: str) -> None:
        self.stream = stream
        self.total = max(total, 0)
        self.label = label
        self.done = 0
        self.enabled = stream.isatty()
        self._shown = -1

    def __enter__(self) -> "ProgressBar":
        self._draw()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self.enabled:
            self.stream.write("\n", ending="")

    def advance(self, count: int = 1) -> None:
        self.done = min(self.done + count, self.total)
        self._draw()

    def _draw(self) -> None:
        percent = 100 * self.done // self.total if self.total else 100
        if not self.enabled or percent == self._shown:
            return
        self._shown = percent
        filled = self.WIDTH * percent // 100
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {percent:3d}% {self.done}/{self.total}", ending="")
        self.stream.flush()


class AdminCommand(BaseCommand):
    """Base of the operator commands: adds --as, resolves the actor and maps errors to exit codes.

    With `--as EMAIL` the command acts as that admin, and the services enforce their role. Without it the
    operator acts (actor None, every permission) and the audit log names their operating-system user.
    Subclasses pass `self.actor` to the services.
    """

    # Operator commands run often in scripts; `manage.py check` is the place for the system checks.
    requires_system_checks: list[str] = []

    actor: Actor

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="Act as this admin: their role decides what is allowed and the audit log names them.",
        )
        return parser

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            self.actor = self._actor(options.get("as_email"))
            return super().execute(*args, **options)
        except DomainError as error:
            self._stderr_of(options).write(f"error [{error.code}]: {error.message}")
            raise SystemExit(EXIT_ERROR) from error
        except CheckFailed as failure:
            self._stderr_of(options).write(str(failure))
            raise SystemExit(EXIT_ERROR) from failure
        except CommandError as error:
            self._stderr_of(options).write(f"usage error: {error}")
            raise SystemExit(EXIT_USAGE) from error
        except BrokenPipeError:
            # The reader went away (`... | head`): stop quietly, and keep Python from complaining at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(EXIT_ERROR) from None

    def _stderr_of(self, options: dict[str, Any]) -> OutputWrapper:
        return OutputWrapper(options["stderr"]) if options.get("stderr") else self.stderr

    @staticmethod
    def _actor(email: str | None) -> Actor:
        if not email:
            return Actor(None, Source.CLI, label=operator_name())
        users = get_user_model().objects
        user = users.filter(email=users.normalize_email(email)).first()
        if user is None:
            raise NotFound(f"No user with email {email} to act as.", email=email)
        return Actor(user, Source.CLI)

    def progress(self, total: int, label: str) -> ProgressBar:
        return ProgressBar(self.stderr, total, label)

    @staticmethod
    def input_file(path: str) -> Path:
        if not Path(path).is_file():
            raise usage_error(f"{path}: no such file.")
        return Path(path)
