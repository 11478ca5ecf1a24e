"""The demo province's data files: how each is made, and the few that are shipped.

``common`` holds the shared pieces (counties, Jalali periods, Persian digits, writers);
``planning``, ``services`` and ``environment`` each describe some of the datasets; the
workbooks (``*.xlsx``) are made once by ``make_workbooks.py`` and shipped, so that
runtime code needs no spreadsheet writer. Nothing here touches the database:
:mod:`marja.ingest.demo` publishes these files through the pipeline.
"""
