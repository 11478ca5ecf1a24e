"""Organisations (agencies), users and their roles."""
