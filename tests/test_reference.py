"""Reference data, ontology and shapes: loaded from ontology/ and checked for consistency."""

from __future__ import annotations

import re

import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from graph import reference
from graph.config import ONTOLOGY_DIR, SEEDS_DIR
from graph.namespaces import ORG, QB, vocab

BASE = "http://127.0.0.1:8000/"
OTHER_BASE = "https://example.org/kg/"  # a base with a path: relative IRIs must follow it
VANN = "http://purl.org/vocab/vann/"


# --- ontology ------------------------------------------------------------------------------


def test_relative_iris_resolve_against_the_base() -> None:
    g = reference.ontology_graph(OTHER_BASE)
    v = vocab(OTHER_BASE)
    assert (URIRef(OTHER_BASE + "ontology"), RDF.type, OWL.Ontology) in g
    assert (v.ont.Country, RDF.type, OWL.Class) in g
    assert not any(str(s).startswith("http://127.0.0.1") for s in g.subjects())
    assert dict(g.namespaces())["ont"] == URIRef(OTHER_BASE + "ontology#")


def test_ontology_header() -> None:
    g = reference.ontology_graph(BASE)
    onto = URIRef(BASE + "ontology")
    for prop in (DCTERMS.title, DCTERMS.description, OWL.versionInfo, DCTERMS.license):
        assert g.value(onto, prop) is not None, prop
    assert g.value(onto, URIRef(VANN + "preferredNamespacePrefix")) == Literal("ont")
    assert g.value(onto, URIRef(VANN + "preferredNamespaceUri")) == Literal(BASE + "ontology#")


def _readme_terms() -> set[str]:
    text = (ONTOLOGY_DIR / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"\bont:([A-Za-z][A-Za-z0-9]*)", text))


def test_every_readme_term_is_declared_labelled_and_aligned() -> None:
    g = reference.ontology_graph(BASE)
    ont = vocab(BASE).ont
    terms = _readme_terms()
    assert {"Country", "Observation", "iso3", "contributesTo"} <= terms  # the scan works
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    individuals = {QB.DataStructureDefinition}  # e.g. ont:quantityStructure
    for name in sorted(terms):
        term = ont[name]
        types = set(g.objects(term, RDF.type))
        assert types & (kinds | individuals), f"ont:{name} is not declared"
        assert g.value(term, RDFS.label) is not None, f"ont:{name} has no label"
        assert g.value(term, RDFS.comment) is not None, f"ont:{name} has no comment"
        if types & kinds:
            assert _aligned(g, term, str(ont)), f"ont:{name} is not aligned to a standard term"


def _aligned(g: Graph, term: URIRef, ont_ns: str, seen: frozenset = frozenset()) -> bool:
    """True if a chain of subClassOf/subPropertyOf reaches a term outside the project."""
    for parent in [*g.objects(term, RDFS.subClassOf), *g.objects(term, RDFS.subPropertyOf)]:
        if not str(parent).startswith(ont_ns):
            return True
        if parent not in seen and _aligned(g, parent, ont_ns, seen | {term}):
            return True
    return False


def test_programme_kinds_are_subclasses_of_programme() -> None:
    g = reference.ontology_graph(BASE)
    ont = vocab(BASE).ont
    for local in set(reference.PROGRAMME_CLASSES.values()) - {"Programme"}:
        assert (ont[local], RDFS.subClassOf, ont.Programme) in g, local


def test_ontology_and_reference_graphs_have_no_blank_nodes() -> None:
    for g in (reference.ontology_graph(BASE), reference.reference_graph(BASE)):
        assert not [t for t in g if any(isinstance(x, BNode) for x in t)]


def test_reference_graph_is_deterministic_and_fresh() -> None:
    a, b = reference.reference_graph(BASE), reference.reference_graph(BASE)
    assert set(a) == set(b)
    a.add((URIRef(BASE + "x"), RDFS.label, Literal("x")))
    assert len(reference.reference_graph(BASE)) == len(b)  # callers cannot pollute the cache


