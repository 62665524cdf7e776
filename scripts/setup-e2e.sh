#!/usr/bin/env bash
# Installs what the end-to-end test needs, offline-friendly and idempotent (recipe:
# ../shared/e2e-vscode.md): Debian chromium + ripgrep + kerberos headers, and code-server 4.100.3
# (the newest line that runs on Node 20) in its own folder outside the repository.
# Env: SBNN_E2E_DIR (default /opt/sbnn-e2e); code-server lands in $SBNN_E2E_DIR/code-server.
set -euo pipefail

E2E_DIR="${SBNN_E2E_DIR:-/opt/sbnn-e2e}"
CS_DIR="$E2E_DIR/code-server"
CS_VERSION=4.100.3
CS_BIN="$CS_DIR/node_modules/.bin/code-server"

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup-e2e: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need_apt[@]}"
fi

if [ -x "$CS_BIN" ] && "$CS_BIN" --version 2>/dev/null | grep -q "^$CS_VERSION"; then
  echo "setup-e2e: code-server $CS_VERSION already in $CS_DIR"
  exit 0
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache already holds the
# archive: seed the cache with Debian's rg.
rg_cache=/tmp/vscode-ripgrep-cache-1.15.11
tmp_rg=$(mktemp -d)
cp "$(command -v rg)" "$tmp_rg/rg"
mkdir -p "$rg_cache"
for arch in x86_64-unknown-linux-musl x86_64-unknown-linux-gnu aarch64-unknown-linux-musl aarch64-unknown-linux-gnu; do
  [ -f "$rg_cache/ripgrep-v13.0.0-10-$arch.tar.gz" ] || tar czf "$rg_cache/ripgrep-v13.0.0-10-$arch.tar.gz" -C "$tmp_rg" rg
done
rm -rf "$tmp_rg"

echo "setup-e2e: installing code-server $CS_VERSION into $CS_DIR (about a minute)"
mkdir -p "$CS_DIR"
cd "$CS_DIR"
[ -f package.json ] || npm init -y >/dev/null
npm_config_yes=true npm_config_unsafe_perm=true npm install "code-server@$CS_VERSION" --foreground-scripts --no-audit --no-fund
"$CS_BIN" --version
echo "setup-e2e: done"
