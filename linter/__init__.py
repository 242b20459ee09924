"""authlint: a static linter for the configs on an HTTP request's path."""

__version__ = "0.1.0"
