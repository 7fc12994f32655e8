#!/usr/bin/env bash
# Installs everything the editor tests need, on a fresh Debian 12 machine, as root. Safe to run again:
# apt, npm ci and code-server are skipped when what they install is already there; the .vsix is always rebuilt
# (about 20 s) so that it matches the sources.
#
#   bash editors/ci-setup.sh            # all steps
#   bash editors/ci-setup.sh apt vsix   # only some: apt, vsix, code-server
#
# What it leaves behind:
#   - Debian packages: neovim (0.7.2), chromium, ripgrep and the headers code-server's native modules build against;
#   - editors/vscode/node_modules (npm ci, includes playwright-core) and editors/vscode/tfguard-<version>.vsix;
#   - code-server 4.100.3 in $TFGUARD_EDITORS_CACHE (default ~/.cache/tfguard-editors), outside the repository.
# The tests find code-server through the same variable (see tests/editors/).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${TFGUARD_EDITORS_CACHE:-$HOME/.cache/tfguard-editors}
code_server_version=4.100.3
code_server_dir="$cache/code-server-$code_server_version"

log() { printf '[editors/ci-setup %s] %s\n' "$(date +%T)" "$*" >&2; }

step_apt() {
  local pkgs=(neovim chromium ripgrep build-essential pkg-config python3 libkrb5-dev libx11-dev libxkbfile-dev
    libsecret-1-dev)
  local missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "apt: all packages present"; return; fi
  log "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
}

need_node() {
  command -v node >/dev/null && command -v npm >/dev/null || {
    log "node and npm are needed (Node 20); this machine has none"; exit 1; }
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || { log "Node >= 20 is needed, found $(node --version)"; exit 1; }
}

step_vsix() {
  need_node
  cd "$repo/editors/vscode"
  # npm ci wipes node_modules: skip it when the installed tree was made from this very lock file.
  local want; want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ -f node_modules/.tfguard-lock-sha ] && [ "$(cat node_modules/.tfguard-lock-sha)" = "$want" ]; then
    log "vsix: node_modules is up to date"
  else
    log "vsix: npm ci"
    npm ci --no-audit --no-fund
    echo "$want" > node_modules/.tfguard-lock-sha
  fi
  log "vsix: npm run package"
  npm run package
}

step_code_server() {
  need_node
  if [ -f "$code_server_dir/.complete" ]; then log "code-server: $code_server_version present in $code_server_dir"; return; fi
  command -v rg >/dev/null || { log "code-server: ripgrep is needed (run the apt step)"; exit 1; }
  log "code-server: installing $code_server_version into $code_server_dir"
  rm -rf "$code_server_dir"
  mkdir -p "$code_server_dir"
  cd "$code_server_dir"
  echo '{"name":"tfguard-code-server","private":true}' > package.json
  # Its install script downloads things this network does not reach: install without scripts, then build
  # the native modules from the npm packages with Debian's compilers and put Debian's ripgrep where VS Code looks.
  # node-pty's and argon2's build scripts call npx node-gyp: let npx fetch it without asking.
  export npm_config_yes=true
  npm install --no-audit --no-fund --ignore-scripts "code-server@$code_server_version"
  npm rebuild argon2
  cd node_modules/code-server/lib/vscode
  npm install --no-audit --no-fund --omit=dev --ignore-scripts
  mkdir -p node_modules/@vscode/ripgrep/bin
  cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  npm rebuild
  ln -sfn node_modules node_modules.asar
  (cd bin/remote-cli && ln -sfn code-linux.sh code-server)
  (cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
  (cd extensions && npm install --no-audit --no-fund --omit=dev)
  "$code_server_dir/node_modules/.bin/code-server" --version >&2
  touch "$code_server_dir/.complete"
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(apt vsix code-server)
start=$SECONDS
for s in "${steps[@]}"; do
  case "$s" in
    apt) step_apt ;;
    vsix) step_vsix ;;
    code-server) step_code_server ;;
    *) log "unknown step: $s (steps: apt vsix code-server)"; exit 2 ;;
  esac
done
log "done in $((SECONDS - start)) s"
