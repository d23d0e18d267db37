"""The mmdata command line: thin wrappers over the library.

Only this module imports click, and it imports nothing from pandas, pandera or frictionless
at start-up, so that ``mmdata --help`` and ``mmdata --version`` answer at once.
"""

from __future__ import annotations

import json
import sys

import click

from .errors import MmdataError

FORMATS = ("text", "json")


class Unreadable(click.ClickException):
    """The package cannot be read at all: ``Error: ...`` on stderr and exit status 2."""

    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mmdata", prog_name="mmdata")
def cli() -> None:
    """Validate and release the mmdata data package.

    Example:

        mmdata validate
    """


@cli.command()
@click.argument("package_dir", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: one problem a line on stderr, a summary on stdout; json: the list of problems on stdout.")
def validate(package_dir: str, fmt: str) -> None:
    """Check the package in PACKAGE_DIR (default: here) and report every problem.

    Layers, in order: the descriptor and its schemas; every cell against its Table Schema;
    primary and foreign keys; cross-field rules; quotes and numbers against the seeds.
    Exit 0 when valid, 1 when invalid, 2 when the package cannot be read.

    Example:

        mmdata validate --format json path/to/package
    """
    from .validation import validate_package

    try:
        report = validate_package(package_dir)
    except MmdataError as exc:
        raise Unreadable(str(exc)) from None
    except Exception as exc:  # a bug in mmdata: say so plainly instead of showing a traceback
        raise Unreadable(f"mmdata failed unexpectedly ({type(exc).__name__}: {exc}); please report this") from None
    if fmt == "json":
        click.echo(json.dumps([p.to_dict() for p in report.problems], indent=2, ensure_ascii=False))
    else:
        for problem in report.problems:
            click.echo(problem.to_line(), err=True)
        checked = f"{_count(report.tables, 'table')}, {_count(report.rows, 'row')}, {_count(report.seeds, 'seed')}"
        if report.valid:
            click.echo(f"valid: {checked} checked")
        else:
            click.echo(f"invalid: {_count(len(report.problems), 'problem')} ({checked} checked)")
    sys.exit(0 if report.valid else 1)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
