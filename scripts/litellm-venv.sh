#!/usr/bin/env bash
# The LiteLLM proxy of the real-server stage, in a Python virtual environment outside the work tree,
# so every clone on this machine reuses one install (about 750 MB, a few minutes the first time).
#   scripts/litellm-venv.sh path      print the venv directory (its bin/litellm runs the proxy)
#   scripts/litellm-venv.sh install   create it from tests/real-server/requirements.txt unless done
# The directory is keyed by the LiteLLM version, the Python version and a hash of the pins, so a
# change of any of them installs beside the old one instead of patching it.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=tests/real-server/requirements.txt
say() { printf '[setup] %s\n' "$*"; }

python_bin() {
  # A python3 whose venv module can bootstrap pip (Debian ships that part as python3-venv).
  local candidate
  for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import venv, ensurepip' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

install_python_venv() {
  say "installing Debian's python3-venv"
  local sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3 python3-venv >/dev/null
}

venv_dir() {
  local python=$1 litellm_version python_version pins_hash
  litellm_version=$(awk -F'==' '$1 == "litellm" { print $2 }' "$requirements")
  python_version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  pins_hash=$(grep -v '^#' "$requirements" | sha256sum | cut -c1-12)
  printf '%s/free-router/litellm-%s-py%s-%s\n' "${XDG_CACHE_HOME:-$HOME/.cache}" \
    "$litellm_version" "$python_version" "$pins_hash"
}

if [ "${1:-}" = install ] && ! python_bin >/dev/null; then
  install_python_venv
fi
# Without a usable one, `path` still answers (for python3), and the tests say to run setup.
python=$(python_bin || command -v python3)
dir=$(venv_dir "$python")

case "${1:-}" in
  path)
    echo "$dir"
    ;;
  install)
    # The marker is written last: an interrupted install is redone from scratch.
    if [ -f "$dir/.complete" ]; then
      exit 0
    fi
    say "installing the LiteLLM proxy into $dir (a few minutes, once per machine)"
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    "$python" -m venv "$dir"
    # Every pin is in the file, so pip resolves nothing: what CI runs is what was tested.
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$requirements"
    "$dir/bin/python" -m pip check >/dev/null
    touch "$dir/.complete"
    ;;
  *)
    echo "usage: $0 path|install" >&2
    exit 2
    ;;
esac
