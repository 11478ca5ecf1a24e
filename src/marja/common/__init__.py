"""Django helpers shared by the domain apps: validators and form fields.

Sits between ``core`` (no Django) and the domain apps; imports neither apps nor web.
"""
