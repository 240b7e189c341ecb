#!/usr/bin/env bash
# Install the Debian packages listed in scripts/apt-packages.txt that are missing.
# Run by `make` before the Python install; a no-op when everything is there.
set -euo pipefail
cd "$(dirname "$0")"
missing=()
while read -r pkg; do
    pkg="${pkg%%#*}"; pkg="${pkg// /}"
    [ -z "$pkg" ] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < apt-packages.txt
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
