#!/usr/bin/env bash
# Installs what slipway needs from Debian 12 packages, only what is missing, without a
# terminal (CI runs this as root with no stdin). Quiet when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config python3
  libopenmpi-dev openmpi-bin
  libhdf5-dev libspdlog-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libopenblas-dev zlib1g-dev libgtest-dev libgloo-dev libonnx-dev libprotobuf-dev
  libcpp-httplib-dev prometheus curl prometheus-pushgateway
  dataset-fashion-mnist
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "slipway: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "slipway: need root or sudo to apt-get install ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq </dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
echo "slipway: packages installed" >&2
