"""Every write goes through a service: check permission and rules, change, audit, commit."""

from data.services.common import Actor, NotAllowed, ServiceError, ValidationError, WorkflowError, audit

__all__ = ["Actor", "NotAllowed", "ServiceError", "ValidationError", "WorkflowError", "audit"]
