"""The field app (人社督导) for phones: its static shell (static/: HTML, JS, CSS, service worker,
manifest, icons), the blueprint that serves it at /field/ (shell.py), and its JSON API under
/api/v1 (api/). Contract: docs/field-api.md."""
