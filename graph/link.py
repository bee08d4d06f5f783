"""Link mentions to canonical entities and extract relations between them.

Keys (stable across builds and documents):
``country/<ISO3>``, ``organization/<reference key or slug of full name>``,
``programme/<slug of full name>``, ``gcm/objective/<N>``, ``gcm/cluster/<I..IV>``.

Relations come from a few reliable patterns inside one sentence; precision matters more
than recall, so a pattern fires only when its subject and object are both mentions in the
expected places.  Every relation keeps its passage and the evidence phrase.

Relation model (subject predicate object):

- ``programme implementedBy org`` ("X is a project implemented by IOM"),
  ``programme implementedIn country`` (countries listed after "in" following the programme),
- ``programme fundedBy fund-or-org`` ("funded by / supported by the IOM Development Fund"),
- ``org partnerOf thing``: the partner named after "implemented with" or "in partnership / coordination /
  collaboration with", "together with" is a partner of the programme the sentence is about
  (when it names one as its subject), else of the organization that acts,
- ``org coLeads thing``: every co-leader co-leads the thing co-led ("IOM co-leads with ILO
  and UNFCCC the X" gives IOM, ILO and UNFCCC coLeads X; "X is co-led by A and B"),
- ``org chairs thing`` ("X ... chaired by the Director General of IOM"),
- ``org coordinates thing`` ("IOM ... Coordinator of the United Nations Network on Migration"),
- ``org memberOf thing`` ("IOM is a member of X"),
- ``programme contributesTo gcm/objective/N`` (in ``objective_links``): programmes named in a
  passage that names objective N, or in the passages under an "Objective N: ..." heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from graph import reference
from graph.model import Document, Entity, Extraction, Mention, Passage, Relation
from graph.recognise import (
    FUNCTION_WORDS,
    Definition,
    NameIndex,
    NameRecord,
    key_slug,
    name_index,
)

# Programme subkinds that do work themselves (a fund pays, a publication reports).
ACTING_SUBKINDS = frozenset(
    {"programme", "project", "initiative", "tool", "facility", "network", "other"}
)
# Programmes that contribute to a GCM objective (not funds, publications, bodies).
CONTRIBUTING_SUBKINDS = frozenset({"programme", "project", "initiative", "tool", "facility"})
EVIDENCE_LIMIT = 300


@dataclass
class Linked:
    entities: dict[str, Entity]
    mentions: list[Mention]  # with entity_key set; unlinkable ones dropped
    relations: list[Relation]
    objective_links: list[Relation] = field(default_factory=list)


def link(
    document: Document, mentions: list[Mention], shared: tuple[Definition, ...] = ()
) -> Linked:
    index = name_index(document, shared)
    qualified = qualified_forms(index.records)
    linked: list[Mention] = []
    records: dict[str, NameRecord] = {}
    for mention in mentions:
        key = mention.entity_key
        if mention.kind in ("organization", "programme"):
            record = index.lookup(mention.surface)
            if record is None:
                continue
            record = qualified.get(record.key, record)
            key = record.key
            records[key] = record
        if key is None:
            continue
        linked.append(
            Mention(
                mention.passage_id, mention.start, mention.end, mention.surface, mention.kind, key
            )
        )
    entities = _entities(linked, records)
    subkinds = {k: e.subkind for k, e in entities.items()}
    relations = _dedupe(
        r
        for p in document.passages
        if p.kind != "footnote"
        for r in passage_relations(p, linked_in(p, linked), subkinds, index, document)
    )
    objective_links = _dedupe(objective_relations(document, linked, subkinds))
    for relation in relations:  # an endpoint resolved from the text but never mentioned
        for key in (relation.subject_key, relation.object_key):
            if key not in entities and (record := _record_by_key(index, key)):
                entities[key] = _record_entity(record)
    return Linked(entities, linked, relations, objective_links)


# A government body named by its function only ("Ministry of Health", "the Directorate
# of Migration"): every country has one, so the name alone does not say which.
_GENERIC_BODY = re.compile(
    r"^(?:(?:Federal|National|State)\s+)?(?:Ministry|Department|Directorate|Secretariat|"
    r"Office|Agency)\s+(?:of|for)\s+\S"
)
_COUNTRY_QUALIFIER = re.compile(
    r"^(?:of|in|for)\s+(?:the\s+)?(?:Republic\s+of\s+)?(?P<country>.+)$"
)


def qualified_forms(records: list[NameRecord]) -> dict[str, NameRecord]:
    """Generic government bodies of one document that mean its one country-qualified body:
    in a report that names "the Ministry of Health of the Republic of Armenia", a later
    "the Ministry of Health" is that ministry, not one entity with every other country's
    (``{generic key: qualified record}``; only where exactly one qualified form exists)."""
    found: dict[str, list[NameRecord]] = {}
    for generic in records:
        if generic.kind != "organization" or not _GENERIC_BODY.match(generic.label):
            continue
        prefix = generic.label + " "
        for other in records:
            if other.kind != generic.kind or not other.label.startswith(prefix):
                continue
            qualifier = _COUNTRY_QUALIFIER.match(other.label[len(prefix) :])
            if qualifier and reference.country_by_name(qualifier.group("country")):
                found.setdefault(generic.key, []).append(other)
    return {key: forms[0] for key, forms in found.items() if len(forms) == 1}


def linked_in(passage: Passage, mentions: list[Mention]) -> list[Mention]:
    return [m for m in mentions if m.passage_id == passage.id]


# --- entities ------------------------------------------------------------------------------


def _entities(mentions: list[Mention], records: dict[str, NameRecord]) -> dict[str, Entity]:
    entities: dict[str, Entity] = {}
    surfaces: dict[str, list[str]] = {}
    for m in mentions:
        surfaces.setdefault(m.entity_key or "", []).append(m.surface)
    objectives = {o.key: o for o in reference.objectives()}
    for key, seen in surfaces.items():
        kind = key.split("/")[0]
        if key in records:
            entities[key] = _record_entity(records[key])
        elif kind == "country":
            country = reference.country_by_code(key.split("/")[-1])
            if country:
                alt = tuple(dict.fromkeys(s for s in seen if s != country.name))
                attrs = [("iso2", country.iso2), ("iso3", country.iso3)]
                if country.m49:
                    attrs.append(("m49", country.m49))
                entities[key] = Entity(key, "country", country.name, alt, None, tuple(attrs))
        elif key in objectives:
            o = objectives[key]
            entities[key] = Entity(
                key,
                "objective",
                o.title,
                (),
                None,
                (("notation", str(o.number)), ("cluster", o.cluster)),
            )
        elif key.startswith("gcm/cluster/"):
            numeral = key.split("/")[-1]
            members = reference.clusters().get(numeral, ())
            attrs = (("notation", numeral), *(("member", str(n)) for n in members))
            entities[key] = Entity(key, "cluster", f"GCM Cluster {numeral}", (), None, attrs)
    return entities


def _record_entity(record: NameRecord) -> Entity:
    attrs = [("acronym", a) for a in record.acronyms]
    if record.from_reference:
        attrs.append(("reference", "true"))
    return Entity(
        record.key, record.kind, record.label, record.alt_labels, record.subkind, tuple(attrs)
    )


def _record_by_key(index: NameIndex, key: str) -> NameRecord | None:
    return next((r for r in index.records if r.key == key), None)


def _dedupe(relations: Iterator[Relation]) -> list[Relation]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for r in relations:
        triple = (r.subject_key, r.predicate, r.object_key)
        if r.subject_key != r.object_key and triple not in seen:
            seen.add(triple)
            out.append(r)
    return out


# --- sentences -----------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“(]?[A-Z0-9])")
_ABBREVIATIONS = re.compile(
    r"\b(?:e\.g|i\.e|etc|No|Nos|Mr|Ms|Mrs|Dr|St|para|paras|vol|cf|al|Art)\.$"
)


def sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if _ABBREVIATIONS.search(text[max(0, m.start() - 6) : m.start()]):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if e > s]


# --- sentence-level relations --------------------------------------------------------------


# Between the items of a list of names: "IGAD, the ILO, the PDD and UNHCR", "PDD/UNOPS".
_LIST_GAP = r"\s*(?:,\s*(?:and\s+)?|and\s+|/)\s*(?:the\s+)?"


@dataclass
class Sentence:
    text: str  # the passage text
    start: int
    end: int
    mentions: list[Mention]  # inside the sentence, by offset
    antecedent: Mention | None  # the programme earlier sentences of the passage talk about
    subkinds: dict[str, str | None]

    def is_acting_programme(self, m: Mention) -> bool:
        return m.kind == "programme" and self.subkinds.get(m.entity_key or "") in ACTING_SUBKINDS

    def before(self, pos: int, accept) -> Mention | None:
        """The nearest accepted mention ending before ``pos`` in the same clause (after
        the last semicolon), that is a whole name, not part of a longer one."""
        clause_start = max(self.start, self.text.rfind(";", self.start, pos) + 1)
        found = [
            m
            for m in self.mentions
            if clause_start <= m.start
            and m.end <= pos
            and accept(m)
            and not _part_of_longer_name(self.text, m)
        ]
        return found[-1] if found else None

    def at(self, pos: int, accept, gap: str = r"\s*(?:the\s+)?") -> Mention | None:
        """The accepted mention that starts at ``pos`` (after an optional article)."""
        for m in self.mentions:
            if (
                m.start >= pos
                and accept(m)
                and re.fullmatch(gap, self.text[pos : m.start], re.IGNORECASE)
            ):
                whole = not _modifies_noun(self.text, m) and not _part_of_longer_name(self.text, m)
                return m if whole else None
        return None

    def listed_from(self, pos: int, accept) -> list[Mention]:
        """Mentions listed from ``pos``: "IGAD, the ILO, the PDD and UNHCR", "PDD/UNOPS"."""
        items: list[Mention] = []
        first = self.at(pos, accept)
        while first:
            items.append(first)
            pos = first.end
            first = self.at(pos, accept, gap=_LIST_GAP)
        return items

    def listed_before(self, item: Mention, accept) -> list[Mention]:
        """The mentions listed before ``item`` and with it, in order: "UNHCR and IOM",
        "IGAD, the ILO and UNHCR" read back from the last one."""
        items = [item]
        while True:
            earlier = [
                m
                for m in self.mentions
                if m.end <= items[0].start
                and accept(m)
                and re.fullmatch(_LIST_GAP, self.text[m.end : items[0].start], re.IGNORECASE)
                and not _part_of_longer_name(self.text, m)
            ]
            if not earlier:
                return items
            items.insert(0, earlier[-1])

    def subject_organization(self) -> Mention | None:
        """The organization the sentence opens with ("IOM ...", "In 2022, the ILO ..."),
        if it does."""
        first = next((m for m in self.mentions if _is_org(m)), None)
        if first is None or not re.fullmatch(
            r"\s*(?:(?:In|During|Since|By|Throughout)\s[^,]{1,40},\s*)?(?:the\s+)?",
            self.text[self.start : first.start],
            re.IGNORECASE,
        ):
            return None
        return first

    def subject_programme(self, pos: int) -> Mention | None:
        """The programme a clause before ``pos`` is about: a mention in the sentence, or
        "The project/programme ..." referring back to the passage's programme."""
        found = self.before(pos, self.is_acting_programme)
        if found:
            return found
        if re.search(
            # "The project", "This regional, multi-partner programme"
            r"\b(?:[Tt]he|[Tt]his)\s+(?:[a-z][\w-]*,?\s+){0,3}?(?:project|programme|program|initiative)\b",
            self.text[self.start : pos],
        ):
            return self.antecedent
        return None

    def evidence(self, *spans: tuple[int, int]) -> str:
        start = min(s for s, _ in spans)
        end = max(e for _, e in spans)
        phrase = " ".join(self.text[start:end].split())
        return phrase if len(phrase) <= EVIDENCE_LIMIT else phrase[: EVIDENCE_LIMIT - 1] + "…"


