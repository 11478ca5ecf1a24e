"""A DCAT-AP 3 catalogue of the public datasets, for harvesters (data.europa.eu-style portals,
CKAN's DCAT harvester, national aggregators).

``/catalog.ttl`` (Turtle), ``/catalog.jsonld`` (JSON-LD), ``/catalog.rdf`` (RDF/XML), and
``/catalog`` choosing by the ``Accept`` header. One graph is built and serialised; it holds
only datasets an anonymous visitor may see that are published (not drafts, not deprecated).

Controlled vocabularies are the EU's (data themes, frequencies, file types, languages,
access rights) and IANA's media types. Each term used is also described in the graph
(its class and label), so the catalogue validates against the DCAT-AP 3 SHACL shapes on
its own. Jalali dates and marja's own facts are extra literals in the ``marja:``
namespace (``urn:marja:ns#``), which DCAT-AP consumers ignore.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from marja.accounts.models import Organisation
from marja.api.ckan_actions import site_description
from marja.api.ckan_base import Context, jalali_day, jalali_time
from marja.api.ckan_dicts import csv_url, metadata_modified, parquet_url
from marja.api.ckan_search import current_versions, with_relations
from marja.api.dcat_vocabularies import (
    DCAT,
    DCT,
    DCT_FORMAT,
    DCT_TITLE,
    EU,
    EU_FREQUENCIES,
    EU_THEME_LABELS,
    EU_THEMES,
    FILE_TYPES,
    FOAF,
    IANA,
    MARJA,
    PREFIXES,
    SKOS,
    SPDX,
    VCARD,
)
from marja.api.errors import in_both_languages
from marja.catalog.models import County, Dataset, Licence, Province, Theme
from marja.catalog.selectors import datasets_visible_to
from marja.ingest.models import DatasetVersion

SERIALISATIONS = {
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("xml", "application/rdf+xml"),
}

CATALOG_TITLE = _("marja: the data catalogue of %(province)s")


def _both(g: Graph, subject: Node, predicate: URIRef, fa: str, en: str) -> None:
    """A text in Persian and, when there is one, in English."""
    g.add((subject, predicate, Literal(fa, lang="fa")))
    if en:
        g.add((subject, predicate, Literal(en, lang="en")))


def _moment(value: dt.datetime) -> Literal:
    return Literal(value, datatype=XSD.dateTime)


class CatalogueBuilder:
    """Builds the graph; mints marja's IRIs under the site's address."""

    def __init__(self, request: HttpRequest) -> None:
        self.ctx = Context(request=request, user=AnonymousUser(), action_path="/api/3/action/")
        self.site = request.build_absolute_uri("/")
        self.catalog = URIRef(f"{self.site}catalog")
        self.g = Graph()
        for prefix, namespace in PREFIXES.items():
            self.g.bind(prefix, namespace)

    def local(self, name: str) -> URIRef:
        return URIRef(f"{self.catalog}#{name}")

    def page(self, path: str, fragment: str = "") -> URIRef:
        return URIRef(self.ctx.absolute(path) + (f"#{fragment}" if fragment else ""))

    def document(self, url: str) -> URIRef:
        node = URIRef(url)
        self.g.add((node, RDF.type, FOAF.Document))
        return node

    def address(self, url: str) -> URIRef:
        """A URL that DCAT-AP 3.0.0 ranges over ``rdfs:Resource`` (access and download
        URLs), typed so because its shapes check the class literally."""
        node = URIRef(url)
        self.g.add((node, RDF.type, RDFS.Resource))
        return node

    def term(self, iri: str, kind: URIRef, label: str = "") -> URIRef:
        """A controlled-vocabulary term, typed (and labelled) so the graph is self-contained."""
        node = URIRef(iri)
        self.g.add((node, RDF.type, kind))
        if label:
            self.g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
        return node

    def agent(self, organisation: Organisation) -> URIRef:
        node = self.page(organisation.get_absolute_url(), "agent")
        self.g.add((node, RDF.type, FOAF.Agent))
        self.g.add((node, RDF.type, FOAF.Organization))
        _both(self.g, node, FOAF.name, organisation.name_fa, organisation.name_en)
        return node

    def licence(self, licence: Licence) -> URIRef:
        node = URIRef(licence.url) if licence.url else self.local(f"licence-{licence.slug}")
        self.g.add((node, RDF.type, DCT.LicenseDocument))
        _both(self.g, node, DCT_TITLE, licence.name_fa, licence.name_en)
        return node

    def county(self, county: County) -> URIRef:
        node = self.local(f"county-{county.code}")
        self.g.add((node, RDF.type, DCT.Location))
        self.g.add((node, DCT.identifier, Literal(county.code)))
        _both(self.g, node, SKOS.prefLabel, county.name_fa, county.name_en)
        return node

    def themes(self, theme: Theme) -> list[URIRef]:
        scheme = self.local("themes")
        node = self.local(f"theme-{theme.slug}")
        self.g.add((node, RDF.type, SKOS.Concept))
        self.g.add((node, SKOS.inScheme, scheme))
        _both(self.g, node, SKOS.prefLabel, theme.name_fa, theme.name_en)
        nodes = [node]
        code = EU_THEMES.get(theme.slug)
        if code:
            eu = self.term(f"{EU}data-theme/{code}", SKOS.Concept, EU_THEME_LABELS[code])
            self.g.add((eu, SKOS.inScheme, URIRef(f"{EU}data-theme")))
            nodes.append(eu)
        return nodes

    def catalogue(self, datasets: list[Dataset], versions: dict[int, DatasetVersion]) -> Graph:
        g, catalog = self.g, self.catalog
        province = Province.objects.order_by("pk").first()
        names = {"fa": "", "en": ""}
        if province is not None:
            names = {"fa": province.name_fa, "en": province.name_en or province.name_fa}
        titles = {
            lang: in_both_languages(CATALOG_TITLE, {"province": names[lang]})[lang]
            for lang in ("fa", "en")
        }
        descriptions = site_description()
        g.add((catalog, RDF.type, DCAT.Catalog))
        _both(g, catalog, DCT_TITLE, titles["fa"], titles["en"])
        _both(g, catalog, DCT.description, descriptions["fa"], descriptions["en"])
        g.add((catalog, FOAF.homepage, self.document(self.site)))
        g.add((catalog, DCT.publisher, self._catalogue_publisher(names)))
        for code in ("FAS", "ENG"):
            language = self.term(f"{EU}language/{code}", DCT.LinguisticSystem)
            g.add((catalog, DCT.language, language))
        eu_themes = self.term(f"{EU}data-theme", SKOS.ConceptScheme)
        g.add((eu_themes, DCT_TITLE, Literal("Data theme", lang="en")))
        own_themes = self.term(str(self.local("themes")), SKOS.ConceptScheme)
        _both(g, own_themes, DCT_TITLE, str(_("themes")), "Themes")
        g.add((catalog, DCAT.themeTaxonomy, eu_themes))
        g.add((catalog, DCAT.themeTaxonomy, own_themes))
        modified = [metadata_modified(d, versions.get(d.pk)) for d in datasets]
        if modified:
            g.add((catalog, DCT.modified, _moment(max(modified))))
        for dataset in datasets:
            g.add((catalog, DCAT.dataset, self.dataset(dataset, versions.get(dataset.pk))))
        return g

    def _catalogue_publisher(self, names: dict[str, str]) -> URIRef:
        governorate = Organisation.objects.filter(
            kind=Organisation.Kind.GOVERNORATE, parent__isnull=True
        ).first()
        if governorate is not None:
            return self.agent(governorate)
        node = self.local("publisher")
        self.g.add((node, RDF.type, FOAF.Agent))
        _both(self.g, node, FOAF.name, names["fa"] or "marja", names["en"])
        return node

    def dataset(self, dataset: Dataset, version: DatasetVersion | None) -> URIRef:
        g = self.g
        landing = self.document(self.ctx.absolute(dataset.get_absolute_url()))
        node = self.page(dataset.get_absolute_url(), "dataset")
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCT.identifier, Literal(dataset.slug)))
        _both(g, node, DCT_TITLE, dataset.title_fa, dataset.title_en)
        _both(
            g,
            node,
            DCT.description,
            dataset.description_fa or dataset.title_fa,
            dataset.description_en,
        )
        g.add((node, DCAT.landingPage, landing))
        g.add((node, DCT.publisher, self.agent(dataset.publisher)))
        g.add((node, DCAT.contactPoint, self._contact(dataset, node)))
        for theme in self.themes(dataset.theme):
            g.add((node, DCAT.theme, theme))
        for tag in dataset.tags.all():
            g.add((node, DCAT.keyword, Literal(tag.name)))
        for county in dataset.counties.all():
            g.add((node, DCT.spatial, self.county(county)))
        if dataset.temporal_start or dataset.temporal_end:
            g.add((node, DCT.temporal, self._period(dataset)))
        frequency = EU_FREQUENCIES.get(dataset.frequency)
        if frequency:
            g.add(
                (
                    node,
                    DCT.accrualPeriodicity,
                    self.term(f"{EU}frequency/{frequency}", DCT.Frequency),
                )
            )
        rights = self.term(f"{EU}access-right/PUBLIC", DCT.RightsStatement)
        g.add((node, DCT.accessRights, rights))
        g.add((node, DCT.language, URIRef(f"{EU}language/FAS")))
        issued = dataset.published_at or dataset.created_at
        modified = metadata_modified(dataset, version)
        g.add((node, DCT.issued, _moment(issued)))
        g.add((node, DCT.modified, _moment(modified)))
        g.add((node, MARJA.issuedJalali, Literal(jalali_time(issued))))
        g.add((node, MARJA.modifiedJalali, Literal(jalali_time(modified))))
        g.add((node, MARJA.accessLevel, Literal(dataset.access)))
        if version is not None:
            g.add((node, DCAT.version, Literal(str(version.number))))
            licence = self.licence(dataset.licence)
            g.add((node, DCAT.distribution, self._parquet(dataset, version, licence)))
            g.add((node, DCAT.distribution, self._csv(dataset, version, licence, landing)))
        return node

    def _contact(self, dataset: Dataset, node: URIRef) -> URIRef:
        contact = URIRef(f"{node}-contact")
        self.g.add((contact, RDF.type, VCARD.Kind))
        self.g.add((contact, RDF.type, VCARD.Organization))
        name = dataset.contact_name or dataset.publisher.name_fa
        self.g.add((contact, VCARD.fn, Literal(name)))
        email = dataset.contact_email or dataset.publisher.email
        if email:
            self.g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{email}")))
        return contact

    def _period(self, dataset: Dataset) -> BNode:
        period = BNode()
        self.g.add((period, RDF.type, DCT.PeriodOfTime))
        for day, exact, jalali in (
            (dataset.temporal_start, DCAT.startDate, MARJA.startDateJalali),
            (dataset.temporal_end, DCAT.endDate, MARJA.endDateJalali),
        ):
            if day is not None:
                self.g.add((period, exact, Literal(day, datatype=XSD.date)))
                self.g.add((period, jalali, Literal(jalali_day(day))))
        return period

    def _format(self, node: URIRef, code: str) -> None:
        file_type = self.term(f"{EU}file-type/{code}", DCT.MediaTypeOrExtent)
        media_type = self.term(f"{IANA}{FILE_TYPES[code]}", DCT.MediaType)
        self.g.add((node, DCT_FORMAT, file_type))
        self.g.add((node, DCAT.mediaType, media_type))

    def _parquet(self, dataset: Dataset, version: DatasetVersion, licence: URIRef) -> URIRef:
        g = self.g
        page = reverse("ingest:version", args=[dataset.slug, version.number])
        node = self.page(page, "distribution")
        g.add((node, RDF.type, DCAT.Distribution))
        _both(
            g,
            node,
            DCT_TITLE,
            f"{dataset.title_fa} (v{version.number}, Parquet)",
            f"{dataset.title_en} (v{version.number}, Parquet)" if dataset.title_en else "",
        )
        g.add((node, DCAT.accessURL, self.address(self.ctx.absolute(page))))
        g.add((node, DCAT.downloadURL, self.address(parquet_url(self.ctx, dataset, version))))
        self._format(node, "PARQUET")
        g.add((node, DCT.license, licence))
        g.add((node, DCAT.byteSize, Literal(version.size, datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        g.add((node, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        algorithm = self.term(str(SPDX.checksumAlgorithm_sha256), SPDX.ChecksumAlgorithm)
        g.add((checksum, SPDX.algorithm, algorithm))
        g.add((checksum, SPDX.checksumValue, Literal(version.sha256, datatype=XSD.hexBinary)))
        g.add((node, DCT.issued, _moment(version.published_at)))
        g.add((node, DCT.modified, _moment(version.published_at)))
        g.add((node, MARJA.issuedJalali, Literal(jalali_time(version.published_at))))
        g.add((node, MARJA.rowCount, Literal(version.row_count, datatype=XSD.nonNegativeInteger)))
        return node

    def _csv(
        self, dataset: Dataset, version: DatasetVersion, licence: URIRef, landing: URIRef
    ) -> URIRef:
        g = self.g
        node = self.page(dataset.get_absolute_url(), "csv")
        g.add((node, RDF.type, DCAT.Distribution))
        _both(
            g,
            node,
            DCT_TITLE,
            f"{dataset.title_fa} (CSV)",
            f"{dataset.title_en} (CSV)" if dataset.title_en else "",
        )
        g.add((node, DCAT.accessURL, self.address(str(landing))))
        g.add((node, DCAT.downloadURL, self.address(csv_url(self.ctx, dataset))))
        self._format(node, "CSV")
        g.add((node, DCT.license, licence))
        g.add((node, DCT.modified, _moment(version.published_at)))
        return node


def public_datasets() -> list[Dataset]:
    """The published datasets an anonymous visitor may see, with what the graph needs."""
    visible = datasets_visible_to(AnonymousUser()).filter(status=Dataset.Status.PUBLISHED)
    return list(with_relations(visible).order_by("slug"))


def catalogue_graph(request: HttpRequest) -> Graph:
    datasets = public_datasets()
    return CatalogueBuilder(request).catalogue(datasets, current_versions(datasets))


def _negotiate(accept: str) -> str:
    """The serialisation an ``Accept`` header prefers (Turtle when it names none)."""
    ranked: list[tuple[float, int, str]] = []
    wanted = {mime: ext for ext, (_f, mime) in SERIALISATIONS.items()} | {
        "application/json": "jsonld",
        "application/xml": "rdf",
    }
    for position, item in enumerate(accept.split(",")):
        mime, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if mime in wanted and quality > 0:
            ranked.append((-quality, position, wanted[mime]))
    return min(ranked)[2] if ranked else "ttl"


@require_GET
def catalog(request: HttpRequest, extension: str | None = None) -> HttpResponse:
    """``/catalog`` (negotiated) and ``/catalog.ttl``, ``.jsonld``, ``.rdf``."""
    chosen = extension if extension is not None else _negotiate(request.headers.get("Accept", ""))
    if chosen not in SERIALISATIONS:
        raise Http404(extension)
    rdf_format, media_type = SERIALISATIONS[chosen]
    options: dict[str, Any] = {"format": rdf_format}
    if rdf_format == "json-ld":
        options["context"] = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    body = catalogue_graph(request).serialize(**options)
    response = HttpResponse(body, content_type=f"{media_type}; charset=utf-8")
    if extension is None:
        response["Vary"] = "Accept"
    return response
