"""The search index: one document per dataset, kept in step with the catalog."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from marja.catalog.models import Dataset


class SearchDocument(models.Model):
    """What search knows of a dataset, in the folded form both engines index.

    The ``*_key`` columns hold tokens made by :mod:`marja.core.fulltext`, padded with a
    space at each end. SQLite indexes them in the FTS5 table ``search_document_fts``
    (kept in step by triggers), PostgreSQL in the generated ``tsvector`` column
    ``vector`` (GIN index); both are created by this app's migration, outside the model.
    """

    dataset = models.OneToOneField(
        Dataset, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    title_key = models.TextField()
    keywords_key = models.TextField()
    body_key = models.TextField()
    #: The declared fields as [name, Persian label, English label], to say which matched.
    fields = models.JSONField(default=list)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "search_document"
        verbose_name = _("search document")

    def __str__(self) -> str:
        return f"search document of dataset {self.dataset_id}"


class SearchFacts(models.Model):
    """What search knows of a dataset besides its words: facet values, upkeep, sort keys.

    Narrow on purpose, apart from the wide :class:`SearchDocument` (and from the dataset's
    own row, wide with its descriptions): every facet count and every ordering reads one
    row of it per matching dataset. The dataset's publisher, theme, access level and
    frequency are copied here for that reason, rewritten with the rest on every change.
    """

    dataset = models.OneToOneField(
        Dataset, primary_key=True, on_delete=models.CASCADE, related_name="search_facts"
    )
    publisher_key = models.PositiveIntegerField()
    theme_key = models.PositiveIntegerField()
    access = models.CharField(max_length=12)
    frequency = models.CharField(max_length=12)
    format = models.CharField(_("format"), max_length=12, blank=True)
    #: How well the description is kept, 0-25 (a ranking boost, see ``ranking``).
    quality = models.PositiveSmallIntegerField(default=0)
    #: The measured quality score, 0-100, and its grade (:mod:`marja.core.quality`).
    score = models.PositiveSmallIntegerField(default=0)
    grade = models.CharField(max_length=1, blank=True)
    data_updated_at = models.DateTimeField(null=True)
    #: When a new version becomes late, then stale (None: no promise, or no data).
    due_at = models.DateTimeField(null=True)
    stale_at = models.DateTimeField(null=True)
    title_fa_sort = models.CharField(max_length=400)
    title_en_sort = models.CharField(max_length=400)

    class Meta:
        db_table = "search_facts"
        verbose_name = _("search facts")

    def __str__(self) -> str:
        return f"search facts of dataset {self.dataset_id}"
