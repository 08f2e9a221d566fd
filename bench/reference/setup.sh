#!/usr/bin/env bash
# Creates (idempotently) the Python virtual environment of the scikit-learn reference, outside
# the checkout: ${AUTOSEG_CACHE:-$HOME/.cache/autoseg}/bench-venv. Prints the venv's python path
# on the last line of stdout. Packages come from PyPI, pinned in requirements.txt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${AUTOSEG_CACHE:-$HOME/.cache/autoseg}"
venv="$cache/bench-venv"
req="$here/requirements.txt"
stamp="$venv/.autoseg-requirements"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$cache"
  "$python" -m venv "$venv" >&2
fi
if ! cmp -s "$req" "$stamp" 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
  cp "$req" "$stamp"
fi
echo "$venv/bin/python"
