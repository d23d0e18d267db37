"""The change feed (#20): an Atom feed (RFC 4287) of what changed in each release, from `mmdata diff`.

One entry per release tag vX.Y.Z of the package's git repository, oldest first in the repository
and newest first in the feed: the rows added, removed and changed per table and the schema
changes against the release before it (edit/diff.py, the rows `mmdata diff` reports), the
smallest version bump they needed, and a link to the page of each finding added or changed (a
removed finding has no page). The first release lists its rows per table. A package outside a git
repository, or one with no release tag yet, has a feed with no entry. Dates are the tags' own, so
the same tags give the same bytes. Written by `mmdata site` as ``feed.xml``.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ..edit.diff import diff_packages, required_bump, table_rows
from ..io.snapshot import git_snapshot, release_tags
from ..model.package import Package, dataset_authors, open_package

FILE = "feed.xml"
ATOM = "http://www.w3.org/2005/Atom"
#: The namespace of the feed's and entries' ids (UUID 5), so that an entry keeps its id from build to build.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://mmdata.invalid/feed")
EPOCH = "1970-01-01T00:00:00Z"


def feed_xml(pkg: Package, repo: Path, base_url: str = "") -> bytes:
    """The Atom feed of the releases of the package whose repository is repo; links relative to the site's root, or
    absolute under base_url."""
    tags = release_tags(repo)
    entries, previous = [], None
    for tag, date in tags:
        released = open_package(git_snapshot(tag, repo))
        entries.append(_entry(tag, date, released, previous, base_url))
        previous = released
    title = pkg.title
    updated = tags[-1][1] if tags else EPOCH
    head = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM}">',
        f"  <id>urn:uuid:{uuid.uuid5(NAMESPACE, str(pkg.descriptor.get('name', 'mmdata')))}</id>",
        f"  <title>{escape(title)}: changes per release</title>",
        f"  <updated>{updated}</updated>",
        *[f"  <author><name>{escape(author)}</name></author>" for author in dataset_authors(pkg.descriptor)][:1],
        f"  <link rel=\"self\" href={quoteattr(base_url + FILE)}/>",
        f"  <link rel=\"alternate\" type=\"text/html\" href={quoteattr(base_url + 'index.html')}/>",
    ]
    if not any("<author>" in line for line in head):
        head.append("  <author><name>mmdata</name></author>")
    return ("\n".join([*head, *reversed(entries), "</feed>"]) + "\n").encode("utf-8")


def _entry(tag: str, date: str, new: Package, old: Package | None, base_url: str) -> str:
    version = tag.removeprefix("v")
    items, links = [], []
    if old is None:
        summary = f"First release, {version}."
        for resource in new.usable:
            items.append(f"{resource.name}: {len(_keys(new, resource.name))} rows")
    else:
        diffs = diff_packages(old, new)
        bump = required_bump(diffs)
        summary = f"Release {version}: a {bump.level} change since {old.version}."
        for diff in diffs:
            if diff.empty:
                continue
            counts = f"{diff.table}: {len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed"
            items.append(counts + "".join(f"; schema: {c.where()} {c.change}" for c in diff.schema))
            role = new.resources[diff.table].role if diff.table in new.resources else None
            if role == "finding":
                studies = _studies(new, diff.table)
                for key in [*diff.added, *diff.changed]:
                    if key in studies:
                        links.append((f"{base_url}studies/{studies[key]}.html#{diff.table}-{key}", f"{diff.table} {key}"))
        if not items:
            items.append("no change to the data")
    body = "".join(f"<li>{escape(i)}</li>" for i in items)
    body += "".join(f'<li>Changed finding: <a href={quoteattr(href)}>{escape(text)}</a></li>' for href, text in links)
    lines = [
        "  <entry>",
        f"    <id>urn:uuid:{uuid.uuid5(NAMESPACE, tag)}</id>",
        f"    <title>{escape(new.descriptor.get('name', 'mmdata'))} {escape(version)}</title>",
        f"    <updated>{date}</updated>",
        f"    <summary>{escape(summary)}</summary>",
        *[f"    <link rel=\"related\" href={quoteattr(href)} title={quoteattr(text)}/>" for href, text in links],
        f'    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(summary)}</p><ul>{body}</ul></div></content>',
        "  </entry>",
    ]
    return "\n".join(lines)


def _keys(pkg: Package, table: str) -> list[str]:
    return list(table_rows(pkg, table))


def _studies(pkg: Package, table: str) -> dict[str, str]:
    """Each row's study, by the row's key (the finding's page is its study's)."""
    return {key: row.get("study_id", "") for key, row in table_rows(pkg, table).items()}


__all__ = ["FILE", "feed_xml"]
