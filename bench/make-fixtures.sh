#!/usr/bin/env bash
# make-fixtures.sh — deterministic fixture repositories for the Heater benchmarks.
#
#   bench/make-fixtures.sh [DIR] [WHAT ...]
#
#   DIR   where to write (default: $BENCH_FIXTURES or /tmp/heater-bench/fixtures)
#   WHAT  any of: small  medium  many:N   (default: small medium many:1000)
#
# Layout (DIR can be used directly as a Heater data directory, HEATER_REPOS=DIR):
#   DIR/bench/small.git    one Heat (HOT) template set: template.yaml (~6 KB, ~220 lines),
#                          environment.yaml, scripts/install.sh, heater.yaml, README.md;
#                          300 commits on main, annotated tags v1.0.0 v1.0.1 .. v1.0.9 v1.1.0 .. v3.9.9
#                          (so v1.2.3 exists), then `git gc`. Pack 1.1 MiB.
#   DIR/bench/medium.git   2,000 files, ~40 MB of text history (~38 MB of blobs, ~1.5 MB of
#                          trees), 50 commits tagged v1.0.0 .. v1.4.9, then `git gc`. Pack 17.2 MiB,
#                          so a clone is dominated by pack transfer and indexing.
#   DIR/many-N/<ns>/<name>.git   N small template repos (40 namespaces), each 3 commits
#                          tagged v1.0.0 v1.1.0 v2.0.0, with a heater.yaml manifest
#                          (description, keywords, metadata) for catalog-scale tests.
#                          N=1000: ~4 s, 59 MB; N=10000: ~35 s, 590 MB (2 cores).
#   DIR/FIXTURES.txt       the commit ids of every fixture: identical ids on two machines
#                          mean identical fixtures (all dates and contents are fixed).
#
# Existing fixtures are kept; FORCE=1 rebuilds them. Repos are built under a temporary
# name and renamed into place, so an interrupted run leaves nothing half-written.
# Needs git and node (installed with apt-get if missing and running as root).
# Copied from the shared harness /work/shared/bench/make-fixtures.sh; unchanged apart from this line.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-${BENCH_FIXTURES:-/tmp/heater-bench/fixtures}}
shift || true
what=("$@")
[ ${#what[@]} -gt 0 ] || what=(small medium many:1000)

need() { # need CMD APT-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "installing $2 ..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >/dev/null; }
  else
    echo "make-fixtures: '$1' is missing; install the apt package '$2'" >&2; exit 1
  fi
}
need git git
need node nodejs

# Reproducible: ignore the caller's git configuration, fix the pack settings.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export TZ=UTC LC_ALL=C
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
empty_tpl=$(mktemp -d)
trap 'rm -rf "$empty_tpl"' EXIT

build_one() { # build_one NAME
  local name=$1 final="$dir/bench/$1.git" tmp="$dir/bench/.tmp-$1.git"
  if [ -e "$final" ] && [ "${FORCE:-0}" != 1 ]; then echo "keep  $final"; return; fi
  mkdir -p "$dir/bench"
  rm -rf "$tmp"
  git init -q --bare --initial-branch=main --template="$empty_tpl" "$tmp"
  node "$here/fixtures.mjs" stream "$name" | GIT_DIR="$tmp" git fast-import --quiet --done
  GIT_DIR="$tmp" git -c pack.threads=1 -c gc.autoDetach=false gc --quiet
  rm -rf "$final"
  mv "$tmp" "$final"
  echo "built $final ($(GIT_DIR="$final" git tag | wc -l) tags, $(du -sh "$final/objects/pack" | cut -f1) pack)"
}

build_many() { # build_many N
  local n=$1 final="$dir/many-$1" tmp="$dir/.tmp-many-$1"
  if [ -e "$final" ] && [ "${FORCE:-0}" != 1 ]; then echo "keep  $final"; return; fi
  local start=$SECONDS
  # $tmp is kept on failure: a rerun resumes where it stopped.
  node "$here/fixtures.mjs" many "$tmp" "$n" "$(nproc)"
  rm -rf "$final"
  mv "$tmp" "$final"
  echo "built $final ($n repos in $((SECONDS - start)) s, $(du -sh "$final" | cut -f1))"
}

for w in "${what[@]}"; do
  case $w in
    small|medium) build_one "$w" ;;
    many:[0-9]*) build_many "${w#many:}" ;;
    *) echo "make-fixtures: unknown fixture '$w' (small, medium, many:N)" >&2; exit 2 ;;
  esac
done

# Record what was built: the same ids on another machine mean the same fixtures.
{
  echo "# fixture ids ($(git --version)); regenerate with bench/make-fixtures.sh"
  for r in "$dir"/bench/*.git; do
    [ -d "$r" ] || continue
    echo "$(basename "$r") main=$(GIT_DIR=$r git rev-parse main) tags=$(GIT_DIR=$r git tag | wc -l) v1.2.3=$(GIT_DIR=$r git rev-parse -q --verify 'v1.2.3^{commit}' || echo -)"
  done
  for m in "$dir"/many-*; do
    [ -d "$m" ] || continue
    # one id over all repos: the sorted list of "<ns>/<name> <main>" hashed
    ids=$(for r in "$m"/*/*.git; do echo "${r#$m/} $(cat "$r/refs/heads/main")"; done | sort | git hash-object --stdin)
    echo "$(basename "$m") repos=$(ls -d "$m"/*/*.git | wc -l) digest=$ids"
  done
} > "$dir/FIXTURES.txt"
cat "$dir/FIXTURES.txt"
