"""The field app's JSON API under /api/v1: routes.py (views), schemas.py (pydantic bodies, from
which the OpenAPI document at /api/v1/openapi.json is generated); its one error shape is
web/errors.py. Contract: docs/field-api.md."""
