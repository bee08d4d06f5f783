"""Deterministic synthetic graph with the shape of a migration-kg build, for benchmarks.

    .venv/bin/python bench/gen_data.py --scale 1 -o bench/out/s1.nq      # ~20k quads
    .venv/bin/python bench/gen_data.py --scale 53 -o bench/out/s53.nq    # ~1M quads

The shape follows ontology/README.md: the reference graph holds real countries (pycountry),
the organizations of ontology/organizations.yaml and the GCM scheme of
ontology/gcm-objectives.ttl; every synthetic document gets its own named graph
``{base}graph/<doc>`` with the document, sections, passages (``rdf:value`` text,
``schema:mentions``), Web Annotation mentions, programmes, measures/units, RDF Data Cube
observations (refArea, refPeriod, ont:year, obsValue, unitMeasure, ont:measure,
ont:programme, prov:wasDerivedFrom a passage) and reified statements.

Same scale + seed + reference files -> byte-identical output.  ``.nq`` keeps the named
graphs (what ``migkg build`` publishes); ``.nt`` writes the same triples without graph
names (for engines and tools that want a single default graph); ``.gz`` compresses.
A sidecar ``<out>.params.json`` holds the parameter sets the query templates draw from,
with the same set names as the shared harness (entity, term, measure, objective_country,
class, programme) plus ``entity_path``, ``search_path`` and ``class_path`` (paths of the
HTML entity, search and class-listing pages of our server).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pycountry
import pyoxigraph as ox
import yaml

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
DEFAULT_BASE = "http://127.0.0.1:8000/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
QB = "http://purl.org/linked-data/cube#"
DCAT = "http://www.w3.org/ns/dcat#"
OA = "http://www.w3.org/ns/oa#"
SDMX_DIM = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_MEAS = "http://purl.org/linked-data/sdmx/2009/measure#"
SDMX_ATTR = "http://purl.org/linked-data/sdmx/2009/attribute#"
TYPE = RDF + "type"
YEAR_IRI = "http://reference.data.gov.uk/id/year/"
# Per synthetic document (4 per unit of scale): ~18.8k quads per unit, ~3.9k fixed reference.
PASSAGES_PER_DOC = 125
OBSERVATIONS_PER_DOC = 102

# Synthetic vocabulary (not facts): measures with their unit and value range, programme themes.
MEASURES = [
    ("people-reached", "people reached", "persons", (100, 2_000_000)),
    ("migrants-assisted", "migrants assisted", "persons", (10, 250_000)),
    ("returns-supported", "returns supported", "persons", (10, 100_000)),
    ("internally-displaced-persons", "internally displaced persons", "persons", (100, 3_000_000)),
    ("victims-of-trafficking-assisted", "victims of trafficking assisted", "persons", (1, 5_000)),
    ("missing-migrants-recorded", "missing migrants recorded", "persons", (1, 3_000)),
    ("funding", "funding", "usd", (10_000, 80_000_000)),
    ("expenditure", "expenditure", "usd", (10_000, 50_000_000)),
    ("staff", "staff", "persons", (1, 15_000)),
    ("offices", "offices", "offices", (1, 600)),
    ("share-of-women", "share of women", "per-cent", (1, 100)),
    ("countries-covered", "countries covered", "countries", (1, 180)),
]
UNITS = {"persons": "persons", "usd": "USD", "per-cent": "per cent", "offices": "offices",
         "countries": "countries"}  # fmt: skip
THEMES = [
    "Migration Health", "Displacement Tracking", "Counter-Trafficking", "Labour Mobility",
    "Border Management", "Return and Reintegration", "Shelter and Settlements",
    "Climate Mobility", "Diaspora Engagement", "Remittances", "Protection", "Resettlement",
    "Community Stabilization", "Migration Data", "Legal Identity", "Missing Migrants",
]  # fmt: skip
PROGRAMME_KINDS = ["Project", "Fund", "Initiative", "Tool", "Network"]
DOC_KINDS = ["Annual Report", "Situation Report", "Country Profile", "Progress Report",
             "Programme Evaluation", "Needs Assessment", "Policy Brief", "Donor Report"]  # fmt: skip
PASSAGE_KINDS = ["paragraph", "paragraph", "paragraph", "box", "footnote", "table-row", "text"]
YEARS = list(range(2012, 2025))
# Label-search terms: frequent (LIMIT 20 met early), rare, and ones that match nothing.
SEARCH_TERMS = [
    "migra", "health", "iom", "return", "displace", "border", "unicef", "traffick", "remitt",
    "côte", "türk", "shelter", "labour", "viet", "refugee", "climate", "diaspora", "programme",
    "report", "kenya", "yemen", "assessment", "protection", "world", "legal identity",
    "regular pathways", "objective 23", "zzz-no-match", "xylophone", "quux",
]  # fmt: skip


def literal(text: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


def en(text: str) -> str:
    return literal(text, lang="en")


def integer(value: int) -> str:
    return literal(str(value), datatype=XSD + "integer")


def decimal(value: float) -> str:
    return literal(f"{value:.2f}", datatype=XSD + "decimal")


class QuadWriter:
    """Streams N-Quads (or N-Triples when graph names are dropped) to a text handle."""

    def __init__(self, handle, with_graphs: bool) -> None:
        self.handle = handle
        self.with_graphs = with_graphs
        self.graph = ""
        self.count = 0

    def add(self, s: str, p: str, o: str) -> None:
        """``s``/``p`` are IRIs; ``o`` is an IRI or an already formatted literal."""
        obj = o if o.startswith('"') else f"<{o}>"
        graph = f" <{self.graph}>" if self.with_graphs and self.graph else ""
        self.handle.write(f"<{s}> <{p}> {obj}{graph} .\n")
        self.count += 1


def reference_data(base: str, w: QuadWriter) -> dict:
    """Countries, organizations and the GCM scheme, as the build's reference graph has them."""
    ont = base + "ontology#"
    w.graph = base + "graph/reference"
    countries = []
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        iri = f"{base}id/country/{country.alpha_3}"
        countries.append((iri, country.name))
        name = getattr(country, "common_name", None) or country.name
        for t in (ont + "Country", SCHEMA + "Country"):
            w.add(iri, TYPE, t)
        w.add(iri, RDFS + "label", en(name))
        w.add(iri, SKOS + "prefLabel", en(name))
        if name != country.name:
            w.add(iri, SKOS + "altLabel", en(country.name))
        w.add(iri, SKOS + "notation", literal(country.alpha_3))
        w.add(iri, ont + "iso2", literal(country.alpha_2))
        w.add(iri, ont + "iso3", literal(country.alpha_3))
        w.add(iri, ont + "m49", literal(country.numeric))
    orgs = []
    entries = yaml.safe_load((ONTOLOGY / "organizations.yaml").read_text(encoding="utf-8"))
    for entry in entries:
        iri = f"{base}id/organization/{entry['key']}"
        orgs.append((iri, entry["label"]))
        for t in (ont + "Organization", ORG + "Organization", SCHEMA + "Organization"):
            w.add(iri, TYPE, t)
        w.add(iri, RDFS + "label", en(entry["label"]))
        w.add(iri, SKOS + "prefLabel", en(entry["label"]))
        for acronym in entry.get("acronyms") or []:
            w.add(iri, SKOS + "altLabel", literal(acronym))
            w.add(iri, ont + "acronym", literal(acronym))
        w.add(iri, ont + "organizationType", literal(entry.get("type", "other")))
    objectives = []
    gcm = ox.parse(path=str(ONTOLOGY / "gcm-objectives.ttl"), base_iri=base)
    for triple in sorted(gcm, key=str):
        s, p, o = triple.subject, triple.predicate, triple.object
        w.add(s.value, p.value, o.value if isinstance(o, ox.NamedNode) else str(o))
        if p.value == TYPE and o.value == ont + "GCMObjective":
            objectives.append(s.value)
    return {"countries": countries, "orgs": orgs, "objectives": sorted(objectives)}