def _part_of_longer_name(text: str, m: Mention) -> bool:
    """ "IOM's anniversary", "United Nations Framework Convention ...": the mention is a
    possessor or the start of a longer name that was not recognised."""
    return bool(re.match(r"['’]s\b|\s+[A-Z][a-z]", text[m.end :]))


def _modifies_noun(text: str, m: Mention) -> bool:
    """ "the United Nations Network on Migration workstream": the name modifies a noun."""
    after = re.match(r"\s+([a-z][\w-]*)", text[m.end :])
    return bool(after) and after.group(1) not in _FOLLOWERS


# Words after a name that show it is not modifying a noun: the function words of
# `graph.recognise` plus determiners and clause words ("IOM and the ILO", "IOM, which ...").
_FOLLOWERS = FUNCTION_WORDS | frozenset(
    [
        "a",
        "an",
        "the",
        "its",
        "their",
        "this",
        "these",
        "those",
        "all",
        "both",
        "each",
        "such",
        "including",
        "respectively",
        "together",
        "until",
        "when",
        "where",
        "while",
        "in-country",
    ]
)


def _is_org(m: Mention) -> bool:
    return m.kind == "organization"


def _is_named(m: Mention) -> bool:
    return m.kind in ("organization", "programme")


def passage_relations(
    passage: Passage,
    mentions: list[Mention],
    subkinds: dict[str, str | None],
    index: NameIndex,
    document: Document,
) -> Iterator[Relation]:
    antecedent: Mention | None = None
    for start, end in sentences(passage.text):
        inside = [
            m for m in mentions if m.start >= start and m.end <= end and m.kind != "objective"
        ]
        sentence = Sentence(passage.text, start, end, inside, antecedent, subkinds)
        for subject, predicate, obj, spans in _sentence_relations(sentence, document, index):
            yield Relation(subject, predicate, obj, passage.id, sentence.evidence(*spans))
        programmes = [m for m in inside if sentence.is_acting_programme(m)]
        if programmes:
            antecedent = programmes[-1]


