"""`mmdata export --format fhir`: the findings as a FHIR R5 Bundle of Evidence, Citation and Group resources (#20).

Generated from the package model (the tables as `mmdata.load` types them, the schemas' roles and
keys), like the other exports; written as ``fhir.json``. FHIR **R5** (5.0.0), said in the
Bundle's ``meta.tag`` (system ``http://hl7.org/fhir/FHIR-version``); the HL7 evidence-based
medicine implementation guide tracks a later ballot version, which this does not follow.

The mapping (docs/exports.md, "FHIR", says what it keeps and what it loses):

- one ``Citation`` per source document: its title, the sha256 of its verbatim copy in seeds/, its
  address when known, and the publication it summarises (``citedArtifact.relatesTo``, type
  ``cites``, as the citation text of sources.summarises);
- one ``Group`` per arm (type person, membership definitional): name, intervention, and its size
  only when the source states it exactly (a hedged size is kept in words in the description);
- one ``Evidence`` per finding (outcome or adverse event): the study's design as text, the
  population (role population for all patients, subpopulation otherwise), the arm as exposure and
  the comparator arm as referenceExposure (each referencing its Group), the endpoint or event with
  its time point as measuredVariable; a ``statistic`` when the row has a number or a result not
  reached: its type from the HL7 statistic-type code system where one fits (median, proportion,
  hazard ratio, maximum, count; text only where none does: a relative likelihood whose measure the
  source does not name is never called a relative risk), its quantity with a UCUM unit, the hedge
  as the quantity's comparator where FHIR has one (more-than >, almost <) and always as a note,
  "not reached" as a note with no quantity, a confidence interval and p-value as attribute
  estimates; the finding, direction and significance in words in the description; the quote,
  caveat, warnings and the study's overlap (pooled_in) as notes; the source as a related artifact
  referencing its Citation. A qualitative finding has a description and no statistic.

References are ``urn:uuid:`` full URLs (UUID 5 of the resource type and key), so the same package
gives the same bytes. Standard library only.
"""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd

from ..model.package import Package
from ..model.rulefacts import NOT_REACHED, QUALITATIVE
from ..model.schema import warning_codes

FHIR_VERSION = "5.0.0"
FILE = "fhir.json"
#: The namespace of the resources' UUIDs (UUID 5 of "mmdata").
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://mmdata.invalid/fhir")
STATISTIC_TYPE = "http://terminology.hl7.org/CodeSystem/statistic-type"
VARIABLE_ROLE = "http://hl7.org/fhir/variable-role"
UCUM = "http://unitsofmeasure.org"
#: mmdata's statistics and the HL7 statistic-type code each is (R5 value set statistic-type); a statistic
#: not listed gets a text only, never a code that would say more than the source.
STATISTIC_CODES = {"median": ("C28007", "Median"), "percentage": ("C44256", "Proportion"), "hazard-ratio": ("C93150", "Hazard Ratio"),
                   "maximum": ("C25564", "Maximum"), "count": ("C25463", "Count")}
#: mmdata's units and their UCUM codes.
UCUM_CODES = {"months": "mo", "years": "a", "percent": "%", "ratio": "1", "patients": "{patients}"}
#: The hedges FHIR's Quantity.comparator can state (the rest are kept in words only).
COMPARATORS = {"more-than": ">", "almost": "<"}


def full_url(kind: str, key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{key}')}"


def bundle(pkg: Package, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The FHIR R5 Bundle (type collection) of the package's findings, from its typed tables."""
    rows = {name: _records(frame) for name, frame in tables.items()}
    studies = {r["study_id"]: r for r in rows.get("studies", [])}
    arms = {r["arm_id"]: r for r in rows.get("arms", [])}
    entries = [_entry("Citation", s["source_id"], _citation(s)) for s in rows.get("sources", [])]
    entries += [_entry("Group", a["arm_id"], _group(a)) for a in rows.get("arms", [])]
    for resource in pkg.with_role("finding"):
        key = resource.primary_key[0]
        for row in rows.get(resource.name, []):
            entries.append(_entry("Evidence", row[key], _evidence(resource.name, row, studies, arms)))
    return {"resourceType": "Bundle", "id": f"{pkg.descriptor.get('name', 'mmdata')}-{pkg.version}".replace("_", "-"),
            "meta": {"tag": [{"system": "http://hl7.org/fhir/FHIR-version", "code": FHIR_VERSION}]},
            "type": "collection", "entry": entries}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if pd.isna(v) else _plain(v)) for k, v in row.items()} for row in frame.astype(object).to_dict("records")]


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.item() if hasattr(value, "item") else value


def _entry(kind: str, key: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url(kind, key), "resource": {"resourceType": kind, "id": key, **resource}}


def _citation(source: dict[str, Any]) -> dict[str, Any]:
    title = source.get("title") or f"Untitled {source['document_type']} ({source['seed_file']})"
    artifact: dict[str, Any] = {
        "identifier": [{"type": {"text": "sha256 of the verbatim copy " + source["seed_file"]}, "value": source["sha256"]}],
        "title": [{"text": title}],
    }
    if source.get("url"):
        artifact["webLocation"] = [{"url": source["url"]}]
    if source.get("summarises"):
        artifact["relatesTo"] = [{"type": "cites", "citation": source["summarises"]}]
    out: dict[str, Any] = {"status": "active", "title": title, "citedArtifact": artifact}
    if source.get("note"):
        out["note"] = [{"text": source["note"]}]
    return out


