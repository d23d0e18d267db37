"""`mmdata export --format fhir` (#20): a FHIR R5 Bundle read back by the pinned fhir.resources, plus the checks that
library does not make (allowed codes, non-empty lists, references that resolve inside the bundle)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fhir.resources import get_fhir_model_class
from fhir.resources.bundle import Bundle

from mmdata.cli import cli
from mmdata.publish.export import export_files

from ..conftest import ROOT

#: The R5 value set statistic-type (http://hl7.org/fhir/ValueSet/statistic-type|5.0.0): its 22 codes.
STATISTIC_TYPES = {"0000100", "0000301", "0000424", "0000457", "0000565", "C16726", "C16932", "C17010", "C25463", "C25564", "C25570",
                   "C28007", "C44256", "C53319", "C65171", "C65172", "C93150", "C93152", "absolute-MedianDiff", "descriptive",
                   "predictedRisk", "rate-ratio"}
#: R5 variable-role, group-type, group-membership-basis, publication-status, quantity-comparator.
VARIABLE_ROLES = {"population", "subpopulation", "exposure", "referenceExposure", "measuredVariable", "confounder"}
GROUP_TYPES = {"person", "animal", "practitioner", "device", "careteam", "healthcareservice", "location", "organization",
               "relatedperson", "specimen"}
MEMBERSHIP = {"definitional", "enumerated"}
STATUS = {"draft", "active", "retired", "unknown"}
COMPARATORS = {"<", "<=", ">=", ">", "ad"}
#: R5 related-artifact-type (RelatedArtifact.type) and related-artifact-type-all (Citation relatesTo.type), the codes used here.
ARTIFACT_TYPES = {"derived-from", "cites", "documentation", "citation", "composed-of", "depends-on"}
#: The UCUM codes a unit may have, by unit (the months and years of UCUM, percent, a dimensionless ratio, an annotated count).
UCUM = {"months": "mo", "years": "a", "percent": "%", "ratio": "1", "patients": "{patients}"}


@pytest.fixture(scope="module")
def raw() -> bytes:
    return export_files(ROOT, ("fhir",))["fhir.json"]


@pytest.fixture(scope="module")
def bundle(raw: bytes) -> dict[str, Any]:
    return json.loads(raw)


def rows(table: str) -> list[dict[str, str]]:
    with (ROOT / f"data/{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def resources(bundle: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {e["resource"]["id"]: e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind}


def test_every_resource_parses_with_the_pinned_fhir_resources(bundle: dict[str, Any]) -> None:
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection" and len(parsed.entry) == len(bundle["entry"])
    for entry in bundle["entry"]:  # each resource again on its own, by its own class
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"])
        assert model.model_validate(resource).id == resource["id"]
    assert bundle["meta"]["tag"] == [{"system": "http://hl7.org/fhir/FHIR-version", "code": "5.0.0"}]


def test_one_evidence_per_finding_one_citation_per_source_one_group_per_arm(bundle: dict[str, Any]) -> None:
    findings = [r["outcome_id"] for r in rows("outcomes")] + [r["adverse_event_id"] for r in rows("adverse_events")]
    assert sorted(resources(bundle, "Evidence")) == sorted(findings)
    assert sorted(resources(bundle, "Citation")) == sorted(r["source_id"] for r in rows("sources"))
    assert sorted(resources(bundle, "Group")) == sorted(r["arm_id"] for r in rows("arms"))
    assert len(bundle["entry"]) == len(findings) + len(rows("sources")) + len(rows("arms"))


def test_every_reference_resolves_inside_the_bundle(bundle: dict[str, Any]) -> None:
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls) and all(u.startswith("urn:uuid:") for u in urls)
    references = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str):
                references.append(node["reference"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(bundle["entry"])
    assert references and sorted(set(references) - set(urls)) == []
    kinds = {e["fullUrl"]: e["resource"]["resourceType"] for e in bundle["entry"]}
    for evidence in resources(bundle, "Evidence").values():
        assert [kinds[a["resourceReference"]["reference"]] for a in evidence["relatedArtifact"]] == ["Citation"]
        assert {kinds[v["observed"]["reference"]] for v in evidence["variableDefinition"] if "observed" in v} <= {"Group"}


def test_codes_are_allowed_values_and_required_lists_are_not_empty(bundle: dict[str, Any]) -> None:
    for kind, found in (("Evidence", resources(bundle, "Evidence")), ("Citation", resources(bundle, "Citation"))):
        assert {r["status"] for r in found.values()} <= STATUS, kind
    for evidence in resources(bundle, "Evidence").values():
        assert evidence["variableDefinition"], evidence["id"]
        for variable in evidence["variableDefinition"]:
            assert [c["code"] for c in variable["variableRole"]["coding"]][0] in VARIABLE_ROLES
            assert variable["description"]
        roles = [v["variableRole"]["coding"][0]["code"] for v in evidence["variableDefinition"]]
        assert roles[0] in ("population", "subpopulation") and roles[-1] == "measuredVariable"
        assert evidence["note"] and evidence["description"]
        assert {a["type"] for a in evidence["relatedArtifact"]} <= ARTIFACT_TYPES
        for statistic in evidence.get("statistic", []):
            for coding in statistic["statisticType"].get("coding", []):
                assert coding["system"] == "http://terminology.hl7.org/CodeSystem/statistic-type" and coding["code"] in STATISTIC_TYPES
            quantity = statistic.get("quantity", {})
            assert quantity.get("comparator", "<") in COMPARATORS
            if "unit" in quantity:
                assert (quantity["system"], quantity["code"]) == ("http://unitsofmeasure.org", UCUM[quantity["unit"]])
    for group in resources(bundle, "Group").values():
        assert group["type"] in GROUP_TYPES and group["membership"] in MEMBERSHIP
    for citation in resources(bundle, "Citation").values():
        assert citation["citedArtifact"]["title"][0]["text"]
        assert {r["type"] for r in citation["citedArtifact"].get("relatesTo", [])} <= ARTIFACT_TYPES


def test_the_mapping_keeps_quotes_caveats_warnings_hedges_and_not_reached(bundle: dict[str, Any]) -> None:
    evidence = resources(bundle, "Evidence")
    for table, key in (("outcomes", "outcome_id"), ("adverse_events", "adverse_event_id")):
        for row in rows(table):
            notes = [n["text"] for n in evidence[row[key]]["note"]]
            assert f"Quote from the source: {row['quote']}" in notes
            assert (f"Caveat: {row['caveat']}" in notes) == bool(row["caveat"])
            if row["warnings"]:
                assert any(n.startswith("Standard warnings: " + ", ".join(row["warnings"].split())) for n in notes)
            statistic = evidence[row[key]].get("statistic")
            if row["statistic"] == "qualitative" or (not row["value"] and row["qualifier"] != "not-reached"):
                assert statistic is None, row[key]
            elif row["qualifier"] == "not-reached":
                assert "quantity" not in statistic[0] and statistic[0]["note"][0]["text"].startswith("Not reached")
            else:
                assert float(statistic[0]["quantity"]["value"]) == float(row["value"])
                assert bool(row["qualifier"]) == any("hedges" in n["text"] for n in statistic[0].get("note", []))
    relative = evidence["ifm-2005-02-relapse-3y-relative"]["statistic"][0]["statisticType"]
    assert relative == {"text": "relative-likelihood"}  # the source names no measure: no code says more than it
    assert evidence["myeloma-xi-pfs-median-lenalidomide"]["statistic"][0]["statisticType"]["coding"][0]["code"] == "C28007"
    overlap = [n["text"] for n in evidence["ifm-2005-02-os-pending"]["note"]]
    assert "The patients of ifm-2005-02 are also counted in mccarthy-2017-meta-analysis: do not pool the two." in overlap
    citation = resources(bundle, "Citation")["pubmed-singhal-mehta-2007"]["citedArtifact"]
    source = next(r for r in rows("sources") if r["source_id"] == "pubmed-singhal-mehta-2007")
    assert citation["identifier"][0]["value"] == source["sha256"]
    assert citation["relatesTo"] == [{"type": "cites", "citation": source["summarises"]}]


def test_the_same_package_gives_the_same_bytes(raw: bytes) -> None:
    assert export_files(ROOT, ("fhir",))["fhir.json"] == raw


def test_export_format_fhir_writes_only_fhir_json(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["export", str(ROOT), "--to", str(out), "--format", "fhir"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"wrote {out}/fhir.json\n1 file written to {out}\n", "")
    assert sorted(p.name for p in out.iterdir()) == ["fhir.json"]