def generate(scale: float, seed: int, base: str, w: QuadWriter) -> dict:
    rng = random.Random(seed)
    ont = base + "ontology#"
    ref = reference_data(base, w)
    countries, orgs, objectives = ref["countries"], ref["orgs"], ref["objectives"]
    n_docs = max(1, round(4 * scale))
    n_programmes = max(1, round(60 * scale))
    iom = orgs[0][0]

    # measures and units are minted per build (not reference data): shared graph "measures"
    w.graph = base + "graph/measures"
    for key, label in UNITS.items():
        iri = f"{base}id/unit/{key}"
        w.add(iri, TYPE, ont + "Unit")
        w.add(iri, TYPE, SKOS + "Concept")
        w.add(iri, RDFS + "label", en(label))
    for key, label, _, _ in MEASURES:
        iri = f"{base}id/measure/{key}"
        w.add(iri, TYPE, ont + "Measure")
        w.add(iri, TYPE, SKOS + "Concept")
        w.add(iri, RDFS + "label", en(label))

    programmes = []  # (iri, [country iris], [objective iris])
    for k in range(n_programmes):
        iri = f"{base}id/programme/p{k:06d}"
        theme = rng.choice(THEMES)
        places = sorted({rng.randrange(len(countries)) for _ in range(rng.choice((1, 1, 2)))})
        goals = sorted({rng.randrange(len(objectives)) for _ in range(rng.choice((1, 2, 3)))})
        kind = rng.choice(PROGRAMME_KINDS)
        name = f"{theme} {kind} in {countries[places[0]][1]} ({k})"
        programmes.append((iri, [countries[i][0] for i in places], [objectives[i] for i in goals]))
        w.graph = f"{base}graph/doc-{k % n_docs:05d}"
        for t in (ont + "Programme", SCHEMA + "Project", ont + kind):
            w.add(iri, TYPE, t)
        w.add(iri, RDFS + "label", en(name))
        w.add(iri, SKOS + "altLabel", literal(f"{theme.split()[0].upper()}-{k:05d}"))
        w.add(iri, ont + "implementedBy", iom)
        if rng.random() < 0.4:
            w.add(iri, ont + "partner", rng.choice(orgs)[0])
        if rng.random() < 0.3:
            w.add(iri, ont + "fundedBy", rng.choice(orgs)[0])
        for place in places:
            w.add(iri, ont + "implementedIn", countries[place][0])
        for goal in goals:
            w.add(iri, ont + "contributesTo", objectives[goal])

    passage_iris: list[str] = []
    for d in range(n_docs):
        doc_key = f"doc-{d:05d}"
        doc = f"{base}id/document/{doc_key}"
        w.graph = f"{base}graph/{doc_key}"
        year = rng.choice(YEARS)
        home = rng.choice(countries)
        title = f"{rng.choice(DOC_KINDS)}: {home[1]} {year} (No. {d})"
        for t in (ont + "SourceDocument", SCHEMA + "Report", FOAF + "Document", PROV + "Entity"):
            w.add(doc, TYPE, t)
        w.add(doc, DCT + "title", en(title))
        w.add(doc, RDFS + "label", en(title))
        w.add(doc, DCT + "publisher", iom)
        w.add(doc, ont + "reportingYear", integer(year))
        w.add(doc, DCT + "source", literal(f"{doc_key}.txt"))
        w.add(doc, ont + "sha256", literal(hashlib.sha256(doc_key.encode()).hexdigest()))
        dataset = f"{base}id/dataset/{doc_key}"
        for t in (ont + "Dataset", QB + "DataSet", DCAT + "Dataset"):
            w.add(dataset, TYPE, t)
        w.add(dataset, RDFS + "label", en(f"Figures reported in {title}"))
        w.add(dataset, DCT + "source", doc)
        sections = []
        for s in range(8):
            section = f"{doc}/section/s{s + 1}"
            sections.append(section)
            w.add(section, TYPE, ont + "Section")
            w.add(section, RDFS + "label", en(f"{rng.choice(THEMES)} ({s + 1})"))
            w.add(section, DCT + "isPartOf", doc)
            w.add(section, ont + "order", integer(s + 1))
        doc_passages = []
        offset = 0
        for n in range(PASSAGES_PER_DOC):
            passage = f"{doc}/passage/para-{n + 1}"
            doc_passages.append(passage)
            country = rng.choice(countries)
            org = rng.choice(orgs)
            measure = MEASURES[rng.randrange(len(MEASURES))]
            text = (
                f"In {year}, {org[1]} and partners reported {measure[1]} in {country[1]}, "
                f"supporting {rng.choice(THEMES).lower()} for migrants and host communities."
            )
            kind = rng.choice(PASSAGE_KINDS)
            w.add(passage, TYPE, ont + "SourcePassage")
            w.add(passage, TYPE, PROV + "Entity")
            w.add(passage, RDF + "value", en(text))
            w.add(passage, DCT + "isPartOf", doc)
            w.add(passage, ont + "inSection", sections[n * len(sections) // PASSAGES_PER_DOC])
            w.add(passage, ont + "locator", literal(f"paragraph {n + 1}"))
            w.add(passage, ont + "passageKind", literal(kind))
            w.add(passage, ont + "paragraphNumber", integer(n + 1))
            w.add(passage, ont + "startOffset", integer(offset))
            w.add(passage, ont + "endOffset", integer(offset + len(text)))
            w.add(passage, ont + "order", integer(n + 1))
            offset += len(text) + 2
            for entity, exact in ((country[0], country[1]), (org[0], org[1])):
                w.add(passage, SCHEMA + "mentions", entity)
                if rng.random() < 0.5:  # about one Web Annotation per passage
                    write_mention(w, base, doc_key, passage, entity, exact, text)
        passage_iris.extend(doc_passages)

        for n in range(OBSERVATIONS_PER_DOC):
            key, label, unit, (low, high) = MEASURES[rng.randrange(len(MEASURES))]
            obs = f"{base}id/observation/{doc_key}/o{n:05d}"
            programme = rng.choice(programmes) if rng.random() < 0.7 else None
            area = rng.choice(programme[1]) if programme else rng.choice(countries)[0]
            obs_year = rng.choice(YEARS)
            value = (
                round(rng.uniform(low, high), 2)
                if unit == "per-cent"
                else float(int(low * (high / low) ** rng.random()))
            )
            passage = doc_passages[rng.randrange(len(doc_passages))]
            w.add(obs, TYPE, ont + "Observation")
            w.add(obs, TYPE, QB + "Observation")
            w.add(obs, QB + "dataSet", dataset)
            w.add(obs, SDMX_MEAS + "obsValue", decimal(value))
            w.add(obs, SDMX_ATTR + "unitMeasure", f"{base}id/unit/{unit}")
            w.add(obs, ont + "measure", f"{base}id/measure/{key}")
            w.add(obs, SDMX_DIM + "refArea", area)
            w.add(obs, SDMX_DIM + "refPeriod", f"{YEAR_IRI}{obs_year}")
            w.add(obs, ont + "year", integer(obs_year))
            if programme:
                w.add(obs, ont + "programme", programme[0])
            w.add(obs, ont + "quote", literal(f"{value:,.0f} {UNITS[unit]}"))
            w.add(obs, RDFS + "label", en(f"{label}: {value:,.0f} {UNITS[unit]} ({obs_year})"))
            w.add(obs, PROV + "wasDerivedFrom", passage)

        for n in range(6):  # reified relation statements with provenance
            programme = rng.choice(programmes)
            partner = rng.choice(orgs)[0]
            statement = f"{base}id/statement/{doc_key}/s{n:04d}"
            w.add(programme[0], ont + "partnerOf", partner)
            w.add(statement, TYPE, ont + "Statement")
            w.add(statement, TYPE, RDF + "Statement")
            w.add(statement, RDF + "subject", programme[0])
            w.add(statement, RDF + "predicate", ont + "partnerOf")
            w.add(statement, RDF + "object", partner)
            w.add(statement, PROV + "wasDerivedFrom", rng.choice(doc_passages))

    return parameter_sets(seed, base, countries, orgs, objectives, programmes, passage_iris)


def write_mention(
    w: QuadWriter, base: str, doc_key: str, passage: str, entity: str, exact: str, text: str
) -> None:
    digest = hashlib.sha1(f"{passage}|{entity}".encode()).hexdigest()[:12]
    mention = f"{base}id/mention/{doc_key}/{digest}"
    start = max(0, text.find(exact))
    w.add(mention, TYPE, ont_iri(base, "Mention"))
    w.add(mention, TYPE, OA + "Annotation")
    w.add(mention, OA + "hasBody", entity)
    w.add(mention, OA + "hasTarget", mention + "#target")
    w.add(mention, PROV + "wasDerivedFrom", passage)
    w.add(mention + "#target", TYPE, OA + "SpecificResource")
    w.add(mention + "#target", OA + "hasSource", passage)
    w.add(mention + "#target", OA + "hasSelector", mention + "#quote")
    w.add(mention + "#quote", TYPE, OA + "TextQuoteSelector")
    w.add(mention + "#quote", OA + "exact", literal(exact))
    w.add(mention + "#quote", OA + "prefix", literal(text[max(0, start - 20) : start]))
    w.add(
        mention + "#quote",
        OA + "suffix",
        literal(text[start + len(exact) : start + len(exact) + 20]),
    )


def ont_iri(base: str, local: str) -> str:
    return f"{base}ontology#{local}"


def parameter_sets(seed, base, countries, orgs, objectives, programmes, passages) -> dict:
    prng = random.Random(seed + 1)

    def sample(items: list, n: int) -> list:
        return list(items) if len(items) <= n else prng.sample(list(items), n)

    observations = [
        f"{base}id/observation/doc-{d:05d}/o{n:05d}"
        for d in range(max(1, len(passages) // PASSAGES_PER_DOC))
        for n in range(0, OBSERVATIONS_PER_DOC, 7)
    ]
    entities = (
        sample([c[0] for c in countries], 30)
        + sample([p[0] for p in programmes], 60)
        + sample(observations, 60)
        + sample([o[0] for o in orgs], 20)
        + sample(objectives, 10)
        + sample(passages, 20)
    )
    prng.shuffle(entities)
    combos = sorted({(o, c) for _, places, goals in programmes for c in places for o in goals})
    ont = base + "ontology#"
    classes = [ont + "Programme", QB + "Observation", ont + "SourcePassage",
               ont + "Organization", ont + "Country", ont + "SourceDocument", ont + "Mention"]  # fmt: skip
    return {
        "_doc": "Parameter sets for bench/queries/*.rq ('# bench:params=<set>'); "
        "entity_path = the /id/... path of each entity, for the HTML pages",
        "base": base,
        "entity": [{"ENTITY": f"<{e}>"} for e in entities],
        "entity_path": [{"PATH": e[len(base) - 1 :]} for e in entities if e.startswith(base)],
        "term": [{"TERM": t} for t in SEARCH_TERMS],
        "search_path": [{"PATH": f"/search?q={quote(t)}"} for t in SEARCH_TERMS],
        "class_path": [  # page 3 of 50 = the OFFSET 100 of query (e)
            {"PATH": f"/classes/{quote(prefixed(c, base))}?page=3"}
            for c in [ont + "Observation" if c == QB + "Observation" else c for c in classes]
        ],
        "measure": [{"MEASURE": f"<{base}id/measure/{m[0]}>"} for m in MEASURES],
        "objective_country": [
            {"OBJECTIVE": f"<{o}>", "COUNTRY": f"<{c}>"} for o, c in sample(combos, 150)
        ],
        "class": [{"CLASS": f"<{c}>"} for c in classes],
        "programme": [{"PROGRAMME": f"<{p[0]}>"} for p in sample(programmes, 150)],
        "_stats": {
            "countries": len(countries),
            "organizations": len(orgs),
            "objectives": len(objectives),
            "programmes": len(programmes),
            "passages": len(passages),
        },
    }


def prefixed(iri: str, base: str) -> str:
    for prefix, namespace in (("ont", base + "ontology#"), ("qb", QB)):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="1 ~ 20k quads, 53 ~ 1M")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--base-iri", default=DEFAULT_BASE)
    ap.add_argument("-o", "--out", required=True, help=".nq or .nt, optionally .gz")
    ap.add_argument("--params-out", help="default: <out without extensions>.params.json")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    suffixes = [s.lower() for s in out.suffixes]
    compressed = suffixes[-1:] == [".gz"]
    with_graphs = (suffixes[:-1] if compressed else suffixes)[-1:] != [".nt"]
    started = time.perf_counter()
    raw = (
        gzip.open(out, "wt", encoding="utf-8", compresslevel=3, newline="\n")  # noqa: SIM115
        if compressed
        else open(out, "w", encoding="utf-8", newline="\n", buffering=1 << 20)  # noqa: SIM115
    )
    with raw as handle:
        writer = QuadWriter(handle, with_graphs)
        params = generate(args.scale, args.seed, args.base_iri, writer)
    params["_stats"].update(quads=writer.count, scale=args.scale, seed=args.seed)
    params_path = (
        Path(args.params_out)
        if args.params_out
        else out.with_name(out.name.split(".")[0] + ".params.json")
    )
    params_path.write_text(json.dumps(params, indent=1, ensure_ascii=False), encoding="utf-8")
    summary = {"out": str(out), "quads": writer.count, "params": str(params_path),
               "seconds": round(time.perf_counter() - started, 2)}  # fmt: skip
    print(json.dumps(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
