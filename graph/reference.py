"""Reference data: the ontology, the SHACL shapes, countries, GCM objectives, organizations.

Sources (all public facts, each file under ``ontology/`` notes its own source):

* countries: ISO 3166-1 from pycountry (alpha-2, alpha-3, numeric = UN M49 for countries),
  UN-style names and variants from ``ontology/country-names.csv``, areas without an ISO code
  (Kosovo) from ``ontology/non-iso-areas.csv``;
* GCM objectives and IMRF clusters: ``ontology/gcm-objectives.ttl`` (A/RES/73/195, A/RES/73/326);
* organizations: ``ontology/organizations.yaml``.

Loaders are cached and return immutable records; the graph builders return a fresh
``rdflib.Graph`` on every call (callers may add to it) with no blank nodes, built in a fixed
order so that two builds are identical.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pycountry
import yaml
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from graph.config import ONTOLOGY_DIR
from graph.namespaces import ORG, SCHEMA, vocab

ONTOLOGY_FILE = ONTOLOGY_DIR / "migkg.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
GCM_FILE = ONTOLOGY_DIR / "gcm-objectives.ttl"
COUNTRY_NAMES_FILE = ONTOLOGY_DIR / "country-names.csv"
NON_ISO_AREAS_FILE = ONTOLOGY_DIR / "non-iso-areas.csv"
ORGANIZATIONS_FILE = ONTOLOGY_DIR / "organizations.yaml"

VANN = Namespace("http://purl.org/vocab/vann/")

ORGANIZATION_TYPES = (
    "un-agency",
    "un-entity",
    "igo",
    "ngo",
    "government",
    "company",
    "network",
    "regional-body",
    "academic",
    "other",
)
# Types whose members are legally constituted bodies (org:FormalOrganization).
FORMAL_ORGANIZATION_TYPES = frozenset(ORGANIZATION_TYPES) - {"network", "other"}

# Programme subkinds (Entity.subkind) and the ont: subclass of ont:Programme each gets.
PROGRAMME_CLASSES = {
    "programme": "Programme",
    "project": "Project",
    "fund": "Fund",
    "facility": "Fund",
    "initiative": "Initiative",
    "tool": "Tool",
    "network": "Network",
    "platform": "Platform",
    "framework": "Framework",
    "publication": "Publication",
}

WORLD_KEY = "area/world"
WORLD_M49 = "001"  # UN M49 code of the world
# Linked-data IRIs of ISO 3166 countries, by alpha-3 code (a widely linked authority table).
EU_COUNTRY_AUTHORITY = "http://publications.europa.eu/resource/authority/country/"


# --- records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryRef:
    key: str  # "country/AFG"
    iso2: str
    iso3: str
    m49: str | None  # None where the UN M49 standard has no code (Kosovo, Taiwan)
    name: str  # preferred UN-style short name
    names: tuple[str, ...]  # every name to recognise, preferred first
    note: str | None = None


@dataclass(frozen=True)
class ObjectiveRef:
    number: int
    key: str  # "gcm/objective/2"
    title: str  # official title, A/RES/73/195
    cluster: str  # "I".."IV"


@dataclass(frozen=True)
class OrganizationRef:
    key: str  # "organization/iom"
    label: str
    acronyms: tuple[str, ...]
    names: tuple[str, ...]
    type: str


# --- name normalisation ------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_DASHES = re.compile(r"[\u2010-\u2015\-]+")


def normalise_name(name: str) -> str:
    """Comparison key of a name: no accents, case, apostrophe style, dashes or leading "the"."""
    text = unicodedata.normalize("NFKD", name.translate(_APOSTROPHES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _DASHES.sub(" ", text.casefold())
    text = " ".join(text.split())
    return text[4:] if text.startswith("the ") else text


def _with_apostrophe_variants(names: Iterable[str]) -> list[str]:
    """Names plus their typographic-apostrophe spelling (reports use both ' and ’)."""
    out: list[str] = []
    for name in names:
        for candidate in (name, name.replace("'", "\u2019")):
            if candidate not in out:
                out.append(candidate)
    return out


# --- countries ---------------------------------------------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file whose leading ``#`` lines are comments (source notes)."""
    with path.open(encoding="utf-8", newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]


@cache
def countries() -> tuple[CountryRef, ...]:
    """Every ISO 3166-1 country or area plus the areas of non-iso-areas.csv, by alpha-3."""
    extra_names: dict[str, list[str]] = {}
    preferred: dict[str, str] = {}
    for row in _read_csv(COUNTRY_NAMES_FILE):
        iso3, role, name = row["iso3"], row["role"], row["name"]
        if role == "preferred":
            if iso3 in preferred:
                raise ValueError(f"{COUNTRY_NAMES_FILE.name}: two preferred names for {iso3}")
            preferred[iso3] = name
        elif role in ("variant", "historical"):
            extra_names.setdefault(iso3, []).append(name)
        else:
            raise ValueError(f"{COUNTRY_NAMES_FILE.name}: unknown role {role!r} for {iso3}")

    records: list[CountryRef] = []
    for c in pycountry.countries:
        iso_names = [c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)]
        name = preferred.get(c.alpha_3, c.name)
        names = [name, *(n for n in iso_names if n), *extra_names.get(c.alpha_3, [])]
        # Taiwan's ISO numeric code is not part of UN M49.
        m49 = None if c.alpha_3 == "TWN" else c.numeric
        records.append(_country(c.alpha_3, c.alpha_2, m49, name, names, None))
    for row in _read_csv(NON_ISO_AREAS_FILE):
        iso3 = row["iso3"]
        name = preferred.get(iso3, row["name"])
        names = [name, row["name"], *extra_names.get(iso3, [])]
        records.append(
            _country(iso3, row["iso2"], row["m49"] or None, name, names, row["note"] or None)
        )
    known = {r.iso3 for r in records}
    unknown = (set(preferred) | set(extra_names)) - known
    if unknown:
        raise ValueError(f"{COUNTRY_NAMES_FILE.name}: unknown codes {sorted(unknown)}")
    return tuple(sorted(records, key=lambda r: r.iso3))


