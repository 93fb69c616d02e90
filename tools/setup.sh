#!/usr/bin/env bash
# Installs what gripcu needs to build (Debian packages, only those missing) and builds it into
# ./build. CUDA is compiled when nvcc is found (GRIPCU_CUDA=AUTO); pass extra CMake options in
# GRIPCU_CMAKE_ARGS (e.g. "-DGRIPCU_CUDA=OFF" or "-DCMAKE_CUDA_ARCHITECTURES=80;90").
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make libeigen3-dev libgtest-dev libgmock-dev libbenchmark-dev libhdf5-dev ccache)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# nvcc is often installed outside PATH.
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi

# shellcheck disable=SC2086
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${GRIPCU_CMAKE_ARGS:-} >/dev/null
cmake --build build -j"${JOBS:-2}"
echo "setup: built ./build/gripcu ($(./build/gripcu --version))" >&2
