#!/usr/bin/env bash
# Install everything the app needs into this checkout: a Python venv with the pinned packages,
# the front-end libraries from the npm lock file (copied to static/vendor), compiled catalogs.
# Idempotent: a second run only checks. Usage: scripts/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version))" >&2; exit 1
fi
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "setup: installing python3-venv from Debian's packages"
  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi

requirements=requirements.txt
[ "${1:-}" = "--test" ] && requirements=requirements-test.txt
stamp=.venv/.installed-$(cat pyproject.toml "$requirements" requirements.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: Python packages ($requirements)"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

if [ ! -f static/vendor/.stamp ] || [ package-lock.json -nt static/vendor/.stamp ]; then
  echo "setup: front-end libraries (npm ci, from package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  .venv/bin/python scripts/vendor.py
  touch static/vendor/.stamp
fi

# the weekly brief's PDF is in Chinese: it needs a font with Chinese glyphs on this machine
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] && [ -z "${CJK_FONT:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing a CJK font (fonts-wqy-microhei) for the weekly brief's PDF"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      fonts-wqy-microhei fontconfig >/dev/null
  else
    echo "setup: no CJK font: install fonts-wqy-microhei (or set CJK_FONT) for the weekly brief's PDF" >&2
  fi
fi

.venv/bin/python -c 'from web.i18n import compile_catalogs; compile_catalogs()'  # into build/translations
