# Shared by scripts/*: create .venv and install refcheck with what the step needs.
# Sourced, not run. Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  for candidate in python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
  done
fi
if [ ! -x .venv/bin/python ]; then
  echo "setting up .venv with $("$PYTHON" --version)" >&2
  "$PYTHON" -m venv .venv
fi
VENV_PY="$ROOT/.venv/bin/python"
install_refcheck() {  # $1: extras, e.g. "test" or ""
  local extras="${1:-}" spec="." stamp
  [ -n "$extras" ] && spec=".[$extras]"
  stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras:-base}"
  if [ ! -f "$stamp" ]; then
    "$VENV_PY" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
    "$VENV_PY" -m pip install --quiet --disable-pip-version-check -e "$spec" >&2
    touch "$stamp"
  fi
}