def _country(
    iso3: str, iso2: str, m49: str | None, name: str, names: list[str], note: str | None
) -> CountryRef:
    unique: list[str] = []
    for n in _with_apostrophe_variants(names):
        if n not in unique:
            unique.append(n)
    return CountryRef(f"country/{iso3}", iso2, iso3, m49, name, tuple(unique), note)


@cache
def _countries_by_name() -> dict[str, CountryRef]:
    index: dict[str, CountryRef] = {}
    for country in countries():
        for name in country.names:
            key = normalise_name(name)
            other = index.setdefault(key, country)
            if other is not country:
                raise ValueError(
                    f"country name {name!r} is ambiguous: {other.iso3} and {country.iso3}"
                )
    return index


@cache
def _countries_by_code() -> dict[str, CountryRef]:
    index: dict[str, CountryRef] = {}
    for c in countries():
        for code in (c.iso3, c.iso2, c.m49, c.key):
            if code:
                index[code.upper()] = c
    return index


def country_by_name(name: str) -> CountryRef | None:
    """The country a name denotes (exact name, ignoring case, accents and a leading "the")."""
    return _countries_by_name().get(normalise_name(name))


def country_by_code(code: str) -> CountryRef | None:
    """The country of an ISO alpha-2/alpha-3 code, an M49 code or a key ("country/AFG")."""
    code = code.strip()
    if code.isdigit():
        code = code.zfill(3)
    if code.lower().startswith("country/"):
        code = "COUNTRY/" + code[len("country/") :]
    return _countries_by_code().get(code.upper())


# --- GCM ---------------------------------------------------------------------------------

_PARSE_BASE = "http://reference.invalid/"  # any base will do to read the file's own structure


@cache
def _gcm_file_graph() -> Graph:
    return Graph().parse(GCM_FILE, format="turtle", publicID=_PARSE_BASE)


@cache
def objectives() -> tuple[ObjectiveRef, ...]:
    """The 23 GCM objectives in order, with official titles and IMRF cluster."""
    g = _gcm_file_graph()
    ont = vocab(_PARSE_BASE).ont
    records = []
    for subject in g.subjects(RDF.type, ont.GCMObjective):
        number = int(str(g.value(subject, SKOS.notation)))
        cluster = g.value(subject, ont.cluster)
        records.append(
            ObjectiveRef(
                number=number,
                key=f"gcm/objective/{number}",
                title=str(g.value(subject, SKOS.prefLabel)),
                cluster=str(cluster).rsplit("/", 1)[-1] if cluster else "",
            )
        )
    return tuple(sorted(records, key=lambda o: o.number))


def clusters() -> dict[str, tuple[int, ...]]:
    """Cluster numeral -> objective numbers, e.g. {"I": (2, 5, 6, 12, 18), ...}."""
    out: dict[str, list[int]] = {}
    for o in objectives():
        out.setdefault(o.cluster, []).append(o.number)
    order = ("I", "II", "III", "IV")
    return {
        c: tuple(out[c]) for c in sorted(out, key=lambda c: order.index(c) if c in order else 99)
    }


# --- organizations -----------------------------------------------------------------------


@cache
def organizations() -> tuple[OrganizationRef, ...]:
    """The organizations of organizations.yaml, in file order."""
    entries = yaml.safe_load(ORGANIZATIONS_FILE.read_text(encoding="utf-8"))
    records = []
    for e in entries:
        if e.get("type") not in ORGANIZATION_TYPES:
            raise ValueError(
                f"{ORGANIZATIONS_FILE.name}: {e.get('key')}: bad type {e.get('type')!r}"
            )
        records.append(
            OrganizationRef(
                key=f"organization/{e['key']}",
                label=e["label"],
                acronyms=tuple(e.get("acronyms") or ()),
                names=tuple(
                    n
                    for n in _with_apostrophe_variants([e["label"], *(e.get("names") or ())])
                    if n != e["label"]
                ),
                type=e["type"],
            )
        )
    keys = [r.key for r in records]
    if len(keys) != len(set(keys)):
        raise ValueError(f"{ORGANIZATIONS_FILE.name}: duplicate keys")
    return tuple(records)


