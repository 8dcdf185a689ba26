#!/usr/bin/env bash
# Installs code-server (a real VS Code served to a browser, from the npm registry) once, into a
# cache outside the repository, without internet access beyond the npm registry and Debian.
# Prints the path of the code-server launcher.
set -euo pipefail
VERSION=4.100.3 # the newest release that runs on Node 20 (VS Code 1.100); also in test/support/system-packages.mjs
CACHE="${ARL_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/arl-e2e}"
DIR="$CACHE/code-server-$VERSION"
BIN="$DIR/node_modules/.bin/code-server"
if [ -x "$BIN" ] && [ -f "$DIR/.complete" ]; then
  echo "$BIN"
  exit 0
fi
# What the install needs from the system (ripgrep, libkrb5-dev, a compiler): installed when missing
# and root (one line says which), else one line says how to install them.
node "$(dirname "$0")/../system.mjs" --code-server >&2
# @vscode/ripgrep downloads rg from GitHub unless its cache already holds the archive.
rgcache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
mkdir -p "$rgcache"
pack="$(mktemp -d)"
cp "$(command -v rg)" "$pack/rg"
tar czf "$rgcache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$pack" rg
rm -rf "$pack"
mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"name":"arl-e2e-code-server","private":true}' > package.json
echo "Installing code-server $VERSION into $DIR (a few minutes, once)..." >&2
npm_config_yes=true npm_config_unsafe_perm=true npm install --no-save --no-audit --no-fund "code-server@$VERSION" >&2
touch .complete
echo "$BIN"
