# Sourced by the set-up scripts: pip's cache inside the project, and pip without the noise that
# this machine's global index configuration prints for every package.
export PIP_CACHE_DIR="$PWD/.cache/pip" PIP_DISABLE_PIP_VERSION_CHECK=1
quiet_pip() {
  "$@" 2>&1 | { grep -v "^WARNING: Location '.*' is ignored" || true; }
}
