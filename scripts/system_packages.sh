#!/usr/bin/env bash
# Make sure the Debian/Ubuntu packages the project needs are installed.
#   scripts/system_packages.sh run    what `make run` needs
#   scripts/system_packages.sh test   that, plus Chromium for the browser tests and
#                                     PostgreSQL for the several-servers test
#   scripts/system_packages.sh lighthouse   that, plus npm (Lighthouse is an npm package)
# As root it installs what is missing with apt-get; otherwise it prints the
# exact command to run and stops.
set -euo pipefail

purpose=${1:-run}
missing=()

need() {  # need <check command...> -- <package>
  local package=${*: -1}
  local check=("${@:1:$#-2}")
  if ! "${check[@]}" >/dev/null 2>&1; then
    missing+=("$package")
  fi
}

need python3 -c 'import ensurepip, venv' -- python3-venv
need command -v redis-server -- redis-server
# The lab's second cache (SESSION_CACHE_ALIAS = "memcached"); the site runs without it.
need command -v memcached -- memcached
need command -v msgfmt -- gettext
if [ "$purpose" = test ] || [ "$purpose" = lighthouse ]; then
  need test -x /usr/bin/chromium -- chromium
  # initdb and postgres for the throwaway cluster of tutorial/test_multi_process.py.
  need compgen -G '/usr/lib/postgresql/*/bin/initdb' -- postgresql
fi
if [ "$purpose" = lighthouse ]; then
  need command -v npm -- npm
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

command="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  $command >/dev/null
  # Debian starts redis-server and memcached services (and a postgresql one) on
  # install; the project never uses them: it starts its own in var/ or a
  # temporary directory.
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get update && sudo $command" >&2
  exit 1
fi
