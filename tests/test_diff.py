"""Schema changes: which ones break users' code (and so need a new major version)."""

from __future__ import annotations

import pytest

from mmdata.diff import schema_changes

BASE = {"fields": [
    {"name": "id", "type": "string", "constraints": {"required": True}},
    {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}},
    {"name": "n", "type": "integer", "constraints": {"minimum": 0, "maximum": 10}},
], "primaryKey": ["id"]}


def changed(**edits: dict) -> dict:
    fields = [dict(f, constraints=dict(f.get("constraints", {}))) for f in BASE["fields"]]
    for name, patch in edits.items():
        field = next(f for f in fields if f["name"] == name)
        field["constraints"].update(patch.pop("constraints", {}))
        field.update(patch)
    return {"fields": fields, "primaryKey": ["id"]}


@pytest.mark.parametrize(("new", "expected"), [
    (changed(n={"type": "number"}), [("n", "type integer -> number", True)]),
    (changed(kind={"constraints": {"enum": ["a"]}}), [("kind", "allowed values removed: b", True)]),
    (changed(kind={"constraints": {"enum": ["a", "b", "c"]}}), [("kind", "allowed values added: c", False)]),
    (changed(n={"constraints": {"minimum": 1}}), [("n", "minimum 0 -> 1", True)]),
    (changed(n={"constraints": {"maximum": 20}}), [("n", "maximum 10 -> 20", False)]),
    (changed(kind={"constraints": {"required": True}}), [("kind", "required added", True)]),
    ({"fields": BASE["fields"][:2], "primaryKey": ["id"]}, [("n", "removed (or renamed)", True)]),
    ({"fields": [*BASE["fields"], {"name": "note", "type": "string"}], "primaryKey": ["id"]}, [("note", "added", False)]),
])
def test_schema_changes(new: dict, expected: list[tuple[str, str, bool]]) -> None:
    assert [(c.field, c.change, c.breaking) for c in schema_changes("t", BASE, new)] == expected
