#!/usr/bin/env bash
# Set up (first time) and serve the app on the embedded default: SQLite with the demo city,
# at http://127.0.0.1:8050 (HOST/PORT/DATABASE_URL/SECRET_KEY from the environment).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python app.py
