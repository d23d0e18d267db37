"""Where each quote is in its source document: passages to highlight, anchor and link, for the site.

A quote is placed where it first occurs in its seed, found by the validator's own search
(``rules.seedsearch``: the same words, whitespace aside), and its passage spans exactly the quote's
characters in the seed as read. Every row of a table that has both ``source_id`` and ``quote``
columns is placed; a row whose quote cannot be found (a package that does not validate) is listed
as missing, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from ..model.package import Package
from ..rules.seedsearch import Seed, normalised


@dataclass(slots=True)  # a million of them at a million findings: no __dict__ each (#22)
class RowRef:
    table: str
    key: str
    study: str | None  # the study_id of the row, on whose page it is listed (None: the row's key names the page)
    quote: str
    anchor: str | None = None  # the passage on the source page

    @property
    def href(self) -> str:
        """The row on its study page, relative to a source page: made when a page links it, not held for each of a
        million rows (#22)."""
        return _href(self.table, self.key, self.study)


@dataclass
class Passage:
    anchor: str
    start: int
    end: int
    rows: list[RowRef] = field(default_factory=list)


@dataclass
class Passages:
    source_id: str
    text: str
    passages: list[Passage]
    rows: list[RowRef]  # every row quoting the document, placed or missing: each passage's rows are among them
    missing: list[RowRef]

    @cached_property
    def links(self) -> list[str]:
        """The link to each of rows on its study page (row_links), in the order of rows: written once for the text's
        passages and the page's table of rows both (twice, they took 1.5 s of a million-row site, #22)."""
        return row_links(self.rows)

    def html(self) -> Markup:
        """The full text, each passage highlighted with an anchor at its start and links to its rows at its end.

        Passages may overlap or nest (two quotes may start at the same place, or one may hold another),
        so the text is cut wherever a passage starts or ends, and each piece is one flat ``<mark>``
        whose classes name every passage it belongs to (``in-passage-3``). All anchors and pieces
        are siblings, each anchor before the pieces of its passage, so that ``css`` can highlight
        exactly one passage's pieces when its anchor is the target, without a script.
        """
        starts: dict[int, list[int]] = {}
        ends: dict[int, list[int]] = {}
        for n, p in enumerate(self.passages):
            starts.setdefault(p.start, []).append(n)
            ends.setdefault(p.end, []).append(n)
        cuts = sorted({0, len(self.text)} | starts.keys() | ends.keys())
        link = dict(zip(map(id, self.rows), self.links, strict=True))  # each row's link (a passage's rows are among rows)
        out: list[str] = []
        open_: set[int] = set()  # the passages a piece lies in: started at or before it, ending after it
        for a, b in zip(cuts, cuts[1:], strict=False):
            open_.difference_update(ends.get(a, ()))
            for n in starts.get(a, ()):
                if self.passages[n].end > a:
                    open_.add(n)
                out.append(f'<span class="anchor" id="{self.passages[n].anchor}"></span>')
            segment = str(escape(self.text[a:b]))
            inside = [self.passages[n].anchor for n in sorted(open_)]
            out.append(f'<mark class="{" ".join(f"in-{anchor}" for anchor in inside)}">{segment}</mark>' if inside else segment)
            for p in (self.passages[n] for n in ends.get(b, ())):
                links = ", ".join(link[id(row)] for row in p.rows)
                out.append(f'<span class="rows"> [<a href="#{p.anchor}" class="passage-number">{escape(p.anchor)}</a> supports {links}]</span>')
        return Markup("".join(out))

    def css(self) -> Markup:
        """The page's own style rule: the pieces of the passage whose anchor is the URL's target are highlighted."""
        selectors = ",\n".join(f"#{p.anchor}:target ~ .in-{p.anchor}" for p in self.passages)
        return Markup(f"{selectors} {{ background: var(--target); text-decoration: underline 2px var(--target-line); }}\n" if selectors else "")


def row_links(rows: list[RowRef]) -> list[str]:
    """The link to each row on its study page, named by its table and key, written a column at a time (#22)."""
    from .columnhtml import joined, shown, texts

    return joined('<a href="', shown(texts([r.href for r in rows])), '">', shown(texts([r.table for r in rows])), ": ",
                  shown(texts([r.key for r in rows])), "</a>").to_pylist()


def _href(table: str, key: str, study_id: Any) -> str:
    study = study_id or key
    return f"../studies/{study}.html#{table}-{key}"


#: Rows of a table made into RowRefs at a time: its columns as Python values a batch at a time, not whole (#22).
BATCH = 50_000


def all_passages(pkg: Package, tables: dict[str, pd.DataFrame], read: Callable[[str], None] | None = None) -> dict[str, Passages]:
    """The passages of each source document, in the order of the sources table (tables: pkg's, typed), reading each
    table once: a row belongs to the document its source_id names. read, when given, is told each table's name once
    the columns read of it are taken, so that the caller may let go of it before its rows are made (the site, #22)."""
    sources = tables["sources"]
    seeds: dict[str, str] = {}
    for sid, seed in zip(sources["source_id"].tolist(), sources["seed_file"].tolist(), strict=True):
        seeds.setdefault(sid, seed)
    refs: dict[str, list[RowRef]] = {sid: [] for sid in sources["source_id"].tolist()}
    for table, resource in pkg.resources.items():
        pk = resource.primary_key
        if not {"source_id", "quote"} <= set(resource.field_names) or len(pk) != 1:
            continue
        frame = tables[table]
        codes, distinct = factorized(frame["quote"])
        quotes = [str(quote) for quote in distinct]  # one str per distinct quote, shared by the rows that quote it
        study_codes, study_ids = factorized(frame["study_id"]) if "study_id" in frame.columns else (None, [])  # the same
        del distinct
        sids, keys = frame["source_id"], frame[pk[0]]
        del frame
        if read is not None:  # the caller may let go of the table: only the columns read below are held (#22)
            read(table)
        for start in range(0, len(sids), BATCH):  # the columns a batch at a time: as Python values, never whole (#22)
            rows = slice(start, start + BATCH)
            some = sids.iloc[rows]
            studies: list[Any] = [None] * len(some) if study_codes is None else [
                None if code < 0 else study_ids[code] for code in study_codes[rows].tolist()]
            for sid, gone, key, study_id, code in zip(some.tolist(), some.isna().tolist(), keys.iloc[rows].tolist(), studies,
                                                      codes[rows].tolist(), strict=True):
                found = None if gone or code < 0 else refs.get(sid)  # no source, or no quote: no passage
                if found is not None:
                    key = str(key)
                    found.append(RowRef(table, key, study_id, quotes[code]))
        del sids, keys, codes, study_codes
    return {sid: place(sid, pkg.file(str(seeds[sid])).decode("utf-8"), rows) for sid, rows in refs.items()}


def factorized(series: pd.Series) -> tuple[Any, list[Any]]:
    """A column's distinct values (as tolist gives them), each once, and the index of each row's among them (-1:
    missing), as numpy integers: by Arrow's dictionary encoding, of pandas' own Arrow array where it holds one (pandas'
    factorize of a million quotes held three times the memory, the site's peak, #22); by pandas' where Arrow cannot
    hold the column (values of several types)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        array = pa.array(series.array, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        codes, distinct = pd.factorize(series)
        return codes, distinct.tolist()
    kind = array.type.value_type if pa.types.is_dictionary(array.type) else array.type  # a column of allowed values: its values
    chunks = [chunk.dictionary_decode() if pa.types.is_dictionary(chunk.type) else chunk
              for chunk in (array.chunks if isinstance(array, pa.ChunkedArray) else [array])]
    encoded = pc.dictionary_encode(pa.chunked_array(chunks, kind))  # the texts never copied
    dictionary = encoded.chunk(0).dictionary if encoded.num_chunks else pa.array([], kind)
    # Arrow gives every chunk the whole dictionary: unified only where one differs (unifying the 93 chunks of a million
    # quotes, all alike, took 2.8 s)
    if not all(chunk.dictionary.equals(dictionary) for chunk in encoded.chunks):
        encoded = encoded.unify_dictionaries()
        dictionary = encoded.chunk(0).dictionary
    codes = pc.fill_null(pa.chunked_array([chunk.indices for chunk in encoded.chunks], pa.int32()), -1)
    return codes.to_numpy(), dictionary.to_pylist()


def place(source_id: str, text: str, rows: list[RowRef]) -> Passages:
    """The rows' quotes placed in text, the seed of source_id, each where it first occurs; the rows are given their anchors."""
    distinct = list(dict.fromkeys(ref.quote for ref in rows))
    normal = dict(zip(distinct, normalised(distinct), strict=True))  # once per distinct quote (#22)
    quotes = list(dict.fromkeys(normal.values()))
    spans = {q: (-1, -1) if found is None else (found.start, found.end) for q, found in zip(quotes, Seed(text).find(quotes), strict=True)}
    ordered = sorted({s for s in spans.values() if s[0] >= 0})
    passages = [Passage(f"passage-{n}", start, end) for n, (start, end) in enumerate(ordered, start=1)]
    by_span = {(p.start, p.end): p for p in passages}
    missing = []
    for ref in rows:
        span = spans[normal[ref.quote]]
        if span[0] < 0:
            missing.append(ref)
            continue
        ref.anchor = by_span[span].anchor
        by_span[span].rows.append(ref)
    numbers = {p.anchor: n for n, p in enumerate(passages, start=1)}  # each anchor's number, as "passage-<n>" names it
    rows.sort(key=lambda r: (r.anchor is None, numbers[r.anchor] if r.anchor else 0, r.table, r.key))
    return Passages(source_id, text, passages, rows, missing)


__all__ = ["Passage", "Passages", "RowRef", "all_passages", "factorized", "place", "row_links"]
