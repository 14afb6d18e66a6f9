#!/usr/bin/env bash
# THE test command (README: `bash tests/run.sh`): venv + install, ruff, mypy --strict, pytest.
# Extra arguments go to pytest, e.g. `bash tests/run.sh -k settings -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  python3 -m venv "$VENV"
fi

# Reinstall only when pyproject.toml changed since the last install (or nothing is installed).
stamp="$VENV/.crosswalk-installed"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/crosswalk" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "== installing crosswalk[test,dev,postgres] into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test,dev,postgres]'
  echo "$wanted" > "$stamp"
fi

echo "== ruff check ."
"$VENV/bin/ruff" check .

echo "== mypy (strict, bot and integrations)"
"$VENV/bin/mypy"

echo "== pytest $*"
status=0
"$VENV/bin/pytest" "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "tests/run.sh: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$status"