Found = tuple[str, str, str, tuple[tuple[int, int], ...]]


def _sentence_relations(s: Sentence, document: Document, index: NameIndex) -> Iterator[Found]:
    text = s.text[: s.end]
    implementers: dict[int, Mention] = {}  # org mention start -> programme it implements
    yield from _implemented_by(s, text, implementers)
    yield from _partners(s, text, implementers)
    yield from _funded_by(s, text)
    yield from _co_leads(s, text)
    yield from _chairs(s, text)
    yield from _coordinates(s, text, document, index)
    yield from _member_of(s, text)
    yield from _implemented_in(s, text)


def _span(m: Mention) -> tuple[int, int]:
    return (m.start, m.end)


def _key(m: Mention) -> str:
    return m.entity_key or ""


def _triggers(s: Sentence, text: str, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    return pattern.finditer(text, s.start, s.end)


_IMPLEMENTED_BY = re.compile(r"\b(?:implemented|managed|run|executed)\s+by\s+")
_IMPLEMENTS = re.compile(r"\bimplements\s+")
_IMPLEMENTED_WITH = re.compile(
    r"\b(?:implemented|carried\s+out|delivered)\s+(?:jointly\s+)?with\s+"
)


def _implemented_by(s: Sentence, text: str, implementers: dict[int, Mention]) -> Iterator[Found]:
    for m in _triggers(s, text, _IMPLEMENTED_BY):
        programme = s.subject_programme(m.start())
        if not programme:
            continue
        for org in s.listed_from(m.end(), _is_org):
            implementers[org.start] = programme
            yield _key(programme), "implementedBy", _key(org), (_span(programme), _span(org))
    for m in _triggers(s, text, _IMPLEMENTS):
        org = s.before(m.start(), _is_org)
        programme = s.at(m.end(), s.is_acting_programme)
        if org and programme and not text[org.end : m.start()].strip():
            yield _key(programme), "implementedBy", _key(org), (_span(org), _span(programme))


_PARTNERSHIP = re.compile(
    r"\b(?:in\s+(?:partnership|coordination|collaboration|cooperation)\s+with|together\s+with|jointly\s+with|alongside)\s+",
    re.IGNORECASE,
)


def _partners(s: Sentence, text: str, implementers: dict[int, Mention]) -> Iterator[Found]:
    for m in _triggers(s, text, _IMPLEMENTED_WITH):
        # "the programme X in Nepal, implemented with UN Women and the ILO": partners
        programme = s.subject_programme(m.start())
        for org in s.listed_from(m.end(), _is_org) if programme else ():
            yield _key(org), "partnerOf", _key(programme), (_span(programme), _span(org))
    for m in _triggers(s, text, _PARTNERSHIP):
        partners = s.listed_from(m.end(), _is_org)
        if not partners:
            continue
        subject = s.before(m.start(), _is_named)
        if subject is not None and subject.start in implementers:
            subject = implementers[
                subject.start
            ]  # "a project implemented by IOM in coordination with INDI"
        if subject is None:  # "In partnership with UNODC, IOM developed ..."
            after = partners[-1].end
            subject = next((x for x in s.mentions if x.start >= after and _is_org(x)), None)
        if subject is None:
            continue
        for partner in partners:
            yield (
                _key(partner),
                "partnerOf",
                _key(subject),
                (_span(subject), _span(partner), m.span()),
            )


# What names a funder next: "funded by", "with financial support from" (also read by the
# quantities stage, where a funder's country is not the place a figure is about).
FUNDED_BY = (
    r"(?:(?:funded|financed|co-funded|co-financed|co-founded|sponsored|supported)\s+(?:by|through)"
    r"|with\s+(?:the\s+)?(?:generous\s+|financial\s+)?(?:funding|support|contributions?)"
    r"\s+(?:from|of))"
)
_FUNDED_BY = re.compile(r"\b" + FUNDED_BY + r"\s+")


def _funded_by(s: Sentence, text: str) -> Iterator[Found]:
    for m in _triggers(s, text, _FUNDED_BY):
        programme = s.subject_programme(m.start())
        if not programme:
            continue
        # IOM "supports" many things, a fund funds: "supported by" / "with the support of"
        # name a funder only when it is a fund; "with financial support from" names any
        # ("co-founded by" a trust fund: founded with its money; by a ministry: just founded)
        strict = "founded" in m.group() or ("support" in m.group() and "financial" not in m.group())

        def accept(x: Mention, strict: bool = strict) -> bool:
            is_fund = x.kind == "programme" and s.subkinds.get(_key(x)) in ("fund", "facility")
            return is_fund or (not strict and _is_org(x))

        for funder in s.listed_from(m.end(), accept):
            yield _key(programme), "fundedBy", _key(funder), (_span(programme), _span(funder))


_CO_LEADS = re.compile(r"\bco-leads?\s+")
_CO_LED_BY = re.compile(r"\bco-le(?:a)?d\s+by\s+")
_AS_CO_LEAD = re.compile(r"\b[Aa]s\s+(?:the\s+)?co-lead\s+of\s+")
_CO_LEADERSHIP_IN = re.compile(r"\bco-leadership\s+role\s+in\s+")
_RIGHT_BEFORE = (
    r"[\s,]*(?:\d+[\s,]*)?(?:(?:which|that)\s+)?(?:(?:is|was|are|were|has been|have been)\s+)?"
)


def _co_leads(s: Sentence, text: str) -> Iterator[Found]:
    for m in _triggers(s, text, _CO_LEADS):
        actor = s.before(m.start(), _is_org)
        if actor and re.search(r"(?:^|\s)and$", text[actor.end : m.start()].strip()):
            # "IOM manages the DTM and co-leads the CCCM Cluster": the sentence's subject
            actor = s.subject_organization()
        elif not actor or text[actor.end : m.start()].strip() not in ("", "also"):
            continue
        if actor is None:
            continue
        # "UNHCR and IOM co-lead the X": every organization of the subject co-leads it
        pos, leaders = m.end(), s.listed_before(actor, _is_org)
        if text.startswith("with ", pos):
            more = s.listed_from(pos + 5, _is_org)
            if not more:
                continue
            leaders += more
            pos = more[-1].end
        thing = s.at(pos, _is_named)
        if thing and len(leaders) == 1 and text.startswith(" with ", thing.end):
            leaders += s.listed_from(thing.end + 6, _is_org)  # "co-leads X with the World Bank"
        for leader in leaders if thing else ():
            yield _key(leader), "coLeads", _key(thing), (_span(actor), _span(thing))
    for m in _triggers(s, text, _CO_LED_BY):
        thing = s.before(m.start(), _is_named)
        if thing and not re.fullmatch(_RIGHT_BEFORE, text[thing.end : m.start()]):
            thing = None
        if thing is None and re.match(
            r"\s*(?:The|This)\s+(?:project|programme|program|initiative)\s+(?:is|was|has been)\s+$",
            text[s.start : m.start()],
        ):
            thing = s.antecedent
        for leader in s.listed_from(m.end(), _is_org) if thing else ():
            yield _key(leader), "coLeads", _key(thing), (_span(thing), _span(leader))
    for m in _triggers(s, text, _AS_CO_LEAD):
        thing = s.at(m.end(), _is_named)
        actor = next((x for x in s.mentions if thing and x.start > thing.end and _is_org(x)), None)
        if thing and actor and re.fullmatch(r"\s*,\s*", text[thing.end : actor.start]):
            yield _key(actor), "coLeads", _key(thing), (_span(thing), _span(actor))
    for m in _triggers(s, text, _CO_LEADERSHIP_IN):
        thing = s.at(m.end(), _is_named)
        actor = s.before(m.start(), _is_org)
        if thing and actor:
            yield _key(actor), "coLeads", _key(thing), (_span(actor), _span(thing))


_CHAIRED_BY = re.compile(r"\bchaired\s+by\s+(?:the\s+)?(?:(?:[A-Z][\w-]*\s+){1,4}of\s+)?")
_CHAIRS = re.compile(r"\b(?:chairs|chaired|co-chairs|co-chaired|presides\s+over)\s+(?!by\b)")


def _chairs(s: Sentence, text: str) -> Iterator[Found]:
    for m in _triggers(s, text, _CHAIRED_BY):
        chair = s.at(m.end(), _is_org)
        thing = s.before(m.start(), _is_named)
        if chair and thing and thing is not chair:
            yield _key(chair), "chairs", _key(thing), (_span(thing), _span(chair))
    for m in _triggers(s, text, _CHAIRS):
        # "IOM chairs the X", "IOM co-leads the Y with the World Bank, and chairs the X":
        # the sentence's subject, its first organization
        thing = s.at(m.end(), _is_named)
        chair = next((x for x in s.mentions if _is_org(x) and x.end <= m.start()), None)
        if chair and thing and thing is not chair:
            yield _key(chair), "chairs", _key(thing), (_span(chair), _span(thing))


_COORDINATOR_OF = re.compile(r"\b[Cc]oordinator\s+(?:and\s+[Ss]ecretariat\s+)?of\s+")
_COORDINATED_BY = re.compile(r"\bcoordinated\s+by\s+")


def _coordinates(s: Sentence, text: str, document: Document, index: NameIndex) -> Iterator[Found]:
    for m in _triggers(s, text, _COORDINATOR_OF):
        thing = s.at(m.end(), _is_named)
        if not thing:
            continue
        # the actor is the clause's subject, its first organization ("IOM ... within the
        # United Nations system ... as Coordinator of ..."), or "the Organization"
        actor = next(
            (
                x
                for x in s.mentions
                if x.end <= m.start() and _is_org(x) and not _part_of_longer_name(text, x)
            ),
            None,
        )
        organization = text.rfind("the Organization", s.start, m.start())
        if actor is not None and organization > actor.end:
            actor = None  # "IOM ... the United Nations system ... the Organization's role as"
        if actor is None and organization < 0:  # "As the Coordinator of the Network, IOM ..."
            actor = next((x for x in s.mentions if x.start > thing.end and _is_org(x)), None)
            if actor and not re.fullmatch(r"\s*,\s*", text[thing.end : actor.start]):
                actor = None
        if actor is not None:
            yield _key(actor), "coordinates", _key(thing), (_span(actor), _span(thing))
        elif organization >= 0:
            # "the Organization's role as Coordinator of ...": the publisher of the report
            publisher = index.lookup(document.publisher)
            if publisher and publisher.kind == "organization":
                yield publisher.key, "coordinates", _key(thing), (m.span(), _span(thing))
    for m in _triggers(s, text, _COORDINATED_BY):
        coordinator = s.at(m.end(), _is_org)
        thing = s.before(m.start(), _is_named)
        if coordinator and thing and re.fullmatch(_RIGHT_BEFORE, text[thing.end : m.start()]):
            yield _key(coordinator), "coordinates", _key(thing), (_span(thing), _span(coordinator))


_MEMBER_OF = re.compile(
    r"\b(?:is|became|becomes|was|remains|has been|as)\s+(?:also\s+)?(?:an?\s+)?"
    r"(?:active\s+|founding\s+|full\s+|permanent\s+)?member\s+of\s+",
    re.IGNORECASE,
)


def _member_of(s: Sentence, text: str) -> Iterator[Found]:
    for m in _triggers(s, text, _MEMBER_OF):
        group = s.at(m.end(), _is_named)
        if not group:
            continue
        actor = s.before(m.start(), _is_org)
        if actor is None and m.group().casefold().startswith("as"):  # "As a member of X, IOM"
            actor = next((x for x in s.mentions if x.start > group.end and _is_org(x)), None)
        if actor and actor is not group:
            yield _key(actor), "memberOf", _key(group), (_span(actor), _span(group))


_PLACE_LIST_START = re.compile(
    r"\b(?:in|across|covering|focus(?:es|ed|ing)?\s+(?:[a-z]+\s+){0,5}?on)\s+(?:the\s+)?$"
)
_PLACE_LIST_SEPARATOR = re.compile(r"\s*(?:,\s*(?:and\s+)?|and\s+)(?:the\s+)?")
IMPLEMENTED_IN_REACH = 250  # characters between a programme and "in <country>"


def _implemented_in(s: Sentence, text: str) -> Iterator[Found]:
    countries = [m for m in s.mentions if m.kind == "country"]
    i = 0
    while i < len(countries):
        first = countries[i]
        if not _PLACE_LIST_START.search(text[max(s.start, first.start - 50) : first.start]):
            i += 1
            continue
        group = [first]
        while i + 1 < len(countries) and _PLACE_LIST_SEPARATOR.fullmatch(
            text[group[-1].end : countries[i + 1].start]
        ):
            i += 1
            group.append(countries[i])
        i += 1
        programme = s.subject_programme(first.start)
        # an antecedent from an earlier sentence counts from this sentence's start
        anchor = programme.end if programme and programme.start >= s.start else s.start
        if not programme or first.start - anchor > IMPLEMENTED_IN_REACH:
            continue
        between = [
            m
            for m in s.mentions
            if programme.end <= m.start < first.start and m.kind == "programme"
        ]
        if between:
            continue  # another programme is closer
        for country in group:
            yield (
                _key(programme),
                "implementedIn",
                _key(country),
                (_span(programme), _span(country)),
            )


# --- objective links -----------------------------------------------------------------------

_OBJECTIVE_HEADING = re.compile(
    r"^\s*(?:GCM\s+)?Objectives?\s+\d{1,2}(?:\s*(?:,|and|&)\s*(?:Objective\s+)?\d{1,2})*\s*:",
    re.IGNORECASE,
)


def objective_relations(
    document: Document, mentions: list[Mention], subkinds: dict[str, str | None]
) -> Iterator[Relation]:
    """Programmes contribute to the objectives named in their passage, and to the
    objectives of the "Objective N: ..." heading they stand under.  A heading's scope ends
    at the next heading, a new section, or a passage that turns to other objectives."""
    by_passage: dict[str, list[Mention]] = {}
    for m in mentions:
        by_passage.setdefault(m.passage_id, []).append(m)
    scope: set[str] = set()
    scope_section: tuple[str, ...] | None = None
    for passage in document.passages:
        if passage.kind == "footnote":
            continue
        found = by_passage.get(passage.id, [])
        objectives = {_key(m) for m in found if m.kind == "objective"}
        is_heading = bool(_OBJECTIVE_HEADING.match(passage.text)) and (
            passage.kind == "heading" or len(passage.text) < 200
        )
        if is_heading:
            scope, scope_section = objectives, passage.section
        elif passage.kind == "heading" or passage.section != scope_section or (objectives - scope):
            scope, scope_section = set(), None
        programmes = [
            m
            for m in found
            if m.kind == "programme" and subkinds.get(_key(m)) in CONTRIBUTING_SUBKINDS
        ]
        for programme in programmes:
            for objective in sorted(objectives | scope, key=_objective_number):
                how = "heading" if objective in scope and objective not in objectives else "passage"
                evidence = (
                    passage.text
                    if how == "passage"
                    else f"{' > '.join(passage.section)}: {programme.surface}"
                )
                evidence = " ".join(evidence.split())
                if len(evidence) > EVIDENCE_LIMIT:
                    evidence = evidence[: EVIDENCE_LIMIT - 1] + "…"
                yield Relation(_key(programme), "contributesTo", objective, passage.id, evidence)


def _objective_number(key: str) -> int:
    return int(key.rsplit("/", 1)[-1])


# --- one entity across documents -------------------------------------------------------------

# Kinds whose entities are discovered per document and may be named differently in each.
_DISCOVERED_KINDS = ("organization", "programme")


def unify(extractions: list[Extraction]) -> list[Extraction]:
    """Make an organization or programme one entity across all documents.

    Each document is linked on its own, so one thing can get two keys ("Start-up Fund for
    Safe, Orderly and Regular Migration (Migration MPTF)" in one report, "Migration
    Multi-Partner Trust Fund (Migration MPTF)" in another) or one key with two spellings
    ("Program"/"Programme").  Entities of one kind that share a key, a name or an acronym
    become one: the most mentioned key (ties: the smallest) and its label; every other name
    becomes an alternative label.  Deterministic: the result depends only on the inputs."""
    entities = [e for x in extractions for e in x.entities.values() if e.kind in _DISCOVERED_KINDS]
    if not entities:
        return extractions
    parent: dict[str, str] = {e.key: e.key for e in entities}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    owner: dict[tuple[str, str], str] = {}
    for e in sorted(entities, key=lambda e: e.key):
        for name in (e.label, *e.alt_labels):
            if (found := _name_token(name)) is None:
                continue
            token = (e.kind, found)
            if token in owner:
                a, b = find(owner[token]), find(e.key)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[token] = e.key
    counts: dict[str, int] = {}
    for x in extractions:
        for m in x.mentions:
            if m.entity_key in parent:
                counts[m.entity_key] = counts.get(m.entity_key, 0) + 1
    groups: dict[str, list[Entity]] = {}
    for e in entities:
        groups.setdefault(find(e.key), []).append(e)
    canonical: dict[str, Entity] = {}
    for members in groups.values():
        merged = _merge(members, counts)
        for e in members:
            canonical[e.key] = merged
    return [_rekey(x, canonical) for x in extractions]


def _name_token(name: str) -> str | None:
    """Acronyms ("MPTF", "Migration MPTF") compare exactly, names of two words or more by
    their slug; a one-word name ("Network") is too generic to join two documents' entities."""
    bare = re.sub(r"^(?:the|The)\s+", "", name.strip())
    words = bare.split()
    if any(sum(c.isupper() for c in w) >= 2 for w in words):
        return "acronym:" + bare
    return "name:" + key_slug(bare) if len(words) >= 2 else None


def _merge(members: list[Entity], counts: dict[str, int]) -> Entity:
    best = min(
        members,
        key=lambda e: (("reference", "true") not in e.attrs, -counts.get(e.key, 0), e.key, e.label),
    )
    names: list[str] = []
    for e in sorted(members, key=lambda e: (e is not best, e.key, e.label)):
        names += [e.label, *e.alt_labels]
    alt = tuple(dict.fromkeys(n for n in names if n != best.label))
    attrs = tuple(dict.fromkeys(a for e in members for a in e.attrs))
    return Entity(best.key, best.kind, best.label, alt, best.subkind, tuple(sorted(attrs)))


def _rekey(x: Extraction, canonical: dict[str, Entity]) -> Extraction:
    def key(k: str | None) -> str | None:
        return canonical[k].key if k in canonical else k

    entities = {}
    for k, e in x.entities.items():
        e = canonical.get(k, e)
        entities[e.key] = e
    return replace(
        x,
        entities=entities,
        mentions=[replace(m, entity_key=key(m.entity_key)) for m in x.mentions],
        relations=_dedupe(
            replace(r, subject_key=key(r.subject_key), object_key=key(r.object_key))
            for r in x.relations
        ),
        objective_links=_dedupe(
            replace(r, subject_key=key(r.subject_key)) for r in x.objective_links
        ),
        quantities=[
            replace(q, subject_key=key(q.subject_key), programme_key=key(q.programme_key))
            for q in x.quantities
        ],
    )
