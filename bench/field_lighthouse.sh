#!/usr/bin/env bash
# Lighthouse 12 on the field app, as a phone sees it: the shell (sign-in screen) as a mobile
# navigation (performance, accessibility, best practices), then the signed-in screens as
# snapshots (bench/field_lighthouse_flow.mjs). Needs a running server with the demo city:
#   DATABASE_URL=sqlite:////tmp/field.db PORT=8075 .venv/bin/python app.py
#   bench/field_lighthouse.sh [http://127.0.0.1:8075]
# Lighthouse is installed in /tmp/lh, never in the project's package.json. Prints figures.
set -euo pipefail
BASE=${1:-http://127.0.0.1:8075}
LH=/tmp/lh
[ -x "$LH/node_modules/.bin/lighthouse" ] || npm i --prefix "$LH" lighthouse@12 --no-audit --no-fund --loglevel=error
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
"$LH/node_modules/.bin/lighthouse" "$BASE/field/" --form-factor=mobile --quiet \
  --only-categories=performance,accessibility,best-practices \
  --chrome-flags="--headless=new --no-sandbox" --output=json --output-path="$LH/field.report.json"
node -e '
const r = require(process.argv[1]);
console.log("navigation " + Object.values(r.categories).map(c => c.id + " " + Math.round(c.score * 100)).join(", "));
console.log(["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift"]
  .map(k => k + " " + r.audits[k].displayValue).join(", "));' "$LH/field.report.json"
cp "$(dirname "$0")/field_lighthouse_flow.mjs" "$LH/flow.mjs"
(cd "$LH" && node flow.mjs "$BASE")
