"""Generate a valid synthetic mmdata package of any size, for the benchmark (benchmarks/run.py).

Run:  .venv/bin/python benchmarks/generate.py --outcomes 100000 /tmp/mmdata-100k

The package has the shipped descriptor and schemas and realistic variety, so that no check is
cheap by accident: many sources, each with its own seed document; about one study per 100
outcomes, with two to four arms each; adverse events one tenth of the outcomes; every result kind
(numbers with units, hedges, not-reached medians, comparisons with confidence intervals and p
values, qualitative findings); cells that need quoting (commas, double quotes) and, now and then,
a caveat spanning several lines. Each quote is a distinct sentence of its row's own seed, shared
by at most six rows (so at least one distinct quote per 12 rows, and deduplication cannot hide
the per-row cost), and states every number of its rows. `mmdata validate` accepts the result.
The same arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POPULATIONS = ("all", "transplanted", "not-transplanted", "under-65", "over-65", "newly-diagnosed", "relapsed-or-refractory")
ENDPOINTS = ("progression-free-survival", "overall-survival", "second-progression-or-death", "relapse")
WORDS = ("maintenance", "therapy", "patients", "cohort", "follow-up", "analysis", "transplant", "relapse", "response", "survival")


def header(table: str) -> list[str]:
    return [f["name"] for f in json.loads((ROOT / f"schemas/{table}.schema.json").read_text(encoding="utf-8"))["fields"]]


class Writer:
    def __init__(self, path: Path, table: str) -> None:
        self.fields = header(table)
        self.handle = path.open("w", encoding="utf-8", newline="")
        self.csv = csv.writer(self.handle, lineterminator="\n")
        self.csv.writerow(self.fields)
        self.rows = 0

    def row(self, **cells: object) -> None:
        self.csv.writerow(["" if cells.get(f) is None else cells[f] for f in self.fields])
        self.rows += 1

    def close(self) -> None:
        self.handle.close()


def caveat(rng: random.Random, n: int) -> str | None:
    """Mostly empty; sometimes text with commas and double quotes; rarely several lines."""
    pick = rng.random()
    if pick < 0.6:
        return None
    if pick < 0.9995:
        return f'Lay wording ("{rng.choice(WORDS)}"), not confirmed; see the note on {rng.choice(WORDS)}, and the publication.'
    return "First line of a long caveat.\nSecond line, after a line break.\nThird line."  # no figure: it would need the reference facts


def generated(work: Path, outcomes: int) -> Path:
    """The package of that many outcome rows in the folder work (outcomes-N), generated the first time a benchmark asks
    for it and reused after: what run.py, failing.py, release.py and site.py measure."""
    package = work / f"outcomes-{outcomes}"
    if not (package / "datapackage.json").is_file():
        print(f"[{outcomes:>9,}] generating {package} ...", flush=True)
        generate(package, outcomes)
    return package


def generate(out: Path, outcomes: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "data").mkdir(parents=True)
    (out / "seeds").mkdir()
    shutil.copytree(ROOT / "schemas", out / "schemas")
    n_studies = max(2, outcomes // 100)
    n_sources = max(2, min(999, n_studies // 20))
    writers = {t: Writer(out / f"data/{t}.csv", t) for t in ("sources", "studies", "arms", "outcomes", "adverse_events")}
    seeds: list[list[str]] = [["A synthetic source document.", "It reports results of maintenance therapy."] for s in range(n_sources)]
    studies = []
    for k in range(n_studies):
        source = k % n_sources
        arms = rng.randint(2, 4)
        sizes = [rng.randint(20, 400) for _ in range(arms)]
        total = sum(sizes) + rng.randint(0, 50)
        sid = f"study-{k:06d}"
        quote = f"Study {k} enrolled {total:,} patients in {arms} groups of source {source}."
        seeds[source].append(quote)
        writers["studies"].row(study_id=sid, name=f"Synthetic study {k}", design="randomised-trial", blinding=rng.choice(("open-label", "double-blind")),
                               comparator="observation", setting="post-autologous-transplant", size=total, source_id=f"source-{source:03d}",
                               quote=quote, caveat=caveat(rng, k))
        arm_ids = []
        for a, size in enumerate(sizes):
            arm_id, arm_quote = f"{sid}-arm-{a}", f"In study {k}, arm {a} of source {source} had {size} patients."
            seeds[source].append(arm_quote)
            writers["arms"].row(arm_id=arm_id, study_id=sid, name=f"Arm {a} of study {k}",
                                intervention="Lenalidomide, 10 mg daily" if a == 0 else "Observation", role="experimental" if a == 0 else "control",
                                size=size, source_id=f"source-{source:03d}", quote=arm_quote)
            arm_ids.append(arm_id)
        studies.append((sid, source, arm_ids))
    _results(rng, writers["outcomes"], studies, seeds, outcomes, "outcome")
    _results(rng, writers["adverse_events"], studies, seeds, outcomes // 10, "adverse")
    for s, sentences in enumerate(seeds):
        rng.shuffle(sentences)
        text = "".join(sentence + ("\n\n" if i % 7 == 6 else " ") for i, sentence in enumerate(sentences)).encode("utf-8")
        rel = f"seeds/{s:03d}_{hashlib.sha256(str(s).encode()).hexdigest()[:16]}.txt"
        (out / rel).write_bytes(text)
        writers["sources"].row(source_id=f"source-{s:03d}", seed_file=rel, sha256=hashlib.sha256(text).hexdigest(), title=f"Synthetic source {s}",
                               document_type="lay-summary", note="Synthetic, for the benchmark.")
    for w in writers.values():
        w.close()
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["sources"] = [{"title": f"Synthetic source {s}", "path": f"seeds/{s:03d}_{hashlib.sha256(str(s).encode()).hexdigest()[:16]}.txt"}
                             for s in range(n_sources)]
    for resource in descriptor["resources"]:
        resource.pop("bytes", None)
        resource.pop("hash", None)
    (out / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    return out


def _results(rng: random.Random, w: Writer, studies: list, seeds: list[list[str]], count: int, kind: str) -> None:
    """Groups of up to six rows sharing one quote and population: a hazard ratio with its interval and p, two medians, a
    percentage, a comparison, a finding. Each comparison row comes before the per-arm rows it compares, so that a group
    cut short at the end still has it (#21)."""
    n = 0
    group = 0
    while n < count:
        sid, source, arms = studies[group % len(studies)]
        a, b = arms[0], arms[1 + group % (len(arms) - 1)]
        src = f"source-{source:03d}"
        population = rng.choice(POPULATIONS)
        if kind == "adverse":
            pa, pb, at_risk = rng.randint(1, 30), rng.randint(1, 30), rng.randint(50, 400)
            quote = f"In group {group} of study {sid}, {pa}% of {at_risk} patients had a second cancer, against {pb}% with observation."
            rows = [dict(arm_id=a, comparator_arm_id=b, statistic="percentage", direction="higher-in-arm" if pa > pb else "lower-in-arm"),
                    dict(arm_id=a, statistic="percentage", value=pa, unit="percent", at_risk=at_risk),
                    dict(arm_id=b, statistic="percentage", value=pb, unit="percent")]
            for r in rows[: count - n]:
                w.row(adverse_event_id=f"{kind}-{n:08d}", study_id=sid, population=population, event="second-primary-malignancy",
                      source_id=src, quote=quote, caveat=caveat(rng, n), **r)
                n += 1
        else:
            ma, mb = round(rng.uniform(10, 60), 1), round(rng.uniform(5, 40), 1)
            hr, t = round(rng.uniform(0.3, 0.9), 2), rng.randint(12, 120)
            low, high, p = round(hr - 0.1, 2), round(hr + 0.1, 2), rng.choice(("0.001", "0.01", "0.03", "0.2"))
            reached = group % 9 != 0
            median_a = f"{ma} months" if reached else "not reached"
            quote = (f"Group {group} of {sid}: median survival was {median_a} with lenalidomide compared with {mb} months with observation "
                     f"(hazard ratio {hr}, 95% CI {low} to {high}; p = {p}) after {t} months; {int(ma)}% were alive.")
            endpoint = ENDPOINTS[group % len(ENDPOINTS)]
            rows = [dict(arm_id=a, comparator_arm_id=b, statistic="hazard-ratio", value=hr, unit="ratio", direction="lower-in-arm",
                         significance="significant", ci_lower=low, ci_upper=high, p_value=p),
                    dict(arm_id=a, statistic="median", **(dict(value=ma, unit="months") if reached else dict(qualifier="not-reached"))),
                    dict(arm_id=b, statistic="median", value=mb, unit="months", qualifier="about" if group % 5 == 0 else None),
                    dict(statistic="percentage", value=int(ma), unit="percent", time_value=t, time_unit="months"),
                    dict(arm_id=a, comparator_arm_id=b, statistic="not-stated", direction="higher-in-arm"),
                    dict(statistic="qualitative", finding=f"Maintenance helped in group {group}, the authors say.")]
            for r in rows[: count - n]:
                w.row(outcome_id=f"{kind}-{n:08d}", study_id=sid, population=population, endpoint=endpoint,
                      source_id=src, quote=quote, caveat=caveat(rng, n), **r)
                n += 1
        seeds[source].append(quote)
        group += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the folder to write (replaced if it exists)")
    parser.add_argument("--outcomes", type=int, default=10_000, help="rows of outcomes.csv (adverse events: a tenth)")
    parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same package")
    args = parser.parse_args()
    generate(args.out, args.outcomes, args.seed)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
