"""Recognition of countries, organizations, programmes, GCM objectives and clusters."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.model import Document, Passage
from graph.recognise import classify_name, country_matcher, name_index, name_phrases, recognise

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def make_document(
    *texts: str, acronyms: tuple[tuple[str, str], ...] = (), doc_id: str = "test-doc"
) -> Document:
    passages = tuple(
        Passage(id=f"p{i}", doc_id=doc_id, kind="paragraph", text=text, locator=f"paragraph {i}")
        for i, text in enumerate(texts, start=1)
    )
    return Document(
        id=doc_id,
        path=f"{doc_id}.txt",
        title="Test report",
        publisher="International Organization for Migration",
        year=2021,
        text="\n\n".join(texts),
        sha256=str(hash(texts)),
        passages=passages,
        acronyms=acronyms,
    )


def phrases(text: str) -> list[str]:
    """The capitalised name phrases of ``text``."""
    return [text[s:e] for s, e in name_phrases(text)]


def named(document: Document) -> list[str]:
    """Surfaces of the programme and organization mentions."""
    return [s for s, _ in found(document, "programme") + found(document, "organization")]


def found(document: Document, kind: str) -> list[tuple[str, str | None]]:
    return [(m.surface, m.entity_key) for m in recognise(document) if m.kind == kind]


def test_country_longest_match_first() -> None:
    doc = make_document(
        "IOM worked in Papua New Guinea, South Sudan, the Democratic Republic of the Congo, "
        "Nigeria, Dominican Republic, and also in Guinea, Sudan, Niger, Dominica and Congo."
    )
    assert found(doc, "country") == [
        ("Papua New Guinea", "country/PNG"),
        ("South Sudan", "country/SSD"),
        ("the Democratic Republic of the Congo", "country/COD"),
        ("Nigeria", "country/NGA"),
        ("Dominican Republic", "country/DOM"),
        ("Guinea", "country/GIN"),
        ("Sudan", "country/SDN"),
        ("Niger", "country/NER"),
        ("Dominica", "country/DMA"),
        ("Congo", "country/COG"),
    ]


def test_un_style_names_with_article_and_possessive() -> None:
    doc = make_document(
        "Returns from the Niger and the Sudan to the Bolivarian Republic of Venezuela; "
        "Afghanistan's provinces; Guinea-Bissau; the Lao People's Democratic Republic."
    )
    keys = [key for _, key in found(doc, "country")]
    assert keys == [
        "country/NER",
        "country/SDN",
        "country/VEN",
        "country/AFG",
        "country/GNB",
        "country/LAO",
    ]
    assert ("Afghanistan", "country/AFG") in found(
        doc, "country"
    )  # the "'s" is not part of the name


def test_lower_case_word_is_not_a_country() -> None:
    assert found(make_document("They served turkey and chad."), "country") == []


def test_every_surface_is_the_passage_slice() -> None:
    doc = make_document(
        "IOM and the Paraguayan Indigenous Institute (INDI) work in the Niger under objectives 9 and 10.",
        "Cluster III (objectives 4, 8 and 21) covers the Migration Multi-Partner Trust Fund (the Migration MPTF).",
    )
    by_id = {p.id: p.text for p in doc.passages}
    mentions = recognise(doc)
    assert mentions
    for m in mentions:
        assert by_id[m.passage_id][m.start : m.end] == m.surface


def test_acronym_introduced_in_text_refers_to_the_same_entity() -> None:
    doc = make_document(
        "IOM works in coordination with the Paraguayan Indigenous Institute (INDI) on consultation.",
        "The pilot, coordinated by INDI, covers four communities.",
        "The International Civil Aviation Organization (ICAO) and the Migrants in Countries in Crisis "
        "(MICIC) Initiative were consulted; ICAO agreed and MICIC published guidance.",
    )
    index = name_index(doc)
    assert index.lookup("INDI") is index.lookup("Paraguayan Indigenous Institute")
    assert index.lookup("INDI").key == "organization/paraguayan-indigenous-institute"
    assert index.lookup("ICAO").kind == "organization"
    micic = index.lookup("MICIC")
    assert micic.key == "programme/migrants-in-countries-in-crisis-initiative"
    assert micic.subkind == "initiative"
    orgs = [s for s, _ in found(doc, "organization")]
    assert orgs.count("INDI") == 2 and "Paraguayan Indigenous Institute" in orgs


@pytest.mark.parametrize(
    ("expansion", "expected"),
    [
        ("International Labour Organization", ("organization", None)),
        ("United Nations Development Programme", ("organization", "un-agency")),
        ("Intergovernmental Authority on Development", ("organization", None)),
        ("Global Forum on Migration and Development", ("organization", None)),
        ("Office of the United Nations High Commissioner for Refugees", ("organization", None)),
        ("Displacement Tracking Matrix", ("programme", "tool")),
        ("International Recruitment Integrity System", ("programme", "tool")),
        ("COVID-19 Vaccine Global Access (COVAX) Facility", ("programme", "facility")),
        (
            "Corporate Responsibility in Eliminating Slavery and Trafficking project",
            ("programme", "project"),
        ),
        ("Special Trust Fund for Afghanistan", ("programme", "fund")),
        ("Internally displaced persons", None),
        ("Water, sanitation and hygiene", None),
        ("Coronavirus disease 2019", None),
        ("Non-governmental organization", None),
        ("Sustainable Development Goals", None),
        ("United Nations security management system", None),
    ],
)
def test_classify_acronym_list_expansions(
    expansion: str, expected: tuple[str, str | None] | None
) -> None:
    result = classify_name(expansion)
    if expected is None:
        assert result is None
    else:
        assert result is not None and result.kind == expected[0]
        if expected[1]:
            assert result.subkind == expected[1]


def test_acronym_list_drives_recognition() -> None:
    doc = make_document(
        "The DTM tracked IDPs while WASH teams and the GFMD met; IRIS and the COVAX Facility expanded.",
        acronyms=(
            ("DTM", "Displacement Tracking Matrix"),
            ("IDPs", "Internally displaced persons"),
            ("WASH", "Water, sanitation and hygiene"),
            ("GFMD", "Global Forum on Migration and Development"),
            ("IRIS", "International Recruitment Integrity System"),
            ("COVAX Facility", "COVID-19 Vaccine Global Access (COVAX) Facility"),
        ),
    )
    assert [s for s, _ in found(doc, "programme")] == ["DTM", "IRIS", "COVAX Facility"]
    assert [s for s, _ in found(doc, "organization")] == ["GFMD"]
    index = name_index(doc)
    assert index.lookup("DTM").key == "programme/displacement-tracking-matrix"
    assert index.lookup("COVAX Facility").subkind == "facility"


def test_quoted_programme_titles() -> None:
    title_after = "Addressing Drivers of Migration in the Contexts of Disasters in the IGAD Region"
    title_before = "Strengthening the Capacities of the Government of Paraguay to Address Mobility"
    doc = make_document(
        f'Examples include a programme "{title_after}" which is funded by a trust fund.',
        f'"{title_before}" is a project implemented by IOM.',
    )
    programmes = found(doc, "programme")
    assert [s for s, _ in programmes] == [title_after, title_before]
    assert name_index(doc).lookup(title_before).subkind == "project"


def test_head_noun_names_and_appositions() -> None:
    doc = make_document(
        "IOM signed a memorandum with CBM Global, an organization specialized in disability inclusion.",
        "IOM acts within the Special Trust Fund for Afghanistan and the Better Migration Management Programme.",
        "Through the Operation Allies Welcome programme, IOM helped families.",
        "IOM's Migration Data Strategy and the Steering Committee are not entities.",
    )
    index = name_index(doc)
    assert index.lookup("CBM Global").kind == "organization"
    assert index.lookup("Special Trust Fund for Afghanistan").subkind == "fund"
    assert (
        index.lookup("Better Migration Management Programme").key
        == "programme/better-migration-management-programme"
    )
    assert index.lookup("Operation Allies Welcome").subkind == "programme"
    # strategies and frameworks with capitals are named things (subkind "framework")
    assert index.lookup("Migration Data Strategy").subkind == "framework"
    assert index.lookup("Steering Committee") is None


def test_partners_appositions_and_short_programme_names() -> None:
    doc = make_document(
        "IOM, in partnership with USA for IOM and GlobalGiving, launched a campaign.",
        "IOM, in collaboration with Liberty Shared and the Freedom Collaborative, trained staff.",
        "IOM, in partnership with the Immigration Policy Lab at ETH Zurich, piloted a tool.",
        "IOM engaged with the Mayors Mechanism, a strategic partnership of cities.",
        "The Office introduced the Dignity Initiative for staff.",
        "A new regional project called Includ-EU was launched.",
        "IOM's Accountability to Affected Populations Framework became mandatory.",
        "Through the IOM Global Assistance Fund, IOM assisted migrants. The Global Assistance Fund grew.",
        "In collaboration with Headquarters and Germany, IOM worked.",
    )
    index = name_index(doc)
    assert index.lookup("Freedom Collaborative") is not None  # head "Collaborative": programme
    for name in ("USA for IOM", "GlobalGiving", "Liberty Shared"):
        assert index.lookup(name).kind == "organization", name
    assert index.lookup("Immigration Policy Lab").kind == "organization"
    assert index.lookup("ETH Zurich").kind == "organization"
    assert index.lookup("Immigration Policy Lab at ETH Zurich") is None
    assert index.lookup("Mayors Mechanism").kind == "programme"
    assert index.lookup("Dignity Initiative").subkind == "initiative"
    assert index.lookup("Includ-EU").subkind == "project"
    assert index.lookup("Accountability to Affected Populations Framework").kind == "programme"
    fund = index.lookup("Global Assistance Fund")
    assert fund is index.lookup("IOM Global Assistance Fund") and fund.subkind == "fund"
    assert index.lookup("Headquarters") is None and index.lookup("Germany") is None


def test_objective_lists() -> None:
    doc = make_document(
        "Support for objectives 9 and 10 and for objectives 4, 8, 9, 10, 11, 13, 14 and 21 grew.",
        "Objective 2: climate mobility. Under objective 2 of the GCM and GCM objective 23 too.",
        "The objective of the training is clear; strategic objective 3 is internal; objective 24 does not exist.",
    )
    keys = [key for _, key in found(doc, "objective")]
    assert keys == [
        "gcm/objective/9",
        "gcm/objective/10",
        *(f"gcm/objective/{n}" for n in (4, 8, 9, 10, 11, 13, 14, 21)),
        "gcm/objective/2",
        "gcm/objective/2",
        "gcm/objective/23",
    ]
    assert found(doc, "objective")[0][0] == "objectives 9"


def test_cluster_mentions() -> None:
    doc = make_document(
        "Cluster II (objectives 4 and 5) and CLUSTER III; the Global CCCM Cluster is not one."
    )
    assert found(doc, "cluster") == [
        ("Cluster II", "gcm/cluster/II"),
        ("CLUSTER III", "gcm/cluster/III"),
    ]


@pytest.fixture(scope="module")
def annual_report() -> Document:
    from graph.parse import parse_file

    return parse_file(SEEDS / "iom-annual-report-2021.txt")


def test_annual_report_mentions(annual_report: Document) -> None:
    mentions = recognise(annual_report)
    by_id = {p.id: p.text for p in annual_report.passages}
    assert all(by_id[m.passage_id][m.start : m.end] == m.surface for m in mentions)
    afghanistan_passages = {m.passage_id for m in mentions if m.entity_key == "country/AFG"}
    assert len(afghanistan_passages) >= 12  # the report names Afghanistan in ~20 paragraphs
    index = name_index(annual_report)
    for acronym, full in [
        ("ILO", "International Labour Organization"),
        ("IGAD", "Intergovernmental Authority on Development"),
        ("UNHCR", "Office of the United Nations High Commissioner for Refugees"),
        ("DTM", "Displacement Tracking Matrix"),
    ]:
        assert index.lookup(acronym) is index.lookup(full), acronym
    surfaces = {m.surface for m in mentions}
    for name in [
        "IOM",
        "UNHCR",
        "ILO",
        "IGAD",
        "DTM",
        "IOM Development Fund",
        "World Migration Report",
    ]:
        assert name in surfaces, name
    assert index.lookup("IOM").key == "organization/iom"
    assert index.lookup("IOM Development Fund").subkind == "fund"


def test_objective_ranges_stand_for_every_number_in_them() -> None:
    doc = make_document("The network addresses Objectives 20–22 and objectives 4 to 6 of the GCM.")
    keys = [key for _, key in found(doc, "objective")]
    assert sorted(keys, key=lambda k: int(k.rsplit("/", 1)[1])) == [
        f"gcm/objective/{n}" for n in (4, 5, 6, 20, 21, 22)
    ]
    # the numbers the range only implies are quoted with the whole range
    assert ("20–22", "gcm/objective/21") in found(doc, "objective")


def test_with_after_a_head_noun_names_a_partner_not_more_of_the_name() -> None:
    doc = make_document(
        "IOM co-leads the Shelter Cluster with the International Federation of Red Cross and "
        "Red Crescent Societies, and the Global Protection Cluster with UNHCR.",
        "The Convention on the Rights of Persons with Disabilities applies.",
    )
    surfaces = [s for s, _ in found(doc, "organization") + found(doc, "programme")]
    assert not any(" with the International" in s or "with UNHCR" in s for s in surfaces)


def test_a_series_of_adjectives_continues_a_name_but_a_list_of_names_does_not() -> None:
    assert phrases("The Start-up Fund for Safe, Orderly and Regular Migration (Migration MPTF)")[
        0
    ] == ("Start-up Fund for Safe, Orderly and Regular Migration")
    assert phrases("the Ministry of Health, Labour and Welfare officials") == [
        "Ministry of Health, Labour and Welfare"
    ]
    assert phrases("the Fund for Peace, Justice, and Security programme") == [
        "Fund for Peace, Justice, and Security"
    ]
    assert phrases("IOM worked with UNHCR, UNICEF and WHO") == ["IOM", "UNHCR", "UNICEF"]
    assert phrases("the Office for Chad, Niger and Mali") == ["Office for Chad", "Niger and Mali"]
    assert phrases("the Ministry of Interior, Border Police and Customs Office") == [
        "Ministry of Interior",
        "Border Police and Customs Office",
    ]
    doc = make_document(
        "The Start-up Fund for Safe, Orderly and Regular Migration (Migration MPTF) grew."
    )
    record = name_index(doc).lookup("Migration MPTF")
    assert record and record.key == "programme/start-up-fund-for-safe-orderly-and-regular-migration"


def test_a_name_inside_a_longer_name_is_mentioned_too() -> None:
    doc = make_document(
        "IOM chaired the Data and Knowledge Working Group of the Platform for Disaster "
        "Displacement and the Secretariat of the United Nations Network on Migration."
    )
    names = [s for s, _ in found(doc, "organization") + found(doc, "programme")]
    assert "Data and Knowledge Working Group of the Platform for Disaster Displacement" in names
    assert "Platform for Disaster Displacement" in names
    assert "United Nations Network on Migration" in names
    text = doc.passages[0].text
    assert all(text[m.start : m.end] == m.surface for m in recognise(doc))


def test_a_number_after_a_head_noun_belongs_to_the_name_but_a_count_does_not() -> None:
    assert phrases("the Thematic Working Group 4, co-led by IOM")[0] == "Thematic Working Group 4"
    assert phrases("the Fund 2 million people") == ["Fund"]
    assert phrases("In Programme 12 countries were") == ["Programme"]


def test_acronyms_joined_by_slashes_open_a_name_and_are_mentioned_too() -> None:
    doc = make_document(
        "IOM has engaged in the AU/ILO/IOM/UNECA Joint Programme on Labour Migration "
        "Governance for Development and Integration in Africa and the IOM/IPL Migrant "
        "Integration Index; IOM/UNHCR teams met."
    )
    programmes = [s for s, _ in found(doc, "programme")]
    assert "AU/ILO/IOM/UNECA Joint Programme on Labour Migration Governance for Development" in (
        " ".join(programmes)
    )
    assert "IOM/IPL Migrant Integration Index" in programmes
    organizations = [s for s, _ in found(doc, "organization")]
    assert organizations.count("IOM") == 4  # opening, both slashed prefixes, "IOM/UNHCR teams"
    assert "ILO" in organizations and "UNHCR" in organizations


def test_a_body_described_in_lower_case_is_named_by_its_acronym() -> None:
    doc = make_document(
        "The IOM Office in Chad and the national institute for statistics (INSEED) signed an "
        "agreement; INSEED will publish the data."
    )
    record = name_index(doc).lookup("INSEED")
    assert record is not None and record.kind == "organization" and record.label == "INSEED"
    assert "national institute for statistics" in record.names
    assert [s for s, _ in found(doc, "organization")].count("INSEED") == 2


def test_a_version_number_belongs_to_the_name() -> None:
    doc = make_document(
        "IOM launched the Essentials of Migration Management 2.0 platform (EMM2.0) in 2021, "
        "reaching 2.5 million people."
    )
    assert "Essentials of Migration Management 2.0" in [s for s, _ in found(doc, "programme")]


def test_a_known_name_opening_a_longer_name_is_mentioned_too() -> None:
    doc = make_document(
        "The Migration Network Hub grew. The Migration Network Hub Repository of Practices "
        "holds 50 practices. IOM took part in the Council of Europe Drafting Committee. "
        "The United Nations Network on Migration met."
    )
    programmes = [s for s, _ in found(doc, "programme")]
    assert programmes.count("Migration Network Hub") == 2
    organizations = [s for s, _ in found(doc, "organization")]
    assert "Council of Europe" in organizations
    assert "United Nations" not in organizations  # opens the Network's name, not meant


def test_company_names_but_not_descriptions() -> None:
    doc = make_document(
        "IOM and Nexleaf Analytics installed ColdTrace devices. Data Analytics help; the data "
        "were shared."
    )
    organizations = [s for s, _ in found(doc, "organization")]
    assert "Nexleaf Analytics" in organizations
    assert "Data Analytics" not in organizations


def test_a_ministry_keeps_its_country_and_a_name_keeps_its_written_form() -> None:
    doc = make_document(
        "The Ministry of the Interior in Mexico adopted a protocol, and the Migrants in "
        "Countries in Crisis (MICIC) Initiative grew. The Border Programme in Chad grew."
    )
    index = name_index(doc)
    assert index.lookup("Ministry of the Interior in Mexico") is not None
    assert index.lookup("Border Programme").key == "programme/border-programme"
    micic = index.lookup("MICIC")
    assert micic is not None
    assert "Migrants in Countries in Crisis (MICIC) Initiative" in micic.names


def test_objective_references_in_short_forms() -> None:
    from graph.recognise import objective_mentions

    text = "GCM objective #4, GCM Obj. 3, objective no. 5 and Objective number 7"
    assert [m.entity_key for m in objective_mentions("p", text)] == [
        "gcm/objective/4",
        "gcm/objective/3",
        "gcm/objective/5",
        "gcm/objective/7",
    ]


def test_names_with_an_elided_article_are_capitalised() -> None:
    for text in (
        "IOM worked in Côte d’Ivoire.",
        "IOM worked in Côte d'Ivoire.",
        "in Cote d'Ivoire",
    ):
        assert found(make_document(text * 3), "country")[0][1] == "country/CIV", text


def test_every_reference_country_name_is_recognised_in_running_text() -> None:
    from graph import reference

    matcher = country_matcher()
    for country in reference.countries():
        for name in country.names:
            text = f"IOM worked in {name} in 2021."
            assert [key for _, _, key in matcher.find(text)][:1] == [country.key], name
    assert matcher.find("a turkey and a chad") == []  # short names must be capitalised


def test_plans_campaigns_units_and_regional_names() -> None:
    doc = make_document(
        "IOM led the Regional Migrant Response Plan for the Horn of Africa and Yemen and the "
        "Safe Migration Campaign with its Labour Mobility and Social Inclusion Unit; the "
        "Regional Office for Asia and the Pacific helped."
    )
    names = named(doc)
    assert "Regional Migrant Response Plan for the Horn of Africa and Yemen" in names
    assert "Safe Migration Campaign" in names
    assert "Labour Mobility and Social Inclusion Unit" in names
    assert not any(n.startswith("Regional Office") for n in names)


def test_a_sentence_about_a_name_is_not_a_name() -> None:
    doc = make_document(
        "IOM joined the International Aid Transparency Initiative. Participation in the "
        "Initiative has helped. Preparations for the International Migration Review Forum "
        "continued."
    )
    names = named(doc)
    assert "International Aid Transparency Initiative" in names
    assert not any(n.startswith(("Participation", "Preparations")) for n in names)


def test_a_fronted_place_before_an_apposition_is_no_name() -> None:
    doc = make_document(
        "In Ecuador and Peru, a joint initiative supports the regularization of migrants.",
        "Chad, Mali and Niger, a regional project on border management, started in 2022.",
        "The Safe Corridors Partnership, a joint initiative of three agencies, began in 2021.",
    )
    index = name_index(doc)
    assert index.lookup("Ecuador and Peru") is None
    assert index.lookup("Chad, Mali and Niger") is None
    assert index.lookup("Safe Corridors Partnership") is not None


def test_a_lake_or_river_is_not_its_country_and_elided_articles_continue_names() -> None:
    doc = make_document(
        "In the Lake Chad Basin and the Niger Delta, IOM worked with the Government of the "
        "Republic of Côte d'Ivoire and with partners in Chad.",
    )
    mentions = recognise(doc)
    chad = [m for m in mentions if m.entity_key == "country/TCD"]
    assert [m.surface for m in chad] == ["Chad"] and chad[0].start > 100  # only "in Chad"
    assert not any(m.entity_key == "country/NER" for m in mentions)
    index = name_index(doc)
    found = index.lookup("Government of the Republic of Côte d'Ivoire")
    assert found is not None and found.kind == "organization"


def test_an_unknown_acronym_marked_as_a_programme_names_one() -> None:
    doc = make_document(
        "The COMPASS programme assisted victims of trafficking. The WASH programme reached "
        "200 people, and the IOM programme in Chad grew.",
    )
    index = name_index(doc)
    compass = index.lookup("COMPASS")
    assert compass is not None and compass.kind == "programme"
    assert index.lookup("WASH") is None  # a field of work
    assert index.lookup("IOM").kind == "organization"


def test_a_scope_word_the_acronym_leaves_out_stays_in_the_name() -> None:
    doc = make_document(
        "Under the Regional Migrant Response Plan for the Horn of Africa and Yemen (MRP), 48 "
        "partners appealed for funds. The MRP covers four countries.",
    )
    index = name_index(doc)
    plan = index.lookup("MRP")
    assert plan is not None
    assert plan.label == "Regional Migrant Response Plan for the Horn of Africa and Yemen"
    assert index.lookup("Migrant Response Plan for the Horn of Africa and Yemen") in (None, plan)