@cache
def _organizations_by_name() -> tuple[dict[str, OrganizationRef], dict[str, OrganizationRef]]:
    by_acronym: dict[str, OrganizationRef] = {}
    by_name: dict[str, OrganizationRef] = {}
    for org in organizations():
        for acronym in org.acronyms:
            by_acronym.setdefault(acronym, org)
        for name in (org.label, *org.names):
            by_name.setdefault(normalise_name(name), org)
    return by_acronym, by_name


def organization_by_name(name: str) -> OrganizationRef | None:
    """The organization a full name (case-insensitive) or acronym (exact case) denotes."""
    by_acronym, by_name = _organizations_by_name()
    return by_acronym.get(name.strip()) or by_name.get(normalise_name(name))


# --- graphs ------------------------------------------------------------------------------


def _parse_relative(path: Path, base: str) -> Graph:
    """A Turtle file whose IRIs are relative to the base (``<ontology#>`` -> {base}ontology#)."""
    v = vocab(base)
    g = Graph()
    for prefix, ns in v.prefixes().items():
        g.bind(prefix, ns, override=True, replace=True)
    g.parse(path, format="turtle", publicID=v.base)
    return g


def ontology_graph(base: str) -> Graph:
    """The ontology (ontology/migkg.ttl) with IRIs under ``base``."""
    v = vocab(base)
    g = _parse_relative(ONTOLOGY_FILE, v.base)
    g.add((URIRef(v.ontology_iri), VANN.preferredNamespaceUri, Literal(str(v.ont))))
    return g


def shapes_graph(base: str) -> Graph:
    """The SHACL shapes (ontology/shapes.ttl) with IRIs under ``base``.

    The only graph here with blank nodes: SHACL lists (sh:in, sh:or) need them.  It is used
    for validation, not loaded into the store.
    """
    g = _parse_relative(SHAPES_FILE, base)
    g.bind("shape", vocab(base).base + "shapes#")
    return g


def reference_graph(base: str) -> Graph:
    """Countries, the world area, the GCM scheme and the known organizations."""
    v = vocab(base)
    g = Graph()
    for prefix, ns in v.prefixes().items():
        g.bind(prefix, ns, override=True, replace=True)
    for triple in _reference_triples(v.base):
        g.add(triple)
    return g


@cache
def _reference_triples(base: str) -> tuple[tuple, ...]:
    v = vocab(base)
    g = _parse_relative(GCM_FILE, v.base)
    triples: list[tuple] = list(g)
    triples.extend(_country_triples(v.base))
    triples.extend(_organization_triples(v.base))
    return tuple(triples)


def _country_triples(base: str) -> Iterator[tuple]:
    v = vocab(base)
    ont = v.ont
    world = URIRef(v.entity(WORLD_KEY))
    yield from (
        (world, RDF.type, ont.Area),
        (world, RDF.type, SCHEMA.Place),
        (world, RDF.type, DCTERMS.Location),
        (world, RDFS.label, Literal("World", lang="en")),
        (world, SKOS.prefLabel, Literal("World", lang="en")),
        (world, SKOS.notation, Literal(WORLD_M49)),
        (world, ont.m49, Literal(WORLD_M49)),
    )
    for c in countries():
        s = URIRef(v.entity(c.key))
        yield (s, RDF.type, ont.Country)
        yield (s, RDF.type, SCHEMA.Country)
        yield (s, RDFS.label, Literal(c.name, lang="en"))
        yield (s, SKOS.prefLabel, Literal(c.name, lang="en"))
        for name in c.names:
            if name != c.name:
                yield (s, SKOS.altLabel, Literal(name, lang="en"))
        yield (s, SKOS.notation, Literal(c.iso3))
        yield (s, ont.iso2, Literal(c.iso2))
        yield (s, ont.iso3, Literal(c.iso3))
        if c.m49:
            yield (s, ont.m49, Literal(c.m49))
        if pycountry.countries.get(alpha_3=c.iso3) is not None:
            # the EU Publications Office country authority names ISO countries by alpha-3
            yield (s, SKOS.exactMatch, URIRef(EU_COUNTRY_AUTHORITY + c.iso3))
        if c.note:
            yield (s, SKOS.note, Literal(c.note, lang="en"))


def _organization_triples(base: str) -> Iterator[tuple]:
    v = vocab(base)
    ont = v.ont
    for o in organizations():
        s = URIRef(v.entity(o.key))
        yield (s, RDF.type, ont.Organization)
        yield (s, RDF.type, ORG.Organization)
        yield (s, RDF.type, SCHEMA.Organization)
        if o.type in FORMAL_ORGANIZATION_TYPES:
            yield (s, RDF.type, ORG.FormalOrganization)
        yield (s, RDFS.label, Literal(o.label, lang="en"))
        yield (s, SKOS.prefLabel, Literal(o.label, lang="en"))
        for acronym in o.acronyms:
            yield (s, ont.acronym, Literal(acronym))
            yield (s, SKOS.altLabel, Literal(acronym))
        for name in o.names:
            yield (s, SKOS.altLabel, Literal(name, lang="en"))
        yield (s, ont.organizationType, Literal(o.type))
