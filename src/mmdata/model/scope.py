"""The scope record (#20): what question the dataset answers and how its sources were found, in datapackage.json.

Curated evidence databases publish, beside the data, what is in scope (population, intervention,
comparators, outcomes), which documents are and why, how sources were found and chosen, the date
of retrieval and who curated. mmdata keeps that record once, as ``mmdata:scope`` in
datapackage.json (a custom property the Data Package standard allows, so `frictionless validate`
still passes and every copy of the package, a release archive included, carries it), and
renders it from here: the README's first lines (`mmdata docs`), the site, Croissant.

Nothing in it is typed twice: the curators are the descriptor's ``contributors`` (with a
``path`` to an ORCID where one is given); the document kinds, endpoints and events in scope are
the allowed values of the schemas; a source's retrieval date is recorded only where it is known
(``retrieved``: source_id to YYYY-MM-DD), so a source it does not name has none recorded.
Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .schema import Resource

#: The descriptor's property that holds the record.
SCOPE = "mmdata:scope"
#: The texts the record must hold, in the order they are shown, with their headings.
TEXTS = {
    "question": "Question",
    "population": "Population",
    "intervention": "Intervention",
    "comparators": "Comparators",
    "outcomes": "Outcomes",
    "documents": "Documents in scope, and why",
    "search": "How sources were found",
    "selection": "How sources are chosen",
}
#: source_id to the date (YYYY-MM-DD) its document was retrieved, where known.
RETRIEVED = "retrieved"
#: The allowed values each text is followed by: (heading, table, field, what they are).
ALLOWED = {
    "comparators": [("studies", "comparator", "comparators recorded")],
    "outcomes": [("outcomes", "endpoint", "endpoints recorded"), ("adverse_events", "event", "events recorded")],
    "documents": [("sources", "document_type", "kinds of document")],
}


@dataclass(frozen=True)
class Curator:
    name: str
    role: str
    orcid: str | None  # the contributor's path, when it is an ORCID


@dataclass(frozen=True)
class Scope:
    texts: dict[str, str]  # TEXTS' keys to their texts
    retrieved: dict[str, str]  # source_id to date, where known
    curators: tuple[Curator, ...]


def scope_of(descriptor: Mapping[str, Any]) -> Scope | None:
    """The scope record of a descriptor, read leniently (validation reports what is wrong: rules/scope.py); None when it has none."""
    record = descriptor.get(SCOPE)
    if not isinstance(record, dict):
        return None
    texts = {key: record[key] for key in TEXTS if isinstance(record.get(key), str)}
    retrieved = record.get(RETRIEVED)
    dates = {str(k): v for k, v in retrieved.items() if isinstance(v, str)} if isinstance(retrieved, dict) else {}
    return Scope(texts, dates, curators(descriptor))


def curators(descriptor: Mapping[str, Any]) -> tuple[Curator, ...]:
    """The descriptor's contributors, as the scope record shows them."""
    found = []
    for c in descriptor.get("contributors", []) if isinstance(descriptor.get("contributors"), list) else []:
        if isinstance(c, dict) and isinstance(c.get("title"), str):
            path = c.get("path")
            orcid = path if isinstance(path, str) and path.startswith("https://orcid.org/") else None
            found.append(Curator(c["title"], str(c.get("role", "")), orcid))
    return tuple(found)


def scope_items(scope: Scope, resources: Mapping[str, Resource], source_ids: Iterable[str]) -> list[tuple[str, str, list[str]]]:
    """The record as shown (README, site): (heading, text, values) per item, values being the allowed values that
    follow a text (the schemas'), the sources with a retrieval date, or the curators."""
    items = []
    for key, heading in TEXTS.items():
        values = []
        for table, field, what in ALLOWED.get(key, []):
            found = resources[table].field(field) if table in resources else None
            if found is not None and found.enum is not None:
                values.append(f"{what} ({table}.{field}): " + ", ".join(map(str, found.enum)))
        items.append((heading, scope.texts.get(key, ""), values))
    ids = list(source_ids)
    dated = [f"{sid}: {scope.retrieved[sid]}" for sid in ids if sid in scope.retrieved]
    unknown = [sid for sid in ids if sid not in scope.retrieved]
    text = ("Recorded only where known:" if dated else "") + (
        f" Not recorded for {'any of the ' + str(len(ids)) + ' sources' if not dated else ', '.join(unknown)}." if unknown else "")
    items.append(("Retrieval dates", text.strip(), dated))
    items.append(("Curators", "The contributors of datapackage.json:",
                  [c.name + (f" ({c.role})" if c.role else "") + (f", ORCID {c.orcid}" if c.orcid else "") for c in scope.curators]))
    return items


__all__ = ["ALLOWED", "scope_items", "RETRIEVED", "SCOPE", "TEXTS", "Curator", "Scope", "curators", "scope_of"]
