"""Ways to print problems: plain lines, JSON, and GitHub workflow annotations."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import MmdataError, Problem
from ..io.files import read_file
from ..terminal import count, printable

if TYPE_CHECKING:
    from ..model.package import Report


def as_json(problems: list[Problem]) -> str:
    return json.dumps([p.to_dict() for p in problems], indent=2, ensure_ascii=False, allow_nan=False)


def as_github(problems: list[Problem], root: str | Path) -> list[str]:
    """`::error file=…,line=…,col=…,title=…::message` lines, so errors show on the pull request's lines.

    The column number is the field's position in the file's header; file paths are relative to
    the repository root when the package is the repository.
    """
    root = Path(root)
    headers: dict[str, list[str]] = {}
    lines = []
    for p in problems:
        props = [f"file={_property(_repo_path(root, p.path))}"]
        if p.row is not None:
            props.append(f"line={p.row}")
            if p.column is not None:
                if p.path not in headers:
                    headers[p.path] = _header(root, p.path)
                if p.column in headers[p.path]:
                    props.append(f"col={headers[p.path].index(p.column) + 1}")
        props.append(f"title={_property(p.code)}")
        where = f"{p.column}: " if p.column is not None else ""
        lines.append(f"::error {','.join(props)}::{_data(where + p.message)}")
    return lines


def _repo_path(root: Path, path: str) -> str:
    prefix = root.as_posix().rstrip("/")
    return path if prefix in ("", ".") else f"{prefix}/{path}"


def _header(root: Path, rel: str) -> list[str]:
    try:
        content = read_file(root, rel)  # a regular file of the package, through no link (#13)
        return next(csv.reader(io.StringIO((content or b"").decode("utf-8-sig"), newline="")), [])
    except (MmdataError, UnicodeDecodeError, csv.Error):
        return []


def _data(text: str) -> str:
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def summary(report: Report) -> str:
    """The one-line summary of a validation: "valid: 5 tables, 70 rows, 5 seeds checked" or "invalid: ..."."""
    checked = f"{count(report.tables, 'table')}, {count(report.rows, 'row')}, {count(report.seeds, 'seed')}"
    if report.valid:
        return f"valid: {checked} checked"
    return f"invalid: {count(len(report.problems), 'problem')} ({checked} checked)"
