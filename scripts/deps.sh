#!/usr/bin/env bash
# scripts/deps.sh GROUP... - installs the Debian packages a make target needs,
# skipping what is present and saying what it installs.
#
#   build   compiler, CMake, pkg-config, OpenBLAS (OpenMP build), oneDNN, zlib, libpng, libjpeg
#   test    what the tests need beyond the build: PyTorch for fixtures/parity
#   check   valgrind and clang's sanitizer runtime; GNU time (make bench: peak RSS)
#   data    the Fashion-MNIST data set
#
# As root it runs apt-get directly; otherwise it asks sudo for exactly that
# command, and without sudo it prints the command to run. CT_NO_INSTALL=1
# turns every install off (the targets then use what is there).
set -euo pipefail

pkgs_for() {
    case "$1" in
    build) echo "gcc make cmake pkg-config libopenblas-openmp-dev libdnnl-dev zlib1g-dev libpng-dev libjpeg-dev" ;;
    test) echo "python3 python3-numpy python3-torch" ;;
    check) echo "valgrind time" ;;
    data) echo "dataset-fashion-mnist" ;;
    *) echo "scripts/deps.sh: unknown group '$1'" >&2; exit 2 ;;
    esac
}

want=()
for group in "$@"; do
    for p in $(pkgs_for "$group"); do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            want+=("$p")
        fi
    done
done

[ ${#want[@]} -eq 0 ] && exit 0
if [ "${CT_NO_INSTALL:-0}" = 1 ]; then
    echo "deps: missing ${want[*]} (CT_NO_INSTALL=1: not installing)" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    echo "deps: please install: ${want[*]} (no apt-get on this system)" >&2
    exit 0
fi

echo "deps: installing ${want[*]}"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null; then
    echo "deps: this needs root; asking sudo for: apt-get install -y ${want[*]}"
    SUDO=(sudo)
else
    echo "deps: run as root: apt-get update && apt-get install -y ${want[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once if an install fails.
if ! "${SUDO[@]}" apt-get install -y -q "${want[@]}"; then
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" apt-get install -y -q "${want[@]}"
fi
