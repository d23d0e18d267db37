"""`mmdata diff`: rows added, removed and changed per table, keyed by primary key, and schema changes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .snapshot import Snapshot


@dataclass(frozen=True)
class SchemaChange:
    table: str
    field: str | None  # None for a table-level change (primary key, the table itself)
    change: str  # words: "removed", "type integer -> number", "enum lost: a, b", ...
    breaking: bool  # removes, renames, retypes or narrows: needs a new major version


@dataclass
class TableDiff:
    table: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # key -> column -> (old, new)
    schema: list[SchemaChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.schema)


def diff_snapshots(old: Snapshot, new: Snapshot) -> list[TableDiff]:
    """Compare two packages table by table (tables in the order of the new descriptor)."""
    old_res, new_res = old.resources(), new.resources()
    names = list(new_res) + [n for n in old_res if n not in new_res]
    result = []
    for name in names:
        diff = TableDiff(name)
        if name not in old_res or name not in new_res:
            diff.schema.append(SchemaChange(name, None, "table added" if name not in old_res else "table removed", name not in new_res))
            result.append(diff)
            continue
        old_schema, new_schema = old.schema(name), new.schema(name)
        diff.schema = schema_changes(name, old_schema, new_schema)
        before, after = _rows(old, name, old_schema), _rows(new, name, new_schema)
        diff.added = sorted(set(after) - set(before))
        diff.removed = sorted(set(before) - set(after))
        for key in sorted(set(before) & set(after)):
            cells = {c: (before[key][c], after[key][c]) for c in after[key] if c in before[key] and before[key][c] != after[key][c]}
            if cells:
                diff.changed[key] = cells
        result.append(diff)
    return result


def _rows(snap: Snapshot, name: str, schema: dict[str, Any]) -> dict[str, dict[str, str]]:
    parsed = snap.table(name)
    pk = schema.get("primaryKey", [])
    pk = [pk] if isinstance(pk, str) else list(pk)
    idx = [parsed.header.index(k) for k in pk if k in parsed.header] or [0]
    return {"+".join(r[i] for i in idx): dict(zip(parsed.header, r, strict=True)) for r in parsed.records}


def schema_changes(table: str, old: dict[str, Any], new: dict[str, Any]) -> list[SchemaChange]:
    """What changed between two Table Schemas, each change marked breaking or not."""
    changes = []
    old_fields = {f["name"]: f for f in old.get("fields", [])}
    new_fields = {f["name"]: f for f in new.get("fields", [])}
    for name in old_fields:
        if name not in new_fields:
            changes.append(SchemaChange(table, name, "removed (or renamed)", True))
    for name, f in new_fields.items():
        if name not in old_fields:
            required = f.get("constraints", {}).get("required", False)
            changes.append(SchemaChange(table, name, "added" + (" as required" if required else ""), False))
            continue
        changes += _field_changes(table, name, old_fields[name], f)
    if old.get("primaryKey") != new.get("primaryKey"):
        changes.append(SchemaChange(table, None, f"primary key {old.get('primaryKey')} -> {new.get('primaryKey')}", True))
    return changes


def _field_changes(table: str, name: str, old: dict[str, Any], new: dict[str, Any]) -> list[SchemaChange]:
    out = []
    if old.get("type", "string") != new.get("type", "string"):
        out.append(SchemaChange(table, name, f"type {old.get('type', 'string')} -> {new.get('type', 'string')}", True))
    a, b = old.get("constraints", {}), new.get("constraints", {})
    for flag in ("required", "unique"):
        if bool(a.get(flag)) != bool(b.get(flag)):
            out.append(SchemaChange(table, name, f"{flag} {'added' if b.get(flag) else 'dropped'}", bool(b.get(flag))))
    if "enum" in a or "enum" in b:
        lost = [v for v in a.get("enum", []) if "enum" in b and v not in b["enum"]]
        gained = [v for v in b.get("enum", []) if v not in a.get("enum", [])]
        if "enum" not in a:
            out.append(SchemaChange(table, name, "enum added", True))
        elif lost:
            out.append(SchemaChange(table, name, f"allowed values removed: {', '.join(map(str, lost))}", True))
        if "enum" in a and gained:
            out.append(SchemaChange(table, name, f"allowed values added: {', '.join(map(str, gained))}", False))
    for key, narrower in (("minimum", lambda x, y: y > x), ("minLength", lambda x, y: y > x),
                          ("maximum", lambda x, y: y < x), ("maxLength", lambda x, y: y < x)):
        if a.get(key) != b.get(key):
            breaking = key not in a or (key in b and narrower(a[key], b[key]))
            out.append(SchemaChange(table, name, f"{key} {a.get(key, 'none')} -> {b.get(key, 'none')}", breaking))
    if a.get("pattern") != b.get("pattern"):
        out.append(SchemaChange(table, name, f"pattern {a.get('pattern', 'none')} -> {b.get('pattern', 'none')}", "pattern" in b))
    return out


def render_text(diffs: list[TableDiff]) -> list[str]:
    lines = []
    for d in diffs:
        if d.empty:
            lines.append(f"{d.table}: no change")
            continue
        lines.append(f"{d.table}: {len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed")
        lines += [f"  + {key}" for key in d.added]
        lines += [f"  - {key}" for key in d.removed]
        for key, cells in d.changed.items():
            lines += [f"  ~ {key}: {column}: {old!r} -> {new!r}" for column, (old, new) in cells.items()]
        for c in d.schema:
            where = f"field {c.field} " if c.field else ""
            lines.append(f"  schema: {where}{c.change}{' (breaking)' if c.breaking else ''}")
    return lines


def as_dict(diffs: list[TableDiff]) -> dict[str, Any]:
    return {d.table: {"added": d.added, "removed": d.removed,
                      "changed": {k: {c: list(v) for c, v in cells.items()} for k, cells in d.changed.items()},
                      "schema": [asdict(c) for c in d.schema]} for d in diffs}
