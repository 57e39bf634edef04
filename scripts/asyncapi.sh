#!/usr/bin/env bash
# Run the official AsyncAPI CLI, pinned by .ci/asyncapi/package-lock.json, e.g.
#   scripts/asyncapi.sh validate schemas/asyncapi.json --fail-severity warn
# It is installed from npm once per lockfile into ~/.cache/newsfeed/ (about 1.5 GB of node_modules,
# minutes to unpack, so not in the work tree); usage metrics are off, and validation needs no network.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "asyncapi: 'npm' not found: install Node.js 18+ (apt-get install nodejs npm)" >&2; exit 1; }
lock=.ci/asyncapi/package-lock.json
home="${XDG_CACHE_HOME:-$HOME/.cache}/newsfeed/asyncapi-$(sha256sum "$lock" | cut -c1-16)"
if [ ! -x "$home/node_modules/.bin/asyncapi" ]; then
  echo "asyncapi: installing the pinned @asyncapi/cli into $home (a few minutes, once) ..." >&2
  rm -rf "$home.tmp" && mkdir -p "$home.tmp"
  cp .ci/asyncapi/package.json "$lock" "$home.tmp/"
  # --ignore-scripts: no install script may fetch binaries from outside the npm registry.
  npm ci --prefix "$home.tmp" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
  rm -rf "$home" && mv "$home.tmp" "$home"
fi
metrics=$(mktemp)
trap 'rm -f "$metrics"' EXIT
echo '{"analyticsEnabled":"false","infoMessageShown":"true","userID":"newsfeed"}' >"$metrics"
ASYNCAPI_METRICS_CONFIG_PATH=$metrics "$home/node_modules/.bin/asyncapi" "$@"
