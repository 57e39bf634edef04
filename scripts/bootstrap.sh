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
  echo "bootstrap: installing the project and its dev tools into .venv (log: .venv/install.log) ..."
  if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e '.[dev]'; } \
      > .venv/install.log 2>&1; then
    tail -30 .venv/install.log >&2
    echo "bootstrap: pip install failed; full log in .venv/install.log" >&2
    exit 1
  fi
  rm -f .venv/.installed-* && touch "$stamp"
fi
