#!/usr/bin/env bash
# The steps of refcheck's GitHub Action (action.yml) and workflow (.github/workflows/refcheck.yml),
# as one script so that tests/test_action.py runs exactly what GitHub runs, outside GitHub.
#
# usage: action-steps.sh install SOURCE     pip install refcheck from SOURCE (a checkout)
#        action-steps.sh changed BASE       documents changed between BASE and HEAD -> outputs paths, check
#        action-steps.sh prepare            where the store, reports and archive go -> outputs *-dir
#        action-steps.sh run                refcheck run; counts, report and exit code -> outputs
#        action-steps.sh issue              refcheck issue (open, update or close the issue)
#        action-steps.sh finish             exit with the code 'run' recorded
#
# Inputs come as environment variables, the way GitHub passes a composite action's
# inputs (INPUT_PATHS, INPUT_CONFIG, INPUT_FAIL_POLICY, INPUT_ARCHIVE, INPUT_ISSUE,
# INPUT_REPORT_DIR); outputs go to $GITHUB_OUTPUT ("name=value" lines), or to standard
# output when it is not set. 'run' never fails the step itself: the store must be saved
# and the issue kept even when sources are dead, so the exit code is passed on to
# 'finish', which the last step runs.
set -euo pipefail

PYTHON="${PYTHON:-$(command -v python || command -v python3 || echo python)}"
REFCHECK="${REFCHECK:-refcheck}"

output() {  # name value: one step output; a value with newlines uses a random delimiter
  local out="${GITHUB_OUTPUT:-/dev/stdout}"
  if [[ "$2" == *$'\n'* ]]; then
    local eof="EOF_$RANDOM$RANDOM"
    printf '%s<<%s\n%s\n%s\n' "$1" "$eof" "$2" "$eof" >>"$out"
  else
    printf '%s=%s\n' "$1" "$2" >>"$out"
  fi
}

is_true() {  # inputs are strings: true/false, yes/no, on/off, 1/0
  case "${1,,}" in true | yes | on | 1) return 0 ;; *) return 1 ;; esac
}

config_args=()
[ -n "${INPUT_CONFIG:-}" ] && config_args=(--config "$INPUT_CONFIG")

step_install() {
  "$PYTHON" -m pip install --disable-pip-version-check --quiet "${1:?usage: action-steps.sh install SOURCE}"
  "$REFCHECK" --version
}

# Which documents a pull request changed: the files refcheck reads, among the configured
# documents when references.toml lists some, that exist at HEAD. A changed references.toml
# means every document is checked again (check=true with no paths).
step_changed() {
  local base="${1:?usage: action-steps.sh changed BASE}" changed found
  # quotePath off: a document named in French or Dutch is listed as written, not octal-escaped.
  changed="$(git -c core.quotePath=false diff --name-only --diff-filter=d --no-renames "$base" HEAD)"
  found="$(CHANGED="$changed" "$PYTHON" - "${INPUT_CONFIG:-}" <<'PY'
import glob, os, sys
from pathlib import Path
from refcheck.config import DEFAULT_CONFIG_NAME, load_config
from refcheck.errors import RefcheckError
from refcheck.pipeline import DOCUMENT_SUFFIXES

try:
    config = load_config(sys.argv[1] or None)
except RefcheckError as exc:
    print(f"refcheck: error: {exc}", file=sys.stderr)
    sys.exit(2)
changed = [line for line in os.environ["CHANGED"].splitlines() if line]
config_file = Path(config.path or DEFAULT_CONFIG_NAME).resolve()
if any(Path(name).resolve() == config_file for name in changed):
    print("all")
    sys.exit()
listed = {Path(m).resolve() for p in config.documents for m in glob.glob(str(Path(config.root) / p), recursive=True)}
for name in changed:
    path = Path(name)
    if path.suffix.lower() in DOCUMENT_SUFFIXES and path.is_file() and (not config.documents or path.resolve() in listed):
        print(name)
PY
  )"
  if [ "$found" = "all" ]; then
    echo "the configuration changed: every document is checked" >&2
    output paths ""
    output check true
  elif [ -n "$found" ]; then
    printf 'changed documents:\n%s\n' "$found" >&2
    output paths "$found"
    output check true
  else
    echo "no document to check changed" >&2
    output paths ""
    output check false
  fi
}

