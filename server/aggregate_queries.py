"""SPARQL aggregates over observations, pre-aggregated from the observation index.

A query of this shape (token for token, the small grammar of `server.listing_queries`)::

    [PREFIX p: <iri>]*
    SELECT [DISTINCT] (?key | (COUNT(?v|*) AS ?a) | (SUM(?v) AS ?a))+
    [WHERE] { ?obs a qb:Observation ; P1 <iri> ; P2 ?x ; ... .     (the star)
              ?x Q ?y . ... }                                      (other patterns)
    [GROUP BY ?key+]
    [ORDER BY (?k | ASC(?k) | DESC(?k))+] [LIMIT n] [OFFSET m]

is answered in two steps when every property of the star is a column of the build's
observation index (`graph.cube_index`): the index selects the star's rows, which are
counted and summed here per value of the star variables the rest of the query uses (the
"keys"); then the engine runs the query again with the star replaced by those partial
counts and sums (``VALUES (?x ?_n ?_s) { ... }``), and with COUNT and SUM of the star
replaced by SUM of the partials.  That is exact: every star row with one key joins the
same rows of the other patterns, so a group's count (sum) is the sum of its keys' partial
counts (sums); the engine still does the joins, the grouping, the ORDER BY and the
formatting.  Sums are taken only over xsd:integer and xsd:decimal values, exactly (a
double, an ill-typed value or an overflow sends the query to the engine as written).
The star without ``a qb:Observation`` is taken when one of its properties is used by
observations only.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.cube_index import OBSERVATION, XSD, CubeIndex
from graph.listing_index import RDF_TYPE
from server.listing_queries import NotAShape, Terms, TokenStream, read_slice, shape_parser

MAX_ROWS = 1_000_000  # star rows read from the index (past it, the engine answers)
# Below this many star rows the engine answers as fast as the two steps (it spends ~17 µs
# per observation at 1M triples; the index path costs ~1.2 ms more at ~100 rows).
MIN_ROWS = 400
MAX_KEYS = 50_000  # VALUES rows handed to the engine
# Oxigraph keeps integers in 64 bits and decimals in 128 bits with 18 fraction digits;
# sums near those limits may overflow there and not here, so they stay with the engine.
_INTEGER_LIMIT = 2**62
_DECIMAL_LIMIT = 10**19


@dataclass(frozen=True)
class Aggregate:
    function: str  # COUNT / SUM
    argument: str | None  # variable name; None for COUNT(*)
    alias: str


@dataclass(frozen=True)
class Pattern:
    subject: tuple[str, str]  # ("var", name) / ("iri", absolute IRI) / token as written
    predicate: str  # absolute IRI (variables there are the engine's)
    object: tuple[str, str]
    text: str  # the pattern as written (tokens joined), for the engine's query


@dataclass(frozen=True)
class AggregateQuery:
    prologue: str
    distinct: bool
    projection: tuple[str | Aggregate, ...]
    patterns: tuple[Pattern, ...]
    group_by: tuple[str, ...]
    order_by: tuple[tuple[str, str], ...]  # (direction "" / ASC / DESC, variable)
    offset: int
    limit: int | None
    variables: frozenset[str]  # every variable the query names


@dataclass(frozen=True)
class _Plan:
    constants: dict[str, str]  # predicate -> IRI term
    keys: tuple[tuple[str, str], ...]  # (variable, predicate), star variables kept
    sums: tuple[tuple[str, str], ...]  # (variable, predicate), star variables summed
    present: tuple[str, ...]  # predicates of every star variable (each must have a value)
    others: tuple[Pattern, ...]


def _parse(t: TokenStream, base_iri: str) -> AggregateQuery:
    terms = Terms(base_iri)
    start = t.i
    terms.read_prologue(t)
    prologue = " ".join(text for _, text in t.items[start : t.i])
    if not t.keyword("SELECT"):
        raise NotAShape
    distinct = t.keyword("DISTINCT")
    projection: list[str | Aggregate] = []
    while True:
        kind, text = t.peek()
        if kind == "var":
            projection.append(t.take()[1][1:])
        elif t.punct("("):
            projection.append(_aggregate(t))
        else:
            break
    t.keyword("WHERE")
    if not projection or not t.punct("{"):
        raise NotAShape
    patterns = _patterns(t, terms)
    group_by: list[str] = []
    if t.keyword("GROUP"):
        if not t.keyword("BY"):
            raise NotAShape
        while t.peek()[0] == "var":
            group_by.append(t.take()[1][1:])
        if not group_by:
            raise NotAShape
    order_by: list[tuple[str, str]] = []
    if t.keyword("ORDER"):
        if not t.keyword("BY"):
            raise NotAShape
        while True:
            kind, text = t.peek()
            if kind == "var":
                order_by.append(("", t.take()[1][1:]))
            elif kind == "word" and text.upper() in ("ASC", "DESC"):
                t.take()
                if not t.punct("("):
                    raise NotAShape
                kind, name = t.take()
                if kind != "var" or not t.punct(")"):
                    raise NotAShape
                order_by.append((text.upper(), name[1:]))
            else:
                break
        if not order_by:
            raise NotAShape
    offset, limit, _ = read_slice(t)
    if t.peek()[0] != "end":
        raise NotAShape
    in_patterns = set()
    for pattern in patterns:
        in_patterns |= {text for kind, text in (pattern.subject, pattern.object) if kind == "var"}
    aliases = {item.alias for item in projection if isinstance(item, Aggregate)}
    plain = [item for item in projection if isinstance(item, str)]
    if (
        not set(group_by) <= in_patterns
        or not set(plain) <= set(group_by)
        or aliases & in_patterns
        or len(aliases) + len(plain) != len(projection)
        or not {name for _, name in order_by} <= set(group_by) | aliases
        or any(
            item.argument is not None and item.argument not in in_patterns
            for item in projection
            if isinstance(item, Aggregate)
        )
    ):
        raise NotAShape  # what SPARQL rejects or answers oddly stays with the engine
    variables = in_patterns | aliases
    return AggregateQuery(
        prologue,
        distinct,
        tuple(projection),
        tuple(patterns),
        tuple(group_by),
        tuple(order_by),
        offset,
        limit,
        frozenset(variables),
    )


def _aggregate(t: TokenStream) -> Aggregate:
    """``COUNT(?v) AS ?a)`` / ``COUNT(*) AS ?a)`` / ``SUM(?v) AS ?a)`` (after the "(")."""
    kind, function = t.take()
    function = function.upper()
    if kind != "word" or function not in ("COUNT", "SUM") or not t.punct("("):
        raise NotAShape
    argument = None
    if function == "COUNT" and t.punct("*"):
        pass
    elif t.peek()[0] == "var":
        argument = t.take()[1][1:]
    else:
        raise NotAShape  # DISTINCT, expressions
    if not t.punct(")") or not t.keyword("AS"):
        raise NotAShape
    kind, alias = t.take()
    if kind != "var" or not t.punct(")"):
        raise NotAShape
    return Aggregate(function, argument, alias[1:])


def _patterns(t: TokenStream, terms: Terms) -> list[Pattern]:
    """Triple patterns up to the closing "}" (``;`` and ``,`` lists; no paths, blank
    nodes, groups or variable predicates)."""
    patterns: list[Pattern] = []
    while not t.punct("}"):
        subject = _node(t.take(), terms, subject=True)
        while True:
            verb = t.take()
            if verb == ("word", "a"):
                predicate, verb_text = RDF_TYPE, "a"
            else:
                predicate, verb_text = terms.iri(verb), verb[1]
            while True:
                written = t.take()
                obj, _ = _node(written, terms, subject=False)
                patterns.append(
                    Pattern(subject[0], predicate, obj, f"{subject[1]} {verb_text} {written[1]} .")
                )
                if not t.punct(","):
                    break
            if not t.more_predicates():
                break
    return patterns


def _node(token: tuple[str, str], terms: Terms, *, subject: bool) -> tuple[tuple[str, str], str]:
    kind, text = token
    if kind == "var":
        return ("var", text[1:]), text
    if kind in ("iri", "pname"):
        return ("iri", terms.iri(token)), text
    if not subject and kind in ("string", "number"):
        return ("literal", text), text
    raise NotAShape


# The aggregate a query is (see the module docstring), or None; cached per text.
parse_aggregate = shape_parser(_parse, any_of=("COUNT", "SUM"))


def _plan(query: AggregateQuery, index: CubeIndex) -> _Plan | None:
    columns = index.columns
    if not columns:
        return None
    stars = [
        p.subject[1]
        for p in query.patterns
        if p.subject[0] == "var" and p.predicate == RDF_TYPE and p.object == ("iri", OBSERVATION)
    ]
    if len(stars) > 1:
        return None
    if stars:
        star = stars[0]
    else:  # no type pattern: a subject one of whose properties only observations have
        subjects = {
            p.subject[1]
            for p in query.patterns
            if p.subject[0] == "var" and p.predicate in columns and columns[p.predicate].exclusive
        }
        if len(subjects) != 1:
            return None
        star = subjects.pop()
    constants: dict[str, str] = {}
    star_vars: dict[str, str] = {}  # variable -> predicate
    others: list[Pattern] = []
    typed = False
    for p in query.patterns:
        if p.subject != ("var", star):
            others.append(p)
            continue
        if p.predicate == RDF_TYPE and p.object == ("iri", OBSERVATION) and not typed:
            typed = True
            continue
        if p.predicate not in columns or p.predicate in constants.keys() | star_vars.values():
            return None  # a property the index lacks, or one property twice
        kind, value = p.object
        if kind == "iri":
            constants[p.predicate] = f"<{value}>"
        elif kind == "var" and value != star and value not in star_vars:
            star_vars[value] = p.predicate
        else:
            return None  # literals (the index keeps terms as stored), repeated variables
    if not (constants or star_vars):
        return None
    used_elsewhere = set(query.group_by) | {
        item for item in query.projection if isinstance(item, str)
    }
    for p in others:
        used_elsewhere |= {text for kind, text in (p.subject, p.object) if kind == "var"}
    if star in used_elsewhere:
        return None  # one key per observation: nothing to gain
    sums: list[tuple[str, str]] = []
    for item in query.projection:
        if not isinstance(item, Aggregate):
            continue
        if item.function == "SUM":
            if item.argument not in star_vars:
                return None  # a sum over the other patterns' values is not pre-aggregated
            if item.argument not in dict(sums):
                sums.append((item.argument, star_vars[item.argument]))
    keys = tuple(
        (name, predicate) for name, predicate in star_vars.items() if name in used_elsewhere
    )
    return _Plan(constants, keys, tuple(sums), tuple(star_vars.values()), tuple(others))


def rewrite(query: AggregateQuery, index: CubeIndex) -> str | None:
    """The query over pre-aggregated rows (see the module docstring), or None when the
    index cannot answer it exactly."""
    plan = _plan(query, index)
    if plan is None:
        return None
    rows = index.groups(
        plan.constants,
        [p for _, p in plan.keys],
        [p for _, p in plan.sums],
        MAX_ROWS,
        present=plan.present,
        floor=MIN_ROWS,
    )
    if rows is None or len(rows) > MAX_KEYS:
        return None
    width = len(plan.keys)
    key_terms = index.terms({term for row in rows for term in row[:width]})
    if any(term.startswith("_:") for term in key_terms.values()):
        return None  # a blank node cannot be written in VALUES
    scales = [index.columns[predicate].scale or 0 for _, predicate in plan.sums]
    lines = []
    for row in rows:
        count = row[width]
        cells = [key_terms[term] for term in row[:width]]
        cells.append(str(count))
        for i, scale in enumerate(scales):
            scaled, any_decimal, numbers = row[width + 1 + 3 * i : width + 4 + 3 * i]
            if numbers != count:
                return None  # SUM over a non-number is an error the engine reports
            text = _sum_text(bool(any_decimal), scaled, scale)
            if text is None:
                return None
            cells.append(text)
        lines.append(f"({' '.join(cells)})")
    names = [name for name, _ in plan.keys]
    count_var = _fresh("n", query.variables)
    sum_vars = {name: _fresh(f"sum_{name}", query.variables) for name, _ in plan.sums}
    header = " ".join(f"?{name}" for name in [*names, count_var, *sum_vars.values()])
    select = []
    for item in query.projection:
        if isinstance(item, str):
            select.append(f"?{item}")
        elif item.function == "COUNT":
            select.append(f"(SUM(?{count_var}) AS ?{item.alias})")
        else:
            select.append(f"(SUM(?{sum_vars[item.argument or '']}) AS ?{item.alias})")
    order = " ".join(
        f"{direction}(?{name})" if direction else f"?{name}" for direction, name in query.order_by
    )
    return "\n".join(
        [
            query.prologue,
            f"SELECT {'DISTINCT ' if query.distinct else ''}{' '.join(select)} WHERE {{",
            f"VALUES ({header}) {{",
            *lines,
            "}",
            *(p.text for p in plan.others),
            "}",
            f"GROUP BY {' '.join(f'?{name}' for name in query.group_by)}" if query.group_by else "",
            f"ORDER BY {order}" if order else "",
            f"LIMIT {query.limit}" if query.limit is not None else "",
            f"OFFSET {query.offset}" if query.offset else "",
        ]
    )


def _sum_text(is_decimal: bool, scaled: int, scale: int) -> str | None:
    """The SPARQL literal of a partial sum of ``scaled`` / 10^``scale``: an xsd:integer
    when every value was one (then the scaled sum is a whole multiple), else an
    xsd:decimal; None past what the engine's numbers hold."""
    power = 10**scale
    if not is_decimal:
        whole, rest = divmod(scaled, power)
        if rest or abs(whole) >= _INTEGER_LIMIT:
            return None
        return str(whole)
    if abs(scaled) >= _DECIMAL_LIMIT * power:
        return None
    digits = str(abs(scaled)).rjust(scale + 1, "0")
    sign = "-" if scaled < 0 else ""
    text = f"{digits[:-scale]}.{digits[-scale:]}" if scale else f"{digits}.0"
    return f'"{sign}{text}"^^<{XSD}decimal>'


def _fresh(stem: str, taken: frozenset[str]) -> str:
    name = f"_migkg_{stem}"
    while name in taken:
        name += "_"
    return name
