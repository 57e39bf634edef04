#!/usr/bin/env bash
# Create .venv and install the project with its dev tools; quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "bootstrap: '$tool' not found: install Java 17+ and Maven (apt-get install openjdk-17-jdk-headless maven)" >&2; exit 1; }
done
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  rm -f .venv/.installed-* && touch "$stamp"
fi
