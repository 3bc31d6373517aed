#!/usr/bin/env bash
# Writes the two locks from pyproject.toml (called by `make lock`, with the test environment installed):
#   requirements.lock       the closure of [project] dependencies: what `make run` installs
#   requirements-test.lock  `-r requirements.lock` plus what the `test` extra adds: what `make test`/`make lint` add
# uv keeps every version the lock being rewritten already pins, so a run with an unchanged pyproject.toml changes
# nothing; a new or changed range resolves to the newest version that fits. Arguments go to both `uv pip compile`
# calls, e.g. `scripts/lock.sh --upgrade-package pandas` (or `--upgrade` for everything).
set -euo pipefail
cd "$(dirname "$0")/.."
uv=.venv/bin/uv
[ -x "$uv" ] || { echo "缺少 $uv：请先运行 make lint（安装测试依赖，其中包括 uv）" >&2; exit 2; }
compile=("$uv" pip compile pyproject.toml --quiet --python .venv/bin/python --custom-compile-command "make lock")

"${compile[@]}" "$@" -o requirements.lock

# The test lock names only what the runtime lock lacks, resolved with the runtime pins as constraints.
exclude=()
for name in $(sed -n 's/^\([A-Za-z0-9][^= ]*\)==.*/\1/p' requirements.lock); do
  exclude+=(--no-emit-package "$name")
done
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
[ -f requirements-test.lock ] && grep -v '^-r ' requirements-test.lock >"$tmp"  # the pins uv should keep
"${compile[@]}" "$@" --extra test -c requirements.lock "${exclude[@]}" -o "$tmp"
{
  sed -n '1,/^#    make lock$/p' "$tmp"
  echo "-r requirements.lock"
  sed -e '1,/^#    make lock$/d' -e '/^# The following packages were excluded from the output:$/,$d' "$tmp" | sed -e '${/^$/d}'
} >requirements-test.lock
echo "已写出 requirements.lock（$(grep -c '^[A-Za-z0-9].*==' requirements.lock) 个包）与 requirements-test.lock（另加 $(grep -c '^[A-Za-z0-9].*==' requirements-test.lock) 个包）"
