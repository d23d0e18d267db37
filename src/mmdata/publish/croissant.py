"""Croissant metadata (MLCommons Croissant 1.0, a schema.org Dataset) of the package's tables (#20).

Generated from the package model, like the other derived files: one FileObject per table (its
CSV file, with its sha256), one RecordSet per table with a Field per column (type from the Table
Schema, description, the column it is read from, its primary key and the foreign keys it
references). ``croissant.json`` sits at the root of a release archive (its ``contentUrl`` are the
tables' paths in the package) and in the site's downloads (there, the copies in ``csv/``).

Only what is known is written: the dataset's address and identifier when datapackage.json states
them (``homepage``, ``id``), the confirmed PubMed identifiers of the studies (``isBasedOn``:
the studies table holds a pmid only when confirmed). Standard library only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from ..model.package import Package, dataset_authors
from ..model.schema import Resource

FILE = "croissant.json"
CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
#: The JSON-LD context every Croissant 1.0 file carries (from the Croissant 1.0 specification).
CONTEXT: dict[str, Any] = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs", "column": "cr:column", "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/", "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/", "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract", "field": "cr:field", "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject", "fileSet": "cr:fileSet", "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath", "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path", "recordSet": "cr:recordSet",
    "references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated", "replace": "cr:replace", "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source", "subField": "cr:subField", "transform": "cr:transform",
}
#: Table Schema types and their Croissant data types.
DATA_TYPES = {"string": "sc:Text", "integer": "sc:Integer", "number": "sc:Float"}
PUBMED = "https://pubmed.ncbi.nlm.nih.gov/"


def known_links(pkg: Package, studies: list[dict[str, str]]) -> dict[str, Any]:
    """The schema.org Dataset properties known for the package: url and identifier when datapackage.json states them
    (homepage, id), and isBasedOn the confirmed PubMed records of its studies. The site's JSON-LD uses them too."""
    out: dict[str, Any] = {}
    if isinstance(pkg.descriptor.get("homepage"), str):
        out["url"] = pkg.descriptor["homepage"]
    if isinstance(pkg.descriptor.get("id"), str):
        out["identifier"] = pkg.descriptor["id"]
    pmids = sorted({s["pmid"] for s in studies if s.get("pmid")}, key=int)
    if pmids:
        out["isBasedOn"] = [f"{PUBMED}{pmid}/" for pmid in pmids]
    return out


def croissant(pkg: Package, studies: list[dict[str, str]], locate: Callable[[Resource], str]) -> dict[str, Any]:
    """The Croissant metadata of the package's tables; locate gives a table's contentUrl (relative to croissant.json)."""
    descriptor = pkg.descriptor
    licence = (descriptor.get("licenses") or [{}])[0]
    resources = pkg.usable
    data: dict[str, Any] = {
        "@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": CONFORMS_TO,
        "name": str(descriptor.get("name", "mmdata")), "description": str(descriptor.get("description", "")),
        **known_links(pkg, studies),
        "license": licence.get("path", ""), "version": pkg.version, "citeAs": _cite_as(pkg), "keywords": descriptor.get("keywords", []),
        "creator": [{"@type": "sc:Organization", "name": author} for author in dataset_authors(descriptor)],
        "distribution": [{"@type": "cr:FileObject", "@id": _file_id(r), "name": _file_id(r), "description": r.title,
                          "contentUrl": locate(r), "encodingFormat": "text/csv", "sha256": hashlib.sha256(pkg.file(r.path)).hexdigest()}
                         for r in resources],
        "recordSet": [_record_set(r) for r in resources],
    }
    return data


def _cite_as(pkg: Package) -> str:
    """How to cite the dataset, from datapackage.json: its authors, title and version."""
    authors = dataset_authors(pkg.descriptor)
    return f"{', '.join(authors) or 'mmdata'}. {pkg.title}. Version {pkg.version}."


def _file_id(resource: Resource) -> str:
    return f"{resource.name}-csv"


def _record_set(resource: Resource) -> dict[str, Any]:
    # A key into the table itself (studies.pooled_in) is left out: Croissant reads references as a graph without cycles.
    references = {fk.fields[0]: (fk.target(resource.name), fk.reference[0]) for fk in resource.foreign_keys
                  if len(fk.fields) == 1 and fk.target(resource.name) != resource.name}
    fields = []
    for f in resource.fields:
        field: dict[str, Any] = {"@type": "cr:Field", "@id": f"{resource.name}/{f.name}", "name": f.name,
                                 "description": f.description or "", "dataType": DATA_TYPES[f.type],
                                 "source": {"fileObject": {"@id": _file_id(resource)}, "extract": {"column": f.name}}}
        if f.name in references:
            table, column = references[f.name]
            field["references"] = {"field": {"@id": f"{table}/{column}"}}
        fields.append(field)
    out: dict[str, Any] = {"@type": "cr:RecordSet", "@id": resource.name, "name": resource.name,
                           "description": resource.description or resource.entry_description, "field": fields}
    if resource.primary_key:
        out["key"] = [{"@id": f"{resource.name}/{k}"} for k in resource.primary_key]
    return out


__all__ = ["CONFORMS_TO", "CONTEXT", "FILE", "croissant", "known_links"]
