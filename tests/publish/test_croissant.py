"""Croissant metadata (#20): croissant.json in release archives and on the site, read by the pinned mlcroissant, and the
site's schema.org Dataset with url, conformsTo and isBasedOn only where known."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mmdata.model.package import open_package
from mmdata.publish.export import croissant_bytes

from ..conftest import ROOT

#: The PubMed identifiers docs/references.md marks confirmed: the only ones the metadata may name.
CONFIRMED_PMIDS = ["22571202", "28742454", "30559051"]


def rows(table: str) -> list[dict[str, str]]:
    with (ROOT / f"data/{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def archived() -> dict[str, Any]:
    """croissant.json as a release archive holds it, at its root: the tables at their paths in the package."""
    return json.loads(croissant_bytes(open_package(ROOT), lambda resource: resource.path))


def test_croissant_describes_every_table_file_and_column(archived: dict[str, Any]) -> None:
    assert archived["conformsTo"] == "http://mlcommons.org/croissant/1.0" and archived["@type"] == "sc:Dataset"
    tables = ["sources", "studies", "arms", "outcomes", "adverse_events"]
    assert [d["contentUrl"] for d in archived["distribution"]] == [f"data/{t}.csv" for t in tables]
    for d in archived["distribution"]:
        assert d["sha256"] == hashlib.sha256((ROOT / d["contentUrl"]).read_bytes()).hexdigest()
    for record_set in archived["recordSet"]:
        header = (ROOT / f"data/{record_set['name']}.csv").read_text(encoding="utf-8").split("\n", 1)[0].split(",")
        assert [f["name"] for f in record_set["field"]] == header
    outcomes = next(r for r in archived["recordSet"] if r["name"] == "outcomes")
    assert outcomes["key"] == [{"@id": "outcomes/outcome_id"}]
    assert next(f for f in outcomes["field"] if f["name"] == "arm_id")["references"] == {"field": {"@id": "arms/arm_id"}}
    assert next(f for f in outcomes["field"] if f["name"] == "value")["dataType"] == "sc:Float"


def test_only_confirmed_identifiers_and_no_invented_address(archived: dict[str, Any]) -> None:
    assert archived["isBasedOn"] == [f"https://pubmed.ncbi.nlm.nih.gov/{p}/" for p in CONFIRMED_PMIDS]
    assert sorted(s["pmid"] for s in rows("studies") if s["pmid"]) == CONFIRMED_PMIDS
    assert "url" not in archived and "identifier" not in archived  # datapackage.json states neither homepage nor id


#: mlcroissant brings pandas-stubs, which would change what mypy reports on src/: it lives in a venv of its own
#: (.ci/run makes it: `pip install -c constraints.txt --group croissant` in .venv-croissant).
CROISSANT_PYTHON = Path(os.environ.get("MMDATA_CROISSANT_PYTHON", ROOT / ".venv-croissant/bin/python"))
READ = """
import json, sys, warnings
warnings.simplefilter("ignore", DeprecationWarning)  # rdflib, inside mlcroissant
import mlcroissant as mlc
dataset = mlc.Dataset(jsonld=sys.argv[1])  # raises ValidationError on any error
records = [r["outcomes/outcome_id"].decode() for r in dataset.records("outcomes")]
print(json.dumps({"sets": [r.name for r in dataset.metadata.record_sets], "report": dataset.metadata.ctx.issues.report(), "ids": records}))
"""


def test_the_pinned_mlcroissant_reads_the_site_copy_and_its_records(shipped_site: Path) -> None:
    if not CROISSANT_PYTHON.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no {CROISSANT_PYTHON}: CI must check croissant.json with the pinned mlcroissant (.ci/run makes that venv)")
        pytest.skip(f"no {CROISSANT_PYTHON} (make it as .ci/run does, or set MMDATA_CROISSANT_PYTHON)")
    path = shipped_site / "downloads" / "croissant.json"
    done = subprocess.run([str(CROISSANT_PYTHON), "-c", READ, str(path)], capture_output=True, text=True, cwd=shipped_site)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["sets"] == ["sources", "studies", "arms", "outcomes", "adverse_events"]
    assert "error" not in found["report"].lower()
    assert sorted(found["ids"]) == sorted(r["outcome_id"] for r in rows("outcomes"))


def test_the_site_ships_croissant_beside_the_csv_copies(shipped_site: Path) -> None:
    data = json.loads((shipped_site / "downloads" / "croissant.json").read_text(encoding="utf-8"))
    for d in data["distribution"]:
        assert (shipped_site / "downloads" / d["contentUrl"]).read_bytes() == (ROOT / f"data/{Path(d['contentUrl']).name}").read_bytes()


def test_the_site_json_ld_names_what_is_known_issue_20(shipped_site: Path, tmp_path: Path) -> None:
    text = (shipped_site / "index.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/ld\+json">\n(.*?)\n</script>', text, re.S).group(1))
    assert data["isBasedOn"] == [f"https://pubmed.ncbi.nlm.nih.gov/{p}/" for p in CONFIRMED_PMIDS]
    assert data["conformsTo"] == "https://specs.frictionlessdata.io/tabular-data-package/"
    assert "url" not in data and "identifier" not in data  # built without --base-url; no homepage or id declared
    assert any(d["name"] == "croissant.json" and d["encodingFormat"] == "application/ld+json" for d in data["distribution"])
