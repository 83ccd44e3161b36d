"""Every write goes through a service: check permission and rules, change, audit, commit."""

from data.services.common import NotAllowed, ServiceError, ValidationError, WorkflowError, audit

__all__ = ["NotAllowed", "ServiceError", "ValidationError", "WorkflowError", "audit"]