def test_shapes_are_valid_shacl() -> None:
    shapes = reference.shapes_graph(BASE)
    conforms, _, text = pyshacl_validate(Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text


# --- countries -----------------------------------------------------------------------------


def test_countries_cover_iso_and_kosovo() -> None:
    cs = reference.countries()
    assert len(cs) >= 250
    assert len({c.key for c in cs}) == len(cs)
    kosovo = reference.country_by_code("XK")
    assert kosovo is not None and kosovo.iso3 == "XKX" and kosovo.m49 is None
    assert "1244" in (kosovo.note or "")
    for c in cs:
        assert re.fullmatch(r"[A-Z]{3}", c.iso3) and re.fullmatch(r"[A-Z]{2}", c.iso2)
        assert c.m49 is None or re.fullmatch(r"[0-9]{3}", c.m49)
        assert c.key == f"country/{c.iso3}" and c.names[0] == c.name


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("the Bolivarian Republic of Venezuela", "VEN"),
        ("Venezuela (Bolivarian Republic of)", "VEN"),
        ("Bolivia (Plurinational State of)", "BOL"),
        ("the Niger", "NER"),
        ("Niger", "NER"),
        ("Nigeria", "NGA"),
        ("the Sudan", "SDN"),
        ("South Sudan", "SSD"),
        ("the Gambia", "GMB"),
        ("the Congo", "COG"),
        ("Democratic Republic of the Congo", "COD"),
        ("Federated States of Micronesia", "FSM"),
        ("Micronesia (Federated States of)", "FSM"),
        ("United Republic of Tanzania", "TZA"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("Côte d'Ivoire", "CIV"),
        ("Côte d\u2019Ivoire", "CIV"),
        ("COTE D'IVOIRE", "CIV"),
        ("Republic of Moldova", "MDA"),
        ("Republic of Korea", "KOR"),
        ("Democratic People's Republic of Korea", "PRK"),
        ("Iran (Islamic Republic of)", "IRN"),
        ("Islamic Republic of Iran", "IRN"),
        ("Lao People's Democratic Republic", "LAO"),
        ("Syrian Arab Republic", "SYR"),
        ("Viet Nam", "VNM"),
        ("Czechia", "CZE"),
        ("North Macedonia", "MKD"),
        ("Eswatini", "SWZ"),
        ("Swaziland", "SWZ"),
        ("Cabo Verde", "CPV"),
        ("State of Palestine", "PSE"),
        ("Holy See", "VAT"),
        ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
        ("United Kingdom", "GBR"),
        ("United States of America", "USA"),
        ("United States", "USA"),
        ("Russian Federation", "RUS"),
        ("Guinea", "GIN"),
        ("Papua New Guinea", "PNG"),
        ("Equatorial Guinea", "GNQ"),
        ("Guinea-Bissau", "GNB"),
        ("Dominica", "DMA"),
        ("Dominican Republic", "DOM"),
        ("Kosovo", "XKX"),
    ],
)
def test_country_by_name(name: str, iso3: str) -> None:
    country = reference.country_by_name(name)
    assert country is not None, name
    assert country.iso3 == iso3


def test_country_by_name_rejects_non_countries() -> None:
    for name in ("Africa", "Korea", "IOM", "", "the"):
        assert reference.country_by_name(name) is None, name


def test_un_names_are_preferred_and_variants_kept() -> None:
    expected = {
        "VEN": "Venezuela (Bolivarian Republic of)",
        "GBR": "United Kingdom of Great Britain and Northern Ireland",
        "COD": "Democratic Republic of the Congo",
        "KOR": "Republic of Korea",
        "TZA": "United Republic of Tanzania",
        "TUR": "Türkiye",
    }
    for iso3, name in expected.items():
        c = reference.country_by_code(iso3)
        assert c is not None and c.name == name
    assert "the Niger" in reference.country_by_code("NER").names
    assert "Côte d\u2019Ivoire" in reference.country_by_code("CIV").names
    # pycountry's inverted ISO names ("Korea, Republic of") never become the display name
    inverted = [c.name for c in reference.countries() if re.search(r", .* of$|, The ", c.name)]
    assert not inverted


def test_country_by_code_accepts_every_code_form() -> None:
    for code in ("AF", "af", "AFG", "4", "004", "country/AFG"):
        c = reference.country_by_code(code)
        assert c is not None and c.iso3 == "AFG", code
    assert reference.country_by_code("ZZZ") is None


def test_nationality_tables_in_the_seeds_resolve() -> None:
    """Every row label of a "Country of nationality" table names a known country."""
    unresolved = set()
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        in_table = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("Country of nationality"):
                in_table = True
                continue
            if not line.strip() or "\t" not in line:
                in_table = in_table and bool(line.strip() == "")
                continue
            first = re.sub(r"</?b>", "", line.split("\t")[0]).strip()
            known = first in ("", "Total", "Other") or reference.country_by_name(first)
            if in_table and not known:
                unresolved.add(first)
    assert not unresolved


# --- GCM -----------------------------------------------------------------------------------


