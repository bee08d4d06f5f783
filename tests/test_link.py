"""Linking mentions to entities, relations and GCM objective links."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from test_recognise import make_document

from graph.link import Linked, link, sentences
from graph.model import Document, Passage
from graph.recognise import NameRecord, recognise

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def linked(*texts: str, **kwargs) -> Linked:
    doc = make_document(*texts, **kwargs)
    return link(doc, recognise(doc))


def triples(result: Linked) -> set[tuple[str, str, str]]:
    return {
        (r.subject_key, r.predicate, r.object_key)
        for r in [*result.relations, *result.objective_links]
    }


SAFER_ROADS = "programme/safer-roads-for-migrants-in-the-sahel"


def test_mentions_get_keys_and_entities() -> None:
    result = linked(
        "The International Labour Organization (ILO) and IOM met in the Niger; the ILO agreed."
    )
    keys = [m.entity_key for m in result.mentions]
    assert keys == [
        "organization/ilo",
        "organization/ilo",
        "organization/iom",
        "country/NER",
        "organization/ilo",
    ]
    ilo = result.entities["organization/ilo"]
    assert ilo.label == "International Labour Organization" and "ILO" in ilo.alt_labels
    assert result.entities["country/NER"].kind == "country"


def test_same_name_in_two_documents_gets_the_same_key() -> None:
    first = linked("IOM worked with the Paraguayan Indigenous Institute (INDI).", doc_id="doc-a")
    second = linked("The Paraguayan Indigenous Institute hosted the meeting.", doc_id="doc-b")
    key = "organization/paraguayan-indigenous-institute"
    assert key in first.entities and key in second.entities


def test_implemented_by_partner_funded_by_and_objective() -> None:
    result = linked(
        '"Safer Roads for Migrants in the Sahel" is a project implemented by IOM in coordination with the '
        "National Roads Agency (NRA) supported by the IOM Development Fund under objective 2 of the GCM."
    )
    assert triples(result) == {
        (SAFER_ROADS, "implementedBy", "organization/iom"),
        ("organization/national-roads-agency", "partnerOf", SAFER_ROADS),
        (SAFER_ROADS, "fundedBy", "programme/iom-development-fund"),
        (SAFER_ROADS, "contributesTo", "gcm/objective/2"),
    }
    relation = next(r for r in result.relations if r.predicate == "implementedBy")
    assert relation.passage_id == "p1" and "implemented by IOM" in relation.evidence


def test_co_leads_with_a_list_of_organizations() -> None:
    result = linked(
        "In particular, IOM co-leads with ILO and UNFCCC the UNNM Thematic Priority 4 on migration."
    )
    thing = "programme/unnm-thematic-priority-4"
    assert triples(result) == {
        (org, "coLeads", thing)
        for org in ("organization/iom", "organization/ilo", "organization/unfccc")
    }


def test_every_organization_of_a_listed_subject_co_leads() -> None:
    result = linked(
        "UNHCR and IOM co-lead the Global Protection Cluster. The ILO, UNICEF and IOM co-lead "
        "the Regional Durable Solutions Secretariat."
    )
    cluster = next(k for s_, p_, k in triples(result) if p_ == "coLeads" and "cluster" in k)
    secretariat = next(k for s_, p_, k in triples(result) if "secretariat" in k)
    assert {s_ for s_, p_, o_ in triples(result) if o_ == cluster} == {
        "organization/unhcr",
        "organization/iom",
    }
    assert {s_ for s_, p_, o_ in triples(result) if o_ == secretariat} == {
        "organization/ilo",
        "organization/unicef",
        "organization/iom",
    }


def test_co_led_by_refers_back_to_the_programme() -> None:
    result = linked(
        'Examples include a programme "Safe Pathways in the Horn of Africa" funded by the Migration '
        "Multi-Partner Trust Fund. The programme is co-lead by IOM, ILO and UNHCR and aims to help."
    )
    programme = "programme/safe-pathways-in-the-horn-of-africa"
    assert (programme, "fundedBy", "programme/migration-multi-partner-trust-fund") in triples(
        result
    )
    for org in ("iom", "ilo", "unhcr"):
        assert (f"organization/{org}", "coLeads", programme) in triples(result)


def test_as_co_lead_of() -> None:
    result = linked("As co-lead of the Global CCCM Cluster, IOM provided leadership.")
    assert triples(result) == {("organization/iom", "coLeads", "programme/global-cccm-cluster")}


def test_chaired_by_coordinator_and_member() -> None:
    result = linked(
        "The Migration Multi-Partner Trust Fund (the Migration MPTF) was established in 2019.",
        "The Steering Committee is a governing body of the Migration MPTF that is chaired by the Director General of IOM.",
        "IOM continued to serve as Coordinator of the United Nations Network on Migration.",
        "IOM is also a member of the Inter-Agency Standing Committee.",
    )
    assert triples(result) == {
        ("organization/iom", "chairs", "programme/migration-multi-partner-trust-fund"),
        ("organization/iom", "coordinates", "organization/unnm"),
        ("organization/iom", "memberOf", "organization/iasc"),
    }


def test_partners_of_the_acting_organization() -> None:
    result = linked("IOM – together with IGAD, the ILO and UNHCR – worked on climate mobility.")
    assert triples(result) == {
        (f"organization/{o}", "partnerOf", "organization/iom") for o in ("igad", "ilo", "unhcr")
    }


def test_implemented_in_countries_listed_after_the_programme() -> None:
    result = linked(
        "As part of the Coastal Resilience Programme in Senegal and the Gambia, IOM trained fishers.",
        "In Somalia, IOM supports the Border Data Programme.",
    )
    assert triples(result) == {
        ("programme/coastal-resilience-programme", "implementedIn", "country/SEN"),
        ("programme/coastal-resilience-programme", "implementedIn", "country/GMB"),
    }


def test_negative_cases_give_no_relation() -> None:
    result = linked(
        "IOM co-leads AAP working groups in Ethiopia and Guatemala.",
        "IOM is an active member of a durable solutions working group.",
        "Alongside IOM's anniversary, the Organization celebrated its fifth year.",
    )
    assert triples(result) == set()


def _heading(pid: str, text: str, section: tuple[str, ...]) -> Passage:
    return Passage(id=pid, doc_id="h", kind="heading", text=text, locator=text, section=section)


def _para(pid: str, text: str, section: tuple[str, ...]) -> Passage:
    return Passage(id=pid, doc_id="h", kind="text", text=text, locator=pid, section=section)


def test_objective_heading_links_the_programmes_of_its_section() -> None:
    title = "Objectives 9 and 10: Better Migration Management Programme"
    section = (title,)
    doc = replace(
        make_document("x", doc_id="h"),
        passages=(
            _heading("h1", title, section),
            _para(
                "p1",
                "The Better Migration Management Programme focuses on Djibouti, Ethiopia and Kenya.",
                section,
            ),
            _para(
                "p2",
                "In relation to objective 11, IOM supports the Border Data Programme.",
                section,
            ),
            _para("p3", "The Regional Data Programme also grew.", section),
        ),
    )
    result = link(doc, recognise(doc))
    bmm = "programme/better-migration-management-programme"
    assert {(r.subject_key, r.object_key) for r in result.objective_links} == {
        (bmm, "gcm/objective/9"),
        (bmm, "gcm/objective/10"),
        ("programme/border-data-programme", "gcm/objective/11"),
    }
    assert {(bmm, "implementedIn", f"country/{c}") for c in ("DJI", "ETH", "KEN")} <= triples(
        result
    )


def test_sentences_keep_abbreviations() -> None:
    text = "IOM worked with partners, e.g. UNHCR. The programme ended. A new one began!"
    assert [text[s:e] for s, e in sentences(text)] == [
        "IOM worked with partners, e.g. UNHCR.",
        "The programme ended.",
        "A new one began!",
    ]


# --- the two seed reports ------------------------------------------------------------------


@pytest.fixture(scope="module")
def gcm() -> tuple[Document, Linked]:
    from graph.parse import parse_file

    doc = parse_file(SEEDS / "iom-gcm-implementation-support-excerpt.txt")
    return doc, link(doc, recognise(doc))


@pytest.fixture(scope="module")
def annual() -> tuple[Document, Linked]:
    from graph.parse import parse_file

    doc = parse_file(SEEDS / "iom-annual-report-2021.txt")
    return doc, link(doc, recognise(doc))


def test_gcm_excerpt_objective_links_and_co_leads(gcm: tuple[Document, Linked]) -> None:
    _, result = gcm
    found = triples(result)
    paraguay = next(
        k
        for k in result.entities
        if k.startswith("programme/strengthening-the-capacities-of-the-government-of-paraguay")
    )
    bmm = "programme/better-migration-management-programme"
    assert (paraguay, "contributesTo", "gcm/objective/2") in found
    assert (paraguay, "implementedBy", "organization/iom") in found
    assert ("organization/paraguayan-indigenous-institute", "partnerOf", paraguay) in found
    assert (paraguay, "fundedBy", "programme/iom-development-fund") in found
    assert (paraguay, "implementedIn", "country/PRY") in found
    assert {
        (bmm, "contributesTo", "gcm/objective/9"),
        (bmm, "contributesTo", "gcm/objective/10"),
    } <= found
    assert not any(s == bmm and o == "gcm/objective/2" for s, _, o in found)
    for org in ("iom", "ilo", "unfccc"):
        assert (f"organization/{org}", "coLeads", "programme/unnm-thematic-priority-4") in found
    assert ("organization/iom", "chairs", "programme/migration-multi-partner-trust-fund") in found
    assert (
        "MIDAS"
        in result.entities["programme/migration-information-and-data-analysis-system"].alt_labels
    )
    assert result.entities["organization/paraguayan-indigenous-institute"].alt_labels == ("INDI",)


def test_annual_report_entities_and_relations(annual: tuple[Document, Linked]) -> None:
    _, result = annual
    for key in [
        "organization/iom",
        "organization/unhcr",
        "organization/ilo",
        "organization/igad",
        "programme/displacement-tracking-matrix",
        "programme/iom-development-fund",
        "programme/global-migration-health-assessment-programme",
        "programme/world-migration-report",
        "country/AFG",
    ]:
        assert key in result.entities, key
    assert all(m.entity_key for m in result.mentions)
    found = triples(result)
    assert ("organization/iom", "coLeads", "programme/global-cccm-cluster") in found
    assert ("organization/iom", "coordinates", "organization/unnm") in found
    assert (
        "organization/iom",
        "memberOf",
        "organization/global-shelter-cluster-strategic-advisory-group",
    ) in found
    for objective in (6, 7, 17, 23):
        assert (
            "programme/from-research-to-action",
            "contributesTo",
            f"gcm/objective/{objective}",
        ) in found


def test_one_entity_across_documents_by_shared_acronym_or_spelling() -> None:
    from graph.link import unify
    from graph.pipeline import extract

    first = make_document(
        "The Start-up Fund for Safe, Orderly and Regular Migration (Migration MPTF) grew.",
        "The Western Hemisphere Program trained officials in Chile.",
        doc_id="report-a",
    )
    second = make_document(
        "The Migration Multi-Partner Trust Fund (Migration MPTF) funded 12 joint programmes.",
        "The Migration MPTF is a pooled fund. The Western Hemisphere Programme grew.",
        doc_id="report-b",
    )
    a, b = unify([extract(first), extract(second)])
    fund_a = {m.entity_key for m in a.mentions if "MPTF" in m.surface or "Start-up" in m.surface}
    fund_b = {m.entity_key for m in b.mentions if "MPTF" in m.surface or "Multi" in m.surface}
    assert len(fund_a) == 1 and fund_a == fund_b
    (key,) = fund_a
    # the most mentioned name wins; the other names stay as alternative labels, everywhere
    assert a.entities[key] == b.entities[key]
    fund = a.entities[key]
    assert fund.label == "Migration Multi-Partner Trust Fund"
    assert "Start-up Fund for Safe, Orderly and Regular Migration" in fund.alt_labels
    hemisphere = {m.entity_key for x in (a, b) for m in x.mentions if "Hemisphere" in m.surface}
    assert len(hemisphere) == 1
    labels = {x.entities[k].label for x in (a, b) for k in hemisphere}
    assert len(labels) == 1  # one rdfs:label, not one per document
    # a name of one word joins nothing: "the Network" of one report is not another's
    assert unify([extract(make_document("The Network met.", doc_id="c"))])[0].entities == (
        extract(make_document("The Network met.", doc_id="c")).entities
    )


def test_funding_phrases_name_the_funder() -> None:
    result = linked(
        "The Safer Roads for Migrants in the Sahel Programme was launched with financial "
        "support from the European Union (EU).",
        "The Border Data Programme is funded through the IOM Development Fund (IDF).",
        "The Migrant Health Programme runs with the support of the World Health Organization "
        "(WHO).",
        "The Better Migration Management Programme is co-founded by the European Union Trust "
        "Fund for Africa and the German Federal Ministry for Economic Cooperation and "
        "Development.",
    )
    found = triples(result)
    assert (SAFER_ROADS + "-programme", "fundedBy", "organization/eu") in found
    assert ("programme/border-data-programme", "fundedBy", "programme/iom-development-fund") in (
        found
    )
    bmm = "programme/better-migration-management-programme"
    funders = {o for s, p, o in found if s == bmm and p == "fundedBy"}
    assert funders == {"programme/european-union-trust-fund-for-africa"}  # founded with money
    # "with the support of" an organization is help, not money: only a fund counts there
    assert not any(
        p == "fundedBy" and s == "programme/migrant-health-programme" for s, p, _ in found
    )


def test_co_leads_with_a_partner_named_after_the_thing_and_active_chairs() -> None:
    result = linked(
        "IOM co-leads the Remittances Working Group with the World Bank, and chairs the "
        "Global Forum on Migration and Development Working Group on Labour Migration."
    )
    found = triples(result)
    group = "organization/remittances-working-group"
    assert ("organization/iom", "coLeads", group) in found
    assert ("organization/world-bank", "coLeads", group) in found
    chaired = {(s, o) for s, p, o in found if p == "chairs"}
    assert chaired == {
        (
            "organization/iom",
            "organization/global-forum-on-migration-and-development-working-group-on-labour-migration",
        )
    }


def test_names_one_report_defines_are_known_in_the_others() -> None:
    from graph.link import unify
    from graph.pipeline import extract
    from graph.recognise import shareable

    defines = make_document(
        "IOM's Assisted Voluntary Return and Reintegration (AVRR) programme grew.",
        doc_id="report-a",
    )
    uses = make_document("In 2023, AVRR supported 500 migrants in Niger.", doc_id="report-b")
    own_list = make_document(
        "In 2023, AVRR supported 500 migrants in Mali.",
        doc_id="report-c",
        acronyms=(("AVRR", "assisted voluntary return and reintegration"),),
    )
    taught = shareable(defines)
    a, b, c = unify([extract(defines), extract(uses, taught), extract(own_list, taught)])
    key = "programme/assisted-voluntary-return-and-reintegration"
    assert any(m.entity_key == key for m in a.mentions)
    assert [m.entity_key for m in b.mentions if m.surface == "AVRR"] == [key]
    # a report whose own acronym list spells AVRR out in lower case keeps its reading
    assert not any(m.entity_key == key for m in c.mentions)


def _org(key: str, label: str) -> NameRecord:
    return NameRecord(key, "organization", label, "government", names=[label])


def test_a_generic_body_means_the_one_qualified_body_of_its_document() -> None:
    from graph.link import qualified_forms

    generic = _org("organization/ministry-of-health", "Ministry of Health")
    armenia = _org(
        "organization/ministry-of-health-of-the-republic-of-armenia",
        "Ministry of Health of the Republic of Armenia",
    )
    interior = _org("organization/ministry-of-the-interior", "Ministry of the Interior")
    assert qualified_forms([generic, armenia, interior]) == {generic.key: armenia}
    # two countries' ministries: the short name says neither
    ghana = _org("organization/ministry-of-health-of-ghana", "Ministry of Health of Ghana")
    assert qualified_forms([generic, armenia, ghana]) == {}
    # a longer name that is not a country's body is no qualified form
    unit = _org("organization/ministry-of-health-unit", "Ministry of Health Migration Unit")
    assert qualified_forms([generic, unit]) == {}
    # only generic bodies: a programme or a specific name is never re-pointed
    fund = _org("organization/fund-for-health", "Fund for Health")
    fund_mex = _org("organization/fund-for-health-in-mexico", "Fund for Health in Mexico")
    assert qualified_forms([fund, fund_mex]) == {}


def test_the_short_name_of_a_countrys_ministry_links_to_that_ministry() -> None:
    result = linked(
        "IOM coordinated videoconferences between officials within the Ministry of Health and "
        "diaspora medical professionals.",
        "These professionals provided the Ministry of Health of the Republic of Armenia with "
        "key insights.",
    )
    keys = {m.surface: m.entity_key for m in result.mentions if m.kind == "organization"}
    armenia = keys["Ministry of Health of the Republic of Armenia"]
    assert keys["Ministry of Health"] == armenia
    assert "organization/ministry-of-health" not in result.entities


def test_a_subject_that_does_something_else_and_co_leads() -> None:
    result = linked(
        "IOM manages the Displacement Tracking Matrix (DTM) and co-leads the Camp Coordination "
        "and Camp Management Cluster with UNHCR."
    )
    leaders = {s_ for s_, p_, o_ in triples(result) if p_ == "coLeads"}
    assert leaders == {"organization/iom", "organization/unhcr"}


def test_implemented_with_names_partners_of_the_programme() -> None:
    result = linked(
        'The programme "Safe and Regular Migration for Women Migrant Workers" in Nepal, '
        "implemented with UN Women and the ILO, received USD 2.5 million."
    )
    partners = {s_ for s_, p_, o_ in triples(result) if p_ == "partnerOf"}
    assert partners == {"organization/un-women", "organization/ilo"}
