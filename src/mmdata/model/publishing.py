"""Where and how a release is published (#14), generated and never typed twice.

- ``.zenodo.json``, the metadata Zenodo reads from a GitHub release to give the dataset a DOI: the
  title and creators of ``CITATION.cff``, the description, version, licence and keywords of
  ``datapackage.json``, and as related identifiers the confirmed identifiers of the publications in
  ``studies.csv`` (the DOI and PMID columns, which hold only identifiers that docs/references.md
  marks confirmed);
- the README's commands that pin a release (regions ``pin-pip``, ``pin-git``, ``pin-archive``),
  for the version in ``datapackage.json`` and the files the release workflow attaches.

`mmdata docs` writes both from the current files, and `mmdata release` writes them for the new
version, so they always name the last release. Standard library only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import DocsError
from ..io.files import decoded, read_file
from ..io.jsonfile import dumps
from ..io.sums import archive_name as archive_name  # beside the release sums (a snapshot finds a record by it); publish imports it here

ZENODO = ".zenodo.json"
CITATION = "CITATION.cff"
#: A URL scheme at the start of a link ("javascript:", "https:").
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
#: A character no link may hold: whitespace (exactly what str.isspace() calls whitespace, Unicode's included) and the
#: control characters. One search, not a test per character: the site checks half a million links at 100,000 rows (#22).
_UNSAFE_CHARACTER = re.compile(r"[\s\x00-\x1f\x7f]")


def safe_link(value: object, relative: bool = True) -> bool:
    """Whether value may be a link of a page, a JSON-LD or a Datasette metadata.json (#23): an http or https address,
    or (when relative) a path with no scheme; never `javascript:`, `data:` or another scheme a browser would run or
    open. A whitespace or control character anywhere refuses it too: browsers drop them, so that "java\tscript:" runs."""
    if not isinstance(value, str) or not value or _UNSAFE_CHARACTER.search(value):
        return False
    scheme = _SCHEME.match(value)
    if scheme is None:
        return relative and not value.startswith(("//", "\\"))
    return scheme.group(1).lower() in ("http", "https") and value[scheme.end():].startswith("//")
#: The identifier columns of studies.csv that Zenodo can link, with Zenodo's scheme for each (it has none for a PMCID).
SCHEMES = {"doi": "doi", "pmid": "pmid"}
#: How the dataset relates to the publications: it records what documents about them say, and cites them.
RELATION = "references"
#: Zenodo's licence ids for the SPDX ids of datapackage.json.
LICENCES = {"CC-BY-4.0": "cc-by-4.0"}
#: Where the release workflow publishes a release's files; REPO is the GitHub repository, owner/name.
DOWNLOADS = "https://github.com/$REPO/releases/download/v{version}"
PIN_REGIONS = ("pin-pip", "pin-git", "pin-archive")


def citation_field(text: str, key: str) -> str:
    """A top-level scalar of CITATION.cff (``key: value`` or ``key: "value"``); DocsError when it has none."""
    match = re.search(rf'^{re.escape(key)}:[ \t]*"?(.*?)"?[ \t]*$', text, re.M)
    if not match or not match.group(1):
        raise DocsError(f"{CITATION} has no '{key}:'; {ZENODO} takes it from there")
    return match.group(1)


def citation_authors(text: str) -> list[str]:
    """The names of CITATION.cff's authors (entries ``- name: "..."`` under ``authors:``)."""
    block = re.search(r"^authors:[ \t]*\n((?:[ \t]+.*\n)+)", text, re.M)
    names = re.findall(r'^[ \t]*-?[ \t]*name:[ \t]*"?(.*?)"?[ \t]*$', block.group(1), re.M) if block else []
    if not names:
        raise DocsError(f"{CITATION} names no author ('authors:' with '- name: ...'); {ZENODO} takes the creators from there")
    return names


def _optional(text: str, key: str) -> str | None:
    try:
        return citation_field(text, key)
    except DocsError:
        return None


def _names(authors: list[str]) -> str:
    return authors[0] if len(authors) == 1 else ", ".join(authors[:-1]) + ", & " + authors[-1]


def _bibtex_text(text: str) -> str:
    """Text in a BibTeX field: its special characters escaped, inside braces so that capitals stay."""
    return "{" + re.sub(r"([&%$#_{}])", r"\\\1", text).replace("~", r"\textasciitilde{}").replace("^", r"\textasciicircum{}") + "}"


def citations(text: str) -> dict[str, str]:
    """How to cite the dataset, from the text of CITATION.cff: {"apa": ..., "bibtex": ...} (#19).

    APA 7's form for a data set: authors, (year), title, (Version), [Data set], and where it is found
    (its doi, else url, repository-code or repository-artifact). DocsError when CITATION.cff has no
    title, author or version.
    """
    title, version, authors = citation_field(text, "title"), citation_field(text, "version"), citation_authors(text)
    released = _optional(text, "date-released")
    year = released[:4] if released else "n.d."
    doi = _optional(text, "doi")
    where = f"https://doi.org/{doi}" if doi else next((u for k in ("url", "repository-code", "repository-artifact") if (u := _optional(text, k))), None)
    apa = f"{_names(authors)}{'' if _names(authors).endswith('.') else '.'} ({year}). {title} (Version {version}) [Data set]." + (f" {where}" if where else "")
    key = re.sub(r"[^a-z0-9]+", "_", f"{title.split(':')[0]} {version}".lower()).strip("_")
    fields = [("author", "{" + " and ".join("{" + a + "}" for a in authors) + "}"), ("title", _bibtex_text(title)), ("year", "{" + year + "}"),
              ("version", "{" + version + "}"), ("note", "{Data set}")]
    fields += [("doi", "{" + doi + "}")] if doi else []
    fields += [("url", "{" + where + "}")] if where else []
    bibtex = f"@misc{{{key},\n" + "".join(f"  {name} = {value},\n" for name, value in fields) + "}"
    return {"apa": apa, "bibtex": bibtex}


def package_citations(root: str | Path = ".") -> dict[str, str]:
    """`citations` of the CITATION.cff of the package folder root; DocsError when it has none or it lacks a field."""
    content = read_file(Path(root), CITATION)  # never through a link (#13)
    if content is None:
        raise DocsError(f"{Path(root) / CITATION}: no such file; the citation of the dataset is written there")
    return citations(decoded(CITATION, content))  # UTF-8, or refused with its line (#23)


def zenodo_metadata(descriptor: dict[str, Any], citation: str, studies: list[dict[str, str]]) -> dict[str, Any]:
    """The content of .zenodo.json for the package described by descriptor."""
    licences = [str(entry.get("name")) for entry in descriptor.get("licenses", [])]
    if len(licences) != 1:
        raise DocsError(f"datapackage.json declares {len(licences)} licences; {ZENODO} takes exactly one")
    related = [{"identifier": study[column], "relation": RELATION, "resource_type": "publication-article", "scheme": scheme}
               for study in sorted(studies, key=lambda s: s.get("study_id", "")) for column, scheme in SCHEMES.items() if study.get(column)]
    return {
        "title": citation_field(citation, "title"),
        "upload_type": "dataset",
        "version": str(descriptor.get("version", "")),
        "creators": [{"name": name} for name in citation_authors(citation)],
        "description": str(descriptor.get("description", "")),
        "license": LICENCES.get(licences[0], licences[0].lower()),
        "access_right": "open",
        "keywords": list(descriptor.get("keywords", [])),
        "related_identifiers": related,
    }


def render_zenodo(descriptor: dict[str, Any], citation: str, studies: list[dict[str, str]]) -> bytes:
    return dumps(zenodo_metadata(descriptor, citation, studies)).encode("utf-8")


def render_pins(version: str, distribution: str) -> dict[str, str]:
    """The bodies of the README's regions that pin release version: pip, a git tag, the published archive."""
    archive = f"mmdata-data-{version}.zip"
    folder = f"mmdata-{version}"
    return {
        "pin-pip": f"```sh\npip install {distribution}=={version}\n```\n",
        "pin-git": (f'```sh\ngit clone --depth 1 --branch v{version} "https://github.com/$REPO.git" {folder}\n```\n\n'
                    f"<!-- snippet: git-tag -->\n```python\nimport pandas as pd\n\n"
                    f'outcomes = pd.read_csv("{folder}/data/outcomes.csv")  # plain CSV, no options needed\n```\n'),
        "pin-archive": (f'```sh\ncurl -fLO "{DOWNLOADS.format(version=version)}/{archive}"\n'
                        f'curl -fLO "{DOWNLOADS.format(version=version)}/{archive}.sha256"\n'
                        f"sha256sum -c {archive}.sha256\n```\n\n"
                        "<!-- snippet: archive -->\n```python\nimport hashlib\nfrom pathlib import Path\n\nimport mmdata\n\n"
                        f'archive = Path("{archive}")\npublished = Path("{archive}.sha256").read_text().split()[0]\n'
                        "assert hashlib.sha256(archive.read_bytes()).hexdigest() == published\n"
                        "print(mmdata.data_version(path=archive))  # the version inside the archive (a folder works too)\n"
                        "tables = mmdata.load(path=archive)        # also checks every file against SHA256SUMS and datapackage.json\n```\n"),
    }