def test_objectives_and_clusters() -> None:
    objs = reference.objectives()
    assert [o.number for o in objs] == list(range(1, 24))
    assert objs[0].key == "gcm/objective/1"
    assert objs[22].title == (
        "Strengthen international cooperation and global partnerships for safe, orderly and regular migration"
    )
    assert reference.clusters() == {
        "I": (2, 5, 6, 12, 18),
        "II": (4, 8, 9, 10, 11, 13, 14, 21),
        "III": (15, 16, 19, 20, 22),
        "IV": (1, 3, 7, 17, 23),
    }


def test_gcm_scheme_in_reference_graph() -> None:
    g = reference.reference_graph(BASE)
    v = vocab(BASE)
    scheme = URIRef(v.entity("gcm"))
    objective = URIRef(v.entity("gcm/objective/2"))
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    assert (scheme, SKOS.hasTopConcept, objective) in g
    assert (objective, SKOS.notation, Literal("2")) in g
    assert (objective, SKOS.relatedMatch, URIRef("http://metadata.un.org/sdg/10.7")) in g
    assert (objective, v.ont.cluster, URIRef(v.entity("gcm/cluster/I"))) in g
    assert (URIRef(v.entity("gcm/cluster/I")), SKOS.member, objective) in g


# --- organizations -------------------------------------------------------------------------


def test_organizations_are_many_unique_and_typed() -> None:
    orgs = reference.organizations()
    assert len(orgs) >= 150
    assert len({o.key for o in orgs}) == len(orgs)
    assert all(o.type in reference.ORGANIZATION_TYPES for o in orgs)
    acronyms = [a for o in orgs for a in o.acronyms]
    assert len(acronyms) == len(set(acronyms)), "an acronym names two organizations"


def test_no_acronym_is_a_country_name() -> None:
    clashes = [
        a for o in reference.organizations() for a in o.acronyms if reference.country_by_name(a)
    ]
    assert not clashes


def test_well_known_organizations_present() -> None:
    for acronym in ("IOM", "UNHCR", "UNICEF", "UNDP", "WHO", "ILO", "OCHA", "UNODC", "UNFCCC", "FAO",
                    "WFP", "UNFPA", "UN-Women", "UN-Habitat", "UNOPS", "UNEP", "UNESCO", "IGAD", "AU",
                    "ECOWAS", "SADC", "EU", "OECD", "GFMD", "IASC", "IFRC", "ICRC", "UNNM"):  # fmt: skip
        assert reference.organization_by_name(acronym) is not None, acronym
    iom = reference.organization_by_name("International Organization for Migration")
    assert iom is not None and iom.key == "organization/iom" and iom.type == "un-agency"
    assert reference.organization_by_name("the Network").key == "organization/unnm"
    assert reference.organization_by_name("World Bank").key == "organization/world-bank"
    assert reference.organization_by_name("who") is None  # acronyms match case-sensitively


def test_organizations_in_reference_graph() -> None:
    g = reference.reference_graph(BASE)
    v = vocab(BASE)
    iom = URIRef(v.entity("organization/iom"))
    for t in (v.ont.Organization, ORG.Organization, ORG.FormalOrganization):
        assert (iom, RDF.type, t) in g
    assert (iom, v.ont.acronym, Literal("IOM")) in g
    assert (iom, v.ont.organizationType, Literal("un-agency")) in g
    network = URIRef(v.entity("organization/unnm"))
    assert (network, RDF.type, ORG.FormalOrganization) not in g


def test_countries_in_reference_graph() -> None:
    g = reference.reference_graph(BASE)
    v = vocab(BASE)
    afg = URIRef(v.entity("country/AFG"))
    assert g.value(afg, v.ont.iso2) == Literal("AF")
    assert g.value(afg, v.ont.iso3) == Literal("AFG")
    assert g.value(afg, v.ont.m49) == Literal("004")
    assert g.value(afg, SKOS.notation) == Literal("AFG")
    ner = URIRef(v.entity("country/NER"))
    assert (ner, SKOS.altLabel, Literal("the Niger", lang="en")) in g
    kosovo = URIRef(v.entity("country/XKX"))
    assert g.value(kosovo, SKOS.note) is not None
    world = URIRef(v.entity(reference.WORLD_KEY))
    assert (world, RDF.type, v.ont.Area) in g


def test_iso_countries_link_to_the_eu_country_authority() -> None:
    from rdflib import URIRef
    from rdflib.namespace import SKOS

    from graph import reference

    g = reference.reference_graph("http://example.org/")
    afg = URIRef("http://example.org/id/country/AFG")
    assert (afg, SKOS.exactMatch, URIRef(reference.EU_COUNTRY_AUTHORITY + "AFG")) in g
    kosovo = URIRef("http://example.org/id/country/XKX")
    assert (kosovo, SKOS.prefLabel, None) in g
    assert (kosovo, SKOS.exactMatch, None) not in g  # not an ISO 3166-1 country
