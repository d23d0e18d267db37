"""Work on a small file's bytes, done once per process: the same bytes read by the same schema give the same result.

A process often checks the same table twice: add-row and add-source validate the package before and
after the change (every table but one the same), a program that uses the library may validate a
package again after a change, and the tests validate hundreds of copies of one package with one
cell changed. The key is everything the result depends on: the file's bytes
themselves (compared whole, not by a digest), the table's schema as read (model.schema.Resource,
compared field by field) and whether the Arrow reader is installed. Only files up to MEMO_BYTES are
kept, and only the last MEMO_ENTRIES results, so that a large package pins no memory; its tables
are worked on each time, as before.

The results are shared: a caller gets frames that pandas copies on write (so nothing it changes
reaches the next caller) and arrays that cannot be written (see frozen).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

#: Files larger than this are never kept (the shipped tables are some 50 kB).
MEMO_BYTES = 1 << 20
#: Results kept per kind of work: a few packages of five tables.
MEMO_ENTRIES = 32

T = TypeVar("T")


class Memo:
    """A bounded map from (bytes, key) to the result of one kind of work on them."""

    def __init__(self, entries: int = MEMO_ENTRIES, largest: int = MEMO_BYTES) -> None:
        self.entries, self.largest = entries, largest
        self.kept: OrderedDict[tuple[bytes, Hashable], Any] = OrderedDict()
        self.made = 0  # how many results were worked out, not taken from memory (the tests read it)

    def get(self, content: bytes, key: Hashable, make: Callable[[], T]) -> T:
        """make(), or the result it gave for the same content and key; not kept when content is larger than largest."""
        if len(content) > self.largest:
            self.made += 1
            return make()
        whole = (content, key)
        if whole in self.kept:
            self.kept.move_to_end(whole)
            return self.kept[whole]  # type: ignore[no-any-return]
        self.made += 1
        result = make()
        self.kept[whole] = result
        if len(self.kept) > self.entries:
            self.kept.popitem(last=False)
        return result

    def clear(self) -> None:
        self.kept.clear()


def frozen(array: Any) -> Any:
    """A numpy array made read-only, so that a result shared by memo cannot be changed in place."""
    array.flags.writeable = False
    return array
