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

# Reinstall only when pyproject.toml or constraints.txt changed since the last install (or
# nothing is installed). constraints.txt pins every version, so CI tests what was checked.
stamp="$VENV/.crosswalk-installed"
wanted="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/crosswalk" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "== installing crosswalk-flow[test,dev,postgres] into $VENV (constraints.txt)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt \
    -e '.[test,dev,postgres]'
  echo "$wanted" > "$stamp"
fi

echo "== ruff check ."
"$VENV/bin/ruff" check .

echo "== mypy (strict over bot and integrations; tests type-checked with unannotated helpers allowed)"
"$VENV/bin/mypy"

echo "== pytest $*"
status=0
"$VENV/bin/pytest" "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "tests/run.sh: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$status"