def _group(arm: dict[str, Any]) -> dict[str, Any]:
    size = arm.get("size")
    hedge = arm.get("size_qualifier")
    description = arm["intervention"] + (f" ({hedge.replace('-', ' ')} {size} patients, as the source states)" if size is not None and hedge else "")
    out: dict[str, Any] = {"type": "person", "membership": "definitional", "name": arm["name"], "description": description}
    if size is not None and not hedge:
        out["quantity"] = size
    return out


def _role(code: str) -> dict[str, Any]:
    return {"coding": [{"system": VARIABLE_ROLE, "code": code}]}


def _evidence(table: str, row: dict[str, Any], studies: dict[str, dict[str, Any]], arms: dict[str, dict[str, Any]]) -> dict[str, Any]:
    study = studies[row["study_id"]]
    measured = str(row.get("endpoint") or row.get("event"))
    when = f" at {row['time_value']} {row['time_unit']}" if row.get("time_value") is not None else ""
    variables = [{"description": f"{row['population']} patients of {study['name']}",
                  "variableRole": _role("population" if row["population"] == "all" else "subpopulation")}]
    for column, role in (("arm_id", "exposure"), ("comparator_arm_id", "referenceExposure")):
        if row.get(column):
            arm = arms[row[column]]
            variables.append({"description": f"{arm['name']}: {arm['intervention']}", "variableRole": _role(role),
                              "observed": {"reference": full_url("Group", row[column])}})
    variables.append({"description": measured + when, "variableRole": _role("measuredVariable")})
    out: dict[str, Any] = {
        "status": "active", "title": f"{study['name']}: {measured}{when}", "description": _description(row, arms),
        "relatedArtifact": [{"type": "derived-from", "resourceReference": {"reference": full_url("Citation", row["source_id"])}}],
        "note": _notes(row, study), "variableDefinition": variables, "studyDesign": [{"text": study["design"]}],
    }
    statistic = _statistic(row, table)
    if statistic is not None:
        out["statistic"] = [statistic]
    return out


def _description(row: dict[str, Any], arms: dict[str, dict[str, Any]]) -> str:
    parts = []
    if row.get("finding"):
        parts.append(str(row["finding"]))
    if row.get("direction"):
        arm, other = arms[row["arm_id"]]["name"], arms[row["comparator_arm_id"]]["name"]
        parts.append(f"{row['direction'].replace('-', ' ')} ({arm} against {other})"
                     + (f", {row['significance'].replace('-', ' ')}" if row.get("significance") else ""))
    if row.get("value") is not None:
        parts.append(f"{row['statistic']} {_hedge(row)}{row['value']} {row.get('unit') or ''}".strip())
    elif row.get("qualifier") == NOT_REACHED:
        parts.append(f"{row['statistic']} not reached")
    return "; ".join(parts) or str(row.get("statistic"))


def _hedge(row: dict[str, Any]) -> str:
    return f"{row['qualifier'].replace('-', ' ')} " if row.get("qualifier") and row["qualifier"] != NOT_REACHED else ""


def _notes(row: dict[str, Any], study: dict[str, Any]) -> list[dict[str, str]]:
    notes = [{"text": f"Quote from the source: {row['quote']}"}]
    if row.get("caveat"):
        notes.append({"text": f"Caveat: {row['caveat']}"})
    codes = warning_codes(row.get("warnings") or "") + [f"study: {c}" for c in warning_codes(study.get("warnings") or "")]
    if codes:
        notes.append({"text": "Standard warnings: " + ", ".join(codes)})
    if study.get("pooled_in"):
        notes.append({"text": f"The patients of {study['study_id']} are also counted in {study['pooled_in']}: do not pool the two."})
    return notes


def _statistic(row: dict[str, Any], table: str) -> dict[str, Any] | None:
    value, qualifier, statistic = row.get("value"), row.get("qualifier"), str(row.get("statistic"))
    if statistic == QUALITATIVE or (value is None and qualifier != NOT_REACHED):
        return None
    coded = STATISTIC_CODES.get(statistic)
    out: dict[str, Any] = {"description": statistic,
                           "statisticType": {"coding": [{"system": STATISTIC_TYPE, "code": coded[0], "display": coded[1]}]} if coded
                           else {"text": statistic}}
    notes = []
    if value is not None:
        unit = row.get("unit")
        quantity: dict[str, Any] = {"value": value}
        if qualifier in COMPARATORS:
            quantity["comparator"] = COMPARATORS[qualifier]
        if unit:
            quantity.update({"unit": unit, "system": UCUM, "code": UCUM_CODES[unit]})
        out["quantity"] = quantity
        if qualifier:
            notes.append(f"The source hedges the number: {qualifier.replace('-', ' ')} {value}.")
    else:
        notes.append("Not reached: the source states that this statistic had not been reached; no number is given.")
    if notes:
        out["note"] = [{"text": n} for n in notes]
    if table == "adverse_events" and row.get("at_risk") is not None:
        out["sampleSize"] = {"knownDataCount": row["at_risk"]}
    estimates = []
    if row.get("ci_lower") is not None and row.get("ci_upper") is not None:
        estimates.append({"type": {"text": "confidence interval (level not stated)"},
                          "range": {"low": {"value": row["ci_lower"]}, "high": {"value": row["ci_upper"]}}})
    if row.get("p_value") is not None:
        estimates.append({"type": {"text": "p-value"}, "quantity": {"value": row["p_value"]}})
    if estimates:
        out["attributeEstimate"] = estimates
    return out


__all__ = ["FHIR_VERSION", "FILE", "STATISTIC_CODES", "UCUM_CODES", "bundle", "full_url"]
