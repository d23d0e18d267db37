"""Whether pyarrow is installed: the fast paths take it (frames.py's CSV reader, rules/numbers.py's scan for
number words), and each gives the same result without it, only slower."""

from __future__ import annotations

import importlib.util


def arrow_available() -> bool:
    return importlib.util.find_spec("pyarrow") is not None
