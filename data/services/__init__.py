"""Every write goes through a service: check permission and rules, change, audit, commit."""

from data.services.common import NotAllowed, ServiceError, audit

__all__ = ["NotAllowed", "ServiceError", "audit"]
