"""What this installation is: its distribution name and its version, read without importing anything heavy."""

from __future__ import annotations

import json
import os

#: The name under which mmdata is published on the Python package index (the import name and the
#: command are ``mmdata``); pyproject.toml, the README and CITATION.cff use the same, as a test checks.
DISTRIBUTION = "mmdata-lenalidomide"
#: The folder of this module; the source tree's files are two folders up (the kernel follows a link to the package).
HERE = os.path.dirname(os.path.realpath(__file__))


def _bundled_version() -> str:
    """The version of this installation, read from its datapackage.json, the file the build takes it from.

    hatchling copies "version" of datapackage.json into the wheel's metadata (pyproject.toml), and the
    wheel ships that file as mmdata/_data/datapackage.json; an editable install reads the source
    tree's. Cheaper than importlib.metadata, which would cost ``import mmdata`` about 40 ms.
    """
    for candidate in (os.path.join(HERE, "_data", "datapackage.json"), os.path.join(HERE, os.pardir, os.pardir, "datapackage.json")):
        try:
            with open(candidate, "rb") as file:
                version = json.loads(file.read()).get("version")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(version, str) and version:
            return version
    return "0+unknown"


__version__ = _bundled_version()


def allowed_values(table: str, field: str) -> list[str]:
    """The values the Table Schema shipped with this installation allows for table.field (for the command line's
    help); empty when it cannot be read. Read only when asked, with the standard library."""
    for candidate in (os.path.join(HERE, "_data", "schemas"), os.path.join(HERE, os.pardir, os.pardir, "schemas")):
        try:
            with open(os.path.join(candidate, f"{table}.schema.json"), "rb") as file:
                schema = json.loads(file.read())
            found = next(f for f in schema["fields"] if f.get("name") == field)
            return [str(v) for v in found["constraints"]["enum"]]
        except (OSError, ValueError, KeyError, TypeError, StopIteration, AttributeError):
            continue
    return []
