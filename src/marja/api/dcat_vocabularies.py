"""The vocabularies of marja's DCAT-AP catalogue: namespaces, and how marja's themes,
update frequencies and file formats map to the EU's controlled vocabularies and IANA's
media types."""

from __future__ import annotations

from rdflib import RDFS, XSD, Namespace

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
MARJA = Namespace("urn:marja:ns#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
# Namespace is a str: its title and format attributes are str methods, not terms.
DCT_TITLE = DCT["title"]
DCT_FORMAT = DCT["format"]

PREFIXES = {
    "dcat": DCAT,
    "dct": DCT,
    "foaf": FOAF,
    "vcard": VCARD,
    "skos": SKOS,
    "spdx": SPDX,
    "marja": MARJA,
    "rdfs": RDFS,
    "xsd": XSD,
}

#: marja's themes → the EU data-theme vocabulary (one of the 13 DCAT-AP themes).
EU_THEMES = {
    "population": "SOCI",
    "health": "HEAL",
    "education": "EDUC",
    "economy": "ECON",
    "transport": "TRAN",
    "water-environment": "ENVI",
    "agriculture": "AGRI",
    "culture-tourism": "EDUC",
    "urban": "REGI",
    "planning-budget": "GOVE",
    "energy": "ENER",
    "justice": "JUST",
    "science-technology": "TECH",
    "international": "INTR",
}
EU_THEME_LABELS = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}
#: marja's update frequencies → the EU frequency vocabulary.
EU_FREQUENCIES = {
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "yearly": "ANNUAL",
    "irregular": "IRREG",
    "once": "NEVER",
}
#: Formats of the distributions: EU file type and IANA media type.
FILE_TYPES = {
    "PARQUET": "application/vnd.apache.parquet",
    "CSV": "text/csv",
}
