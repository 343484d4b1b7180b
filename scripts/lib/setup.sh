# Shared by scripts/demo and scripts/test: install what is missing, then
# configure a Release tree in build/ and build what the caller names. Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${ATTN_BUILD_DIR:-$ROOT/build}"
JOBS="$( (command -v nproc >/dev/null && nproc) || sysctl -n hw.ncpu 2>/dev/null || echo 2)"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian/Ubuntu packages the build needs. chromium etc. are never needed.
DEBIAN_PACKAGES=(g++ cmake make libgtest-dev libbenchmark-dev nlohmann-json3-dev libstb-dev zlib1g-dev
                 libjpeg-dev)

# Which of the given Debian packages are not installed.
missing_debian() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

# apt-get install the given packages as root or with sudo; fails (status 2) when neither
# is possible, without trying.
apt_install() {
  if [ "$(id -u)" -eq 0 ]; then
    say "Installing $*"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    say "Installing $* (sudo)"
    sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
  else
    return 2
  fi
}

install_debian() {
  local missing
  mapfile -t missing < <(missing_debian "${DEBIAN_PACKAGES[@]}")
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! apt_install "${missing[@]}"; then
    echo "attnlab needs these packages: ${missing[*]}" >&2
    echo "Install them with:  sudo sh -c 'apt-get update && apt-get install -y ${missing[*]}'" >&2
    exit 1
  fi
}

# Packages that make a run better but that nothing needs: installed when possible; when
# not (no root, no network, a release without them), a warning, and the run goes on.
install_optional_debian() {
  command -v dpkg-query >/dev/null || return 0
  local missing
  mapfile -t missing < <(missing_debian "$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! apt_install "${missing[@]}"; then
    echo "warning: could not install ${missing[*]} (optional; to add it later:" \
      "sudo apt-get install ${missing[*]}); going on without it" >&2
  fi
  return 0
}

install_macos() {
  if ! command -v brew >/dev/null; then
    echo "attnlab on macOS uses Homebrew for cmake and the test libraries: see https://brew.sh" >&2
    exit 1
  fi
  local missing=()
  for f in cmake googletest google-benchmark nlohmann-json; do
    brew list --versions "$f" >/dev/null 2>&1 || missing+=("$f")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "Installing ${missing[*]} (Homebrew)"
    brew install "${missing[@]}"
  fi
}

install_deps() {
  case "$(uname -s)" in
    Linux)
      if command -v dpkg-query >/dev/null; then install_debian
      else
        for t in c++ cmake; do command -v "$t" >/dev/null || { echo "Please install $t (and GoogleTest, nlohmann-json, stb)" >&2; exit 1; }; done
      fi ;;
    Darwin) install_macos ;;
    *) echo "Unsupported system $(uname -s): install a C++20 compiler, cmake, GoogleTest, nlohmann-json and stb, then run cmake yourself." >&2; exit 1 ;;
  esac
}

# configure_and_build [TARGET ...]: configures build/ and builds the targets named (every
# target when none is named).
configure_and_build() {
  say "Configuring $BUILD_DIR (Release)"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  if [ $# -gt 0 ]; then
    say "Building $* with $JOBS jobs"
    cmake --build "$BUILD_DIR" -j "$JOBS" --target "$@"
  else
    say "Building everything with $JOBS jobs"
    cmake --build "$BUILD_DIR" -j "$JOBS"
  fi
}
