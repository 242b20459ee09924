"""Lark grammars (``*.lark``) for the formats crossplane does not parse.

They are installed as package data of ``authlint.grammars`` so that parsers
can read them with :func:`importlib.resources.files`.
"""
