"""The Flask side every request goes through: the request context (context.py: the database
session, Beijing's today, the user's scope), languages (i18n.py), sign-in and the guard (auth.py),
the Dash shell (shell.py), the one JSON error shape (errors.py), and the routes that are not Dash
pages: map HTML (maps.py), photos, the wall, the brief's and the circular's downloads.

Imports run one way: pages and pwa use web; web uses components and data; nothing imports pages
or pwa (tests/test_layout.py checks it)."""
