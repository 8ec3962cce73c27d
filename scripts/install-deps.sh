#!/usr/bin/env bash
# Installs the Debian packages genattn's builds need, only those missing.
# Usage: scripts/install-deps.sh [extra packages...]
set -euo pipefail

packages=(cmake ninja-build g++ clang libclang-rt-14-dev libeigen3-dev libgtest-dev libbenchmark-dev
          libcli11-dev nlohmann-json3-dev liblz4-dev libcpp-httplib-dev libopenmpi-dev openmpi-bin pkg-config "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