step_prepare() {
  local dirs
  dirs="$("$PYTHON" - "${INPUT_CONFIG:-}" "${INPUT_REPORT_DIR:-}" <<'PY'
import os, sys
from refcheck.config import load_config
from refcheck.errors import RefcheckError

try:
    config = load_config(sys.argv[1] or None)
except RefcheckError as exc:
    print(f"refcheck: error: {exc}", file=sys.stderr)
    sys.exit(2)
report = sys.argv[2] or config.resolve_path(config.report.dir)
for name, path in (("state", config.resolve_path(config.state_dir)), ("report", report), ("archive", config.resolve_path(config.archive.dir))):
    print(f"{name}-dir={os.path.relpath(path)}")
PY
  )"
  while IFS='=' read -r name value; do output "$name" "$value"; done <<<"$dirs"
}

step_run() {
  local report_dir args=() paths=() code=0
  report_dir="${INPUT_REPORT_DIR:-}"
  if [ -z "$report_dir" ]; then
    # A configuration refcheck refuses leaves this empty: 'refcheck run' then says why.
    report_dir="$("$PYTHON" -c 'import sys; from refcheck.config import load_config; c = load_config(sys.argv[1] or None); print(c.resolve_path(c.report.dir))' "${INPUT_CONFIG:-}" 2>/dev/null || true)"
  fi
  # One path a line, as a multi-line input is written in a workflow.
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -n "$line" ] && paths+=("$line")
  done <<<"${INPUT_PATHS:-}"
  args+=("${config_args[@]}")
  [ -n "$report_dir" ] && args+=(--report-dir "$report_dir")
  [ -n "${INPUT_FAIL_POLICY:-}" ] && args+=(--fail-on "$INPUT_FAIL_POLICY")
  is_true "${INPUT_ARCHIVE:-true}" || args+=(--no-archive)
  "$REFCHECK" run "${args[@]}" -- "${paths[@]}" || code=$?
  output exit-code "$code"
  output report "$report_dir"
  local json="$report_dir/refcheck.json"
  # Exit 2 wrote no report: one left from an earlier run must not be counted.
  if [ "$code" != 2 ] && [ -n "$report_dir" ] && [ -f "$json" ]; then
    output report-json "$json"
    "$PYTHON" - "$json" <<'PY' | while IFS='=' read -r name value; do output "$name" "$value"; done
import json, sys

summary = json.load(open(sys.argv[1], encoding="utf-8"))["summary"]
print(f"total={summary['sources']}")
for name in ("dead", "blocked", "unresolved", "alive"):
    print(f"{name}={summary[name]}")
PY
  fi
  if [ "$code" != 2 ] && [ -n "$report_dir" ] && [ -f "$report_dir/refcheck.md" ]; then
    output report-markdown "$report_dir/refcheck.md"
  fi
  echo "refcheck run exited $code" >&2
}

step_issue() {
  if ! is_true "${INPUT_ISSUE:-false}"; then
    echo "issue: off" >&2
    return 0
  fi
  # A pull request checks only what it changed: it must neither open nor close the
  # issue that tracks the whole repository (and a fork's token may not write issues).
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target)
      echo "issue: skipped on a pull request" >&2
      return 0
      ;;
  esac
  case "${EXIT_CODE:-}" in
    0 | 1) ;;
    *)
      echo "issue: skipped, refcheck run exited '${EXIT_CODE:-}' (no judged report)" >&2
      return 0
      ;;
  esac
  local args=("${config_args[@]}")
  [ -n "${REPORT_DIR:-}" ] && args+=(--report-dir "$REPORT_DIR")
  [ -n "${INPUT_FAIL_POLICY:-}" ] && args+=(--fail-on "$INPUT_FAIL_POLICY")
  "$REFCHECK" issue "${args[@]}"
}

step_finish() {
  local code="${EXIT_CODE:-}"
  if [ -z "$code" ]; then
    echo "refcheck did not run" >&2
    exit 2
  fi
  exit "$code"
}

command="${1:-}"
shift || true
case "$command" in
  install) step_install "$@" ;;
  changed) step_changed "$@" ;;
  prepare) step_prepare ;;
  run) step_run ;;
  issue) step_issue ;;
  finish) step_finish ;;
  *)
    sed -n '4,9p' "$0" >&2
    exit 2
    ;;
esac
