"""The trial graph: typed nodes, allow-listed relationships, the JSON view, persistence."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from celltx.graph import store
from celltx.graph.schema import check_relationship, node_id
from celltx.graph.trial_graph import TrialGraph, _clean_into, describe_trial

from tests.mini_graph import TRIALS, build_mini_graph


def test_mini_graph_has_every_trial_and_product() -> None:
    g = build_mini_graph()
    assert g.node_counts()["Trial"] == len(TRIALS)
    assert g.node_counts()["Product"] == sum(len(a.products) for _, a in TRIALS)
    view = describe_trial(g, "NCT06880354")
    assert view is not None
    [product] = view["products"]
    assert product["targets"] == ["CD38", "CLEC12A"] and product["construct"] == "dual"
    assert {t["symbol"] for t in view["targets"]} == {"CLEC12A", "CD38"}
    assert view["conditions"][0]["iri"] == "http://purl.obolibrary.org/obo/MONDO_0018874"


def test_describe_trial_lists_sponsors_countries_and_sources() -> None:
    view = describe_trial(build_mini_graph(), "NCT02000001")
    assert view is not None
    assert [(s["name"], s["role"]) for s in view["sponsors"]] == [
        ("Example Pharma", "lead"), ("Capital Medical University", "collaborator")]
    assert view["countries"] == ["CN", "US"]
    assert view["sources"] == [{"path": "mini.json", "record": 4, "format": "ctgov-v2-json"}]


def test_relationships_outside_the_allow_list_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot join"):
        check_relationship("TARGETS", "Trial", "Condition")
    with pytest.raises(ValueError, match="unknown relationship"):
        check_relationship("DELETE_ALL", "Trial", "Trial")


def test_store_round_trip_is_exact(tmp_path: Path) -> None:
    g = build_mini_graph()
    store.save(g, tmp_path, stats={"trials": 7}, rejects=[], merges=[])
    first = (tmp_path / store.GRAPH_FILE).read_bytes()
    back = store.load(tmp_path)
    assert back.node_counts() == g.node_counts() and back.edge_counts() == g.edge_counts()
    assert describe_trial(back, "NCT07480213") == describe_trial(g, "NCT07480213")
    store.save(back, tmp_path, stats={"trials": 7}, rejects=[], merges=[])
    assert (tmp_path / store.GRAPH_FILE).read_bytes() == first


def test_edges_sharing_a_list_of_sources_keep_their_own() -> None:
    """The edges of one trial share one list of sources (memory, issue 11): a later trial that
    states one of them again (a site's LOCATED_IN) gives that edge a list of its own, which
    the trials after it extend in place, in order (records read out of order insert in the
    middle), leaving every other edge's list as it was."""
    from celltx.graph.merge import merge_records
    from celltx.ontology.terms import TrialAnnotation

    from celltx.models import Location, Provenance, SourceFormat, TrialRecord

    graph = TrialGraph()
    site = Location(facility="Boston Hospital", city="Boston", country="United States")
    order = (0, 1, 4, 2, 4, 3)  # the second 4: a trial read twice states nothing new
    for i in order:
        rec = TrialRecord(nct_id=f"NCT0000000{i}", provenance=Provenance(
            path="t.json", format=SourceFormat.CTGOV_V2_JSON, record=i), locations=(site,))
        graph.add_trial(merge_records([rec]), TrialAnnotation(
            is_cell_therapy=True, location_countries=("US",)))
    [(snode, has_site)] = graph.out("Trial:NCT00000000", "HAS_SITE")
    [(_, located)] = graph.out(snode, "LOCATED_IN")
    assert located["sources"] == [f"t.json#{i}" for i in range(5)]
    for i in set(order):
        [(_, own)] = graph.out(f"Trial:NCT0000000{i}", "HAS_SITE")
        assert own["sources"] == [f"t.json#{i}"]
    import copy

    twin = copy.deepcopy(graph)  # owns none of its lists: it copies a shared one first
    assert twin._owned == {} and twin.edge_counts() == graph.edge_counts()


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _clean_into(out, props)
    return out


class _ThroughNetworkxApi(TrialGraph):
    """The trial graph as it was built before nodes and edges were written into networkx's
    maps directly: through ``add_node`` and ``add_edge``."""

    def _node(self, label: str, key: str, **props: Any) -> str:
        nid = sys.intern(node_id(label, key))
        attrs = self.g._node.get(nid)
        if attrs is None:
            self.g.add_node(nid, label=label, id=key, **_clean(props))
        else:
            for k, v in _clean({k: v for k, v in props.items() if k not in attrs}).items():
                attrs[k] = v
        return nid

    def _edge(self, start: str, rel_type: str, end: str, sources: list[str],
              **props: Any) -> None:
        check_relationship(rel_type, self.g._node[start]["label"], self.g._node[end]["label"])
        key = rel_type
        if props:
            extra = "|".join(str(props[k]) for k in sorted(props) if props[k] is not None)
            if extra:
                key = sys.intern(f"{rel_type}|{extra}")
        adj = self.g._succ[start].get(end)
        if adj is not None and key in adj:
            data = adj[key]
            for ref in sources:
                if ref not in data["sources"]:
                    data["sources"] = sorted([*data["sources"], ref])
        else:
            self.g.add_edge(start, end, key=key, type=rel_type, sources=self._sources(sources),
                            **(_clean(props) if props else {}))


def _with_trials(graph: TrialGraph) -> TrialGraph:
    """The mini graph's trials, then each again from a second record (existing nodes gain
    what they lacked, existing edges gather sources)."""
    from celltx.graph.merge import merge_records

    from celltx.models import Provenance, SourceFormat, TrialRecord
    from tests.mini_graph import ELIGIBILITY

    for copy in (0, 1):
        for i, (fields, ann) in enumerate(TRIALS):
            rec = TrialRecord(provenance=Provenance(
                path=f"mini{copy}.json", format=SourceFormat.CTGOV_V2_JSON, record=i), **fields)
            graph.add_trial(merge_records([rec]), ann)
    assert ELIGIBILITY  # (summaries are set on the graph by build_mini_graph, not add_trial)
    return graph


def test_graph_written_directly_is_the_one_networkx_would_build() -> None:
    """add_trial writes nodes and edges into networkx's maps itself (issue 11: add_node and
    add_edge were a third of adding a trial): the graph must be the one the networkx API
    builds from the same trials, node for node and edge for edge in the same order with
    properties in the same order, both adjacency maps sharing each edge's key map; and
    ``out_all``/``out`` read edges in ``out_edges``' order."""
    import networkx as nx

    direct, api = _with_trials(TrialGraph()), _with_trials(_ThroughNetworkxApi())
    assert nx.utils.graphs_equal(direct.g, api.g)
    assert [(n, list(d.items())) for n, d in direct.g.nodes(data=True)] == [
        (n, list(d.items())) for n, d in api.g.nodes(data=True)]
    assert [(s, e, k, list(d.items())) for s, e, k, d in direct.g.edges(keys=True, data=True)] \
        == [(s, e, k, list(d.items())) for s, e, k, d in api.g.edges(keys=True, data=True)]
    assert direct.g._pred == api.g._pred and list(direct.g._pred) == list(api.g._pred)
    assert all(direct.g._pred[end][start] is keys
               for start, ends in direct.g._succ.items() for end, keys in ends.items())
    assert any(len(d["sources"]) == 2 for *_, d in direct.g.edges(data=True))
    for nid in direct.g:
        assert list(direct.out_all(nid)) == [
            (e, d) for _, e, d in direct.g.out_edges(nid, data=True)]
    assert list(direct.out_all("Trial:NCT00000000")) == []  # an unknown node: no edges
    assert direct.edge_counts() == dict(sorted(
        Counter(d["type"] for *_, d in direct.g.edges(data=True)).items()))
    assert direct.node_counts() == dict(sorted(
        Counter(d["label"] for _, d in direct.g.nodes(data=True)).items()))


def test_adding_a_trial_clears_networkx_caches_even_when_it_fails() -> None:
    graph = build_mini_graph()
    graph.g.__networkx_cache__ = {"converted": object()}
    with pytest.raises(AttributeError):
        graph.add_trial(None, None)  # type: ignore[arg-type]
    assert graph.g.__networkx_cache__ == {}


def test_properties_are_cleaned_as_documented() -> None:
    """Empty values are dropped, short strings shared, lists and tuples stored as lists;
    numbers and booleans kept, zero and False included."""
    import sys

    long_text = "x" * 100
    short = "".join(["RECRU", "ITING"])  # a str object that is not the interned literal
    cleaned = _clean({"a": None, "b": "", "c": [], "d": (), "e": 0, "f": False, "g": short,
                      "h": ("PHASE1", long_text), "i": long_text, "j": 2.5})
    assert cleaned == {"e": 0, "f": False, "g": "RECRUITING", "h": ["PHASE1", long_text],
                       "i": long_text, "j": 2.5}
    assert cleaned["g"] is sys.intern("RECRUITING") and type(cleaned["h"]) is list
    assert list(cleaned) == ["e", "f", "g", "h", "i", "j"]


def test_names_in_any_script_and_without_letters_are_nodes_of_their_own(tmp_path: Path) -> None:
    """Sponsors, conditions and interventions that name no vocabulary term are keyed by their
    text: the key kept ASCII letters and digits only, so four Chinese, Japanese and Korean
    hospitals were one organisation with the id "" (which the Neo4j import files then refused),
    "Anti-CD19-CAR γδT" and "anti-CD19 CAR-T" were one intervention, and names of punctuation
    alone merged with them."""
    import json

    from celltx.graph import neo4j_csv

    from celltx.pipeline import build

    studies = json.loads((Path(__file__).parent / "fixtures" / "graph" / "non_latin_names.json")
                         .read_text(encoding="utf-8"))
    extra = json.loads(json.dumps(studies[0]))
    extra["protocolSection"]["identificationModule"]["nctId"] = "NCT09100005"
    extra["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = "?!.,;--"
    extra["protocolSection"]["armsInterventionsModule"]["interventions"] = [
        {"type": "BIOLOGICAL", "name": "Anti-CD19-CAR γδT"},
        {"type": "BIOLOGICAL", "name": "anti-CD19 CAR-T"}]
    extra2 = json.loads(json.dumps(extra))
    extra2["protocolSection"]["identificationModule"]["nctId"] = "NCT09100006"
    extra2["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = "..."
    path = tmp_path / "studies.json"
    path.write_text(json.dumps([*studies, extra, extra2]), encoding="utf-8")
    graph = build([path], scope="all").graph
    sponsors = {d["id"]: d["name"] for _, d in graph.nodes("Organization")}
    assert "" not in sponsors and len(sponsors) == 6
    for _, d in graph.nodes("Trial"):
        view = describe_trial(graph, d["id"])
        assert view is not None
        [lead] = view["sponsors"]
        study = next(s for s in [*studies, extra, extra2]
                     if s["protocolSection"]["identificationModule"]["nctId"] == d["id"])
        written = study["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
        assert lead["name"] == written
        ivs = {e["name"] for e in view["interventions"]}
        assert ivs == {i["name"] for i in
                       study["protocolSection"]["armsInterventionsModule"]["interventions"]}
    conditions = [d for _, d in graph.nodes("Condition")]
    assert len({d["id"] for d in conditions}) == len(conditions)
    # the four conditions as written, which name no term (the titles' terms are nodes too)
    assert len([d for d in conditions if d["id"].startswith("text:")]) == 4
    assert not neo4j_csv.check_integrity(graph)
