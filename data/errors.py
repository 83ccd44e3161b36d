"""Errors the domain raises for people to read.

The message is a Chinese message id marked with N_ (the web layer translates it with the
params); params fill its %(name)s placeholders.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a message for the catalog (scripts/catalog.py) without translating it here."""
    return message


class DomainError(Exception):
    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


class ServiceError(DomainError):
    """A refused act."""


class NotAllowed(ServiceError):
    """The actor's role or regions do not allow this act."""


class WorkflowError(ServiceError):
    """The record's state does not allow this act."""


class ValidationError(ServiceError):
    """Bad input; `field` names the input at fault."""

    def __init__(self, message: str, *, field: str | None = None, **params):
        super().__init__(message, **params)
        self.field = field


class Conflict(ServiceError):
    """A client UUID already names a different record (the API answers 409)."""
