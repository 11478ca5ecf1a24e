"""The JSON API (``/api/v1/``) and marja's compatible faces (CKAN Action API, DCAT-AP).

Routers here read through the domain apps' selectors and write through their services;
they never filter permissions by hand.
"""
