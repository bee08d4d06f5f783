"""The validate stage: SHACL validation of a built graph with pyshacl.

Options chosen (measured on a synthetic 60k-triple graph, see bench/validate_bench.py):

* ``inference="none"``: instances carry their project types explicitly, so RDFS/OWL-RL
  expansion would only cost time (it clones and grows the data graph);
* no ``ont_graph``: mixing the ontology in forces pyshacl to copy the data graph;
* ``advanced=False``, ``js=False``, ``iterate_rules=False``: the shapes use core constraints
  only (no SHACL rules, SPARQL targets or JavaScript);
* ``meta_shacl=False``: the shapes file is checked once by the tests, not on every build;
* ``allow_warnings=True``: shapes of severity sh:Warning / sh:Info report without failing a build;
* ``inplace=True``: with no inference the data graph is not modified, so it need not be cloned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from graph.namespaces import SH, vocab
from graph.reference import shapes_graph

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass
class Violation:
    focus: str  # IRI of the node that fails
    path: str | None  # compact property path ("ont:year"), None for node-level constraints
    message: str
    severity: str  # Violation | Warning | Info
    shape: str | None  # compact IRI of the shape ("shape:Country-iso3"), None if anonymous
    value: str | None  # the offending value, when there is one

    def line(self) -> str:
        where = f"focus <{self.focus}>" + (f" path {self.path}" if self.path else "")
        value = f" (value: {self.value})" if self.value is not None else ""
        tag = "" if self.severity == "Violation" else f"[{self.severity}] "
        return f"{tag}{where}: {self.message}{value}"


@dataclass
class ValidationResult:
    conforms: bool
    violations: list[Violation]
    report: Graph = field(repr=False)

    def text(self, limit: int = 50) -> str:
        """A readable summary: one line per result, worst first, at most ``limit`` lines."""
        if not self.violations:
            return "conforms: no SHACL results"
        head = "conforms" if self.conforms else "does not conform"
        lines = [f"{head}: {len(self.violations)} SHACL result(s)"]
        lines += [v.line() for v in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"... and {len(self.violations) - limit} more")
        return "\n".join(lines)


@cache
def _shapes(base: str) -> Graph:
    return shapes_graph(base)


def validate(data: Graph, base: str) -> ValidationResult:
    """Validate ``data`` (all triples in one graph, ontology not needed) against the shapes."""
    v = vocab(base)
    shapes = _shapes(v.base)
    conforms, report, _text = pyshacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        js=False,
        iterate_rules=False,
        meta_shacl=False,
        abort_on_first=False,
        allow_warnings=True,
        inplace=True,
    )
    prefixes = {**v.prefixes(), "shape": v.base + "shapes#"}
    violations = _violations(report, prefixes)
    return ValidationResult(conforms=bool(conforms), violations=violations, report=report)


_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


def _violations(report: Graph, prefixes: dict[str, str]) -> list[Violation]:
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = SEVERITIES.get(report.value(result, SH.resultSeverity), "Violation")
        path = report.value(result, SH.resultPath)
        shape = report.value(result, SH.sourceShape)
        focus = report.value(result, SH.focusNode)
        value = report.value(result, SH.value)
        if value == focus:  # node-level results (sh:or) repeat the focus node as the value
            value = None
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        out.append(
            Violation(
                focus=str(focus),
                path=_compact(path, prefixes) if path is not None else None,
                message=" / ".join(messages) or "constraint violated",
                severity=severity,
                shape=_compact(shape, prefixes) if isinstance(shape, URIRef) else None,
                value=_show(value, prefixes) if value is not None else None,
            )
        )
    out.sort(key=lambda x: (_SEVERITY_ORDER.get(x.severity, 9), x.focus, x.path or "", x.message))
    return out


def _compact(term: object, prefixes: dict[str, str]) -> str:
    if isinstance(term, URIRef):
        iri = str(term)
        best = max(
            ((p, ns) for p, ns in prefixes.items() if iri.startswith(ns)),
            key=lambda item: len(item[1]),
            default=None,
        )
        return f"{best[0]}:{iri[len(best[1]) :]}" if best else f"<{iri}>"
    if isinstance(term, BNode):
        return "(complex path)"
    return str(term)


def _show(value: object, prefixes: dict[str, str]) -> str:
    if isinstance(value, Literal):
        return value.n3()
    return _compact(value, prefixes)
