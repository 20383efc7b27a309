"""Helpers shared by CLI commands: errors with exit code 2, output formats, progress.

Like every module of `vigil.cli`, this one imports only Typer, Rich and the standard
library at the top: `vigil --help` must not load numpy, SQLAlchemy or pySigma. Commands
import what they need inside their function body.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

err_console = Console(stderr=True, soft_wrap=True)  # never break paths or messages


# The names in vigil.detection.registry.DETECTORS, for option defaults and help texts
# without importing the detectors (numpy, numba); a unit test keeps the two in step.
DEFAULT_DETECTOR = "vigil"
DETECTOR_NAMES = ("vigil", "vigilevents", "novelty", "zscore")
# ... and the ablations of vigil.evaluation.variants, which only the benchmarks accept
BENCH_NAMES = (*DETECTOR_NAMES, "vigilnotod", "vigilnojump", "vigilnorarity", "vigilnoops",
               "vigilnoagree", "vigilnores", "vigilnooutage", "vigilnoshift",
               "vigilnostuck", "vigilsqrtcounts", "vigillogcounts")


class OutputFormat(str, Enum):
    """Output formats common to data-producing commands."""

    TABLE = "table"
    JSON = "json"


def fail_usage(message: str) -> NoReturn:
    """Print a clear error on stderr and exit with code 2 (usage or input error)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code=2)


def show_progress() -> bool:
    """True when stderr is a terminal, so progress bars are shown; quiet when piped."""
    return sys.stderr.isatty()


PIPE_WIDTH = 160
"""Table width when stdout is not a terminal (override with COLUMNS)."""


def table_console() -> Console:
    """The console tables print to: the terminal's width, or a wide page in a pipe."""
    if sys.stdout.isatty():
        return Console()
    try:
        width = int(os.environ.get("COLUMNS", "") or PIPE_WIDTH)
    except ValueError:
        width = PIPE_WIDTH
    return Console(width=max(width, 40), no_color=True)


def print_table(table: Table) -> None:
    """Print a table without ever cutting a cell: what does not fit wraps onto more lines.

    Rich shortens a cell that does not fit its column with "…"; a phone number or an id
    cut that way is useless, so every column folds instead (terminal or pipe alike).
    """
    for column in table.columns:
        column.overflow = "fold"
        column.no_wrap = False
    table_console().print(table)
