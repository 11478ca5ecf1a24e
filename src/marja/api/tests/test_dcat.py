"""The DCAT-AP 3 catalogue: the same graph in every serialisation, public datasets only, and
valid against the DCAT-AP 3.0.0 SHACL shapes.

The shapes are SEMICeu/DCAT-AP ``releases/3.0.0/shacl/dcat-ap-SHACL.ttl``, stored verbatim
in ``data/`` (see data/README.md). Two facts about them decide how we validate:

* Range constraints (``sh:class``) are checked against ``rdf:type`` triples in the data
  graph itself, with no vocabulary loaded. marja's catalogue therefore describes every
  controlled term it uses (EU themes, frequencies, file types, IANA media types,
  languages, licences, access rights, ``rdfs:Resource`` for access and download URLs), so
  it validates with no ontology graph and no inference (``inference="none"``).
* ``DatasetInSeriesShape`` ("Dataset member of Dataset Series") targets *every*
  ``dcat:Dataset`` in 3.0.0 and requires ``dcat:inSeries``, so no dataset outside a series
  could conform. DCAT-AP 3.0.1 removed that shape from the combined file. Here it is
  applied as meant, to datasets in a series (``sh:targetSubjectsOf dcat:inSeries``); marja
  has none. A test shows this is the only shape that needs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyshacl
import pytest
from django.test import Client
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib import namespace as vocabularies
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from marja.api.dcat_vocabularies import DCAT, DCT, DCT_TITLE, FOAF, MARJA, SPDX
from marja.api.tests.ckan_support import (
    DEPRECATED,
    HOSPITALS,
    INTERNAL,
    RESTRICTED,
    fast_demo,
    generous_rate_limits,
    published_versions,
)
from marja.catalog.demo import DemoResult
from marja.catalog.models import Dataset
from marja.ingest.models import DatasetVersion

SHAPES = Path(__file__).resolve().parent / "data" / "dcat-ap-SHACL.ttl"
RELEASE = "https://semiceu.github.io//DCAT-AP/releases/3.0.0"
IN_SERIES = URIRef(f"{RELEASE}#DatasetInSeriesShape")
EU = "http://publications.europa.eu/resource/authority/"


@pytest.fixture(autouse=True)
def _rate_limits(settings: Any) -> Iterator[None]:
    yield from generous_rate_limits(settings)


@pytest.fixture
def demo(db: None, settings: Any) -> DemoResult:
    return fast_demo(settings)


@pytest.fixture
def published(demo: DemoResult, settings: Any, tmp_path: Path) -> dict[str, DatasetVersion]:
    return published_versions(settings, tmp_path)


def stored_shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def dcat_ap_shapes() -> Graph:
    """The 3.0.0 shapes, with DatasetInSeriesShape aimed at datasets in a series."""
    shapes = stored_shapes()
    shapes.remove((IN_SERIES, SH.targetClass, DCAT.Dataset))
    shapes.add((IN_SERIES, SH.targetSubjectsOf, DCAT.inSeries))
    return shapes


def catalogue(extension: str = "ttl", **headers: str) -> Any:
    response = Client().get(f"/catalog.{extension}" if extension else "/catalog", headers=headers)
    assert response.status_code == 200, response.content[:500]
    return response


def parsed(response: Any, rdf_format: str = "turtle") -> Graph:
    return Graph().parse(data=response.content, format=rdf_format)


def validate(graph: Graph, shapes: Graph) -> tuple[bool, Graph, str]:
    conforms, report, text = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", abort_on_first=False
    )
    return bool(conforms), report, str(text)


def test_the_stored_shapes_are_whole() -> None:
    shapes = stored_shapes()
    assert len(shapes) == 2208
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    assert len(node_shapes) == 41
    assert node_shapes == set(shapes.objects(URIRef(RELEASE), RDFS.member))
    property_shapes = set(shapes.objects(None, SH.property))
    assert len(property_shapes) == 292
    assert all((p, SH.path, None) in shapes for p in property_shapes)


def test_every_serialisation_is_the_same_graph(published: dict[str, DatasetVersion]) -> None:
    turtle = catalogue("ttl")
    assert turtle["Content-Type"] == "text/turtle; charset=utf-8"
    json_ld = catalogue("jsonld")
    assert json_ld["Content-Type"] == "application/ld+json; charset=utf-8"
    rdf_xml = catalogue("rdf")
    graph = parsed(turtle)
    assert len(graph) > 500
    assert isomorphic(graph, parsed(json_ld, "json-ld"))
    assert isomorphic(graph, parsed(rdf_xml, "xml"))


def test_the_catalogue_conforms_to_dcat_ap_3(published: dict[str, DatasetVersion]) -> None:
    graph = parsed(catalogue("jsonld"), "json-ld")
    conforms, _report, text = validate(graph, dcat_ap_shapes())
    assert conforms, text


def test_only_the_series_shape_needed_its_target_narrowed(
    published: dict[str, DatasetVersion],
) -> None:
    conforms, report, _text = validate(parsed(catalogue()), stored_shapes())
    assert not conforms
    sources = set(report.objects(None, SH.sourceShape))
    in_series_shapes = set(stored_shapes().objects(IN_SERIES, SH.property))
    assert sources and sources <= in_series_shapes


def test_the_shapes_do_catch_a_broken_catalogue(published: dict[str, DatasetVersion]) -> None:
    graph = parsed(catalogue())
    dataset = URIRef(f"http://testserver/datasets/{HOSPITALS}/#dataset")
    graph.remove((dataset, DCT_TITLE, None))
    graph.add((dataset, DCT.accrualPeriodicity, URIRef(f"{EU}frequency/SOMETIMES")))
    conforms, report, _text = validate(graph, dcat_ap_shapes())
    assert not conforms
    focus = set(report.objects(None, SH.focusNode))
    assert focus == {dataset}


def test_only_public_published_datasets_are_in_it(published: dict[str, DatasetVersion]) -> None:
    response = catalogue()
    graph = parsed(response)
    identifiers = {
        str(i)
        for d in graph.subjects(RDF.type, DCAT.Dataset)
        for i in graph.objects(d, DCT.identifier)
    }
    expected = set(
        Dataset.objects.filter(access="public", status="published").values_list("slug", flat=True)
    )
    assert identifiers == expected and len(expected) == 13
    text = response.content.decode()
    for hidden in (INTERNAL, RESTRICTED, DEPRECATED, "vaccination-coverage"):
        assert hidden not in text
    catalog = URIRef("http://testserver/catalog")
    assert set(graph.objects(catalog, DCAT.dataset)) == set(graph.subjects(RDF.type, DCAT.Dataset))


def test_a_dataset_in_detail(published: dict[str, DatasetVersion]) -> None:
    version = published[HOSPITALS]
    graph = parsed(catalogue())
    dataset = URIRef(f"http://testserver/datasets/{HOSPITALS}/#dataset")
    titles = set(graph.objects(dataset, DCT_TITLE))
    assert titles == {
        Literal("تخت‌های بیمارستانی فعال", lang="fa"),
        Literal("Active hospital beds", lang="en"),
    }
    assert URIRef(f"{EU}data-theme/HEAL") in set(graph.objects(dataset, DCAT.theme))
    assert graph.value(dataset, DCT.accrualPeriodicity) == URIRef(f"{EU}frequency/QUARTERLY")
    publisher = graph.value(dataset, DCT.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert Literal("Tehran University of Medical Sciences", lang="en") in set(
        graph.objects(publisher, FOAF.name)
    )
    assert len(set(graph.objects(dataset, DCT.spatial))) == 8
    assert Literal("بیمارستان") in set(graph.objects(dataset, DCAT.keyword))
    period = graph.value(dataset, DCT.temporal)
    assert graph.value(period, DCAT.startDate) == Literal(
        "2022-03-21", datatype=vocabularies.XSD.date
    )
    assert graph.value(period, MARJA.startDateJalali) == Literal("1401/01/01")
    issued = graph.value(dataset, DCT.issued)
    assert isinstance(issued, Literal) and issued.datatype == vocabularies.XSD.dateTime
    assert str(graph.value(dataset, MARJA.modifiedJalali)).startswith("14")

    parquet = URIRef(f"http://testserver/datasets/{HOSPITALS}/versions/1/#distribution")
    assert parquet in set(graph.objects(dataset, DCAT.distribution))
    assert graph.value(parquet, DCAT.downloadURL) == URIRef(
        f"http://testserver/datasets/{HOSPITALS}/versions/1/data.parquet"
    )
    assert graph.value(parquet, DCAT.byteSize) == Literal(
        version.size, datatype=vocabularies.XSD.nonNegativeInteger
    )
    checksum = graph.value(parquet, SPDX.checksum)
    assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert graph.value(checksum, SPDX.checksumValue) == Literal(
        version.sha256, datatype=vocabularies.XSD.hexBinary
    )
    assert graph.value(parquet, DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/application/vnd.apache.parquet"
    )
    assert graph.value(parquet, DCT.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    csv = URIRef(f"http://testserver/datasets/{HOSPITALS}/#csv")
    assert graph.value(csv, DCT["format"]) == URIRef(f"{EU}file-type/CSV")
    # A public dataset without a version is listed, without distributions.
    empty = URIRef("http://testserver/datasets/air-quality-index/#dataset")
    assert (empty, RDF.type, DCAT.Dataset) in graph
    assert not set(graph.objects(empty, DCAT.distribution))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/ld+json", "application/ld+json"),
        ("text/turtle;q=0.9, application/rdf+xml", "application/rdf+xml"),
        ("application/json", "application/ld+json"),
        ("text/html,*/*;q=0.8", "text/turtle"),
        ("", "text/turtle"),
    ],
)
def test_content_negotiation(accept: str, media_type: str) -> None:
    response = Client().get("/catalog", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response["Content-Type"] == f"{media_type}; charset=utf-8"
    assert "Accept" in [v.strip() for v in response["Vary"].split(",")]


@pytest.mark.django_db
def test_unknown_formats_and_methods() -> None:
    assert Client().get("/catalog.xlsx").status_code == 404
    assert Client().post("/catalog.ttl").status_code == 405
