#!/usr/bin/env bash
# Installs what building, running and testing FacePay Desk needs on Debian 12
# or Ubuntu 22.04+: the WebKitGTK stack, OpenSSL's libcrypto (SQLCipher encrypts
# the journal with it), Xvfb and a CJK font. Safe to re-run.
set -euo pipefail

packages=(
  build-essential pkg-config curl
  libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev
  xvfb xauth webkit2gtk-driver imagemagick faketime
  fonts-noto-cjk
  # Packaging (scripts/package.sh, scripts/package-test.sh): the .deb, the Windows
  # cross builds (mingw-w64 linkers), the NSIS installer and its inspection.
  dpkg-dev file desktop-file-utils nsis p7zip-full
  gcc-mingw-w64-x86-64 gcc-mingw-w64-i686
  # nation-ec-host's Windows build run under Wine (scripts/wine-visit.sh); jq reads its JSON.
  wine64 jq
  # The HIS guide's Java 8 example, compiled and run by scripts/his-guide-examples.sh.
  default-jdk-headless
  # The journal key in a desktop session's Secret Service: the keyring tests
  # run a D-Bus session and GNOME Keyring of their own, and read it with secret-tool.
  dbus gnome-keyring libsecret-1-0 libsecret-tools
  # The hospital's central server (docs/central.md): the tests start a real
  # PostgreSQL of their own (initdb, pg_ctl) in a temporary folder.
  postgresql
)
# The UI builds with Node.js 18 or newer (Debian 12 ships 18).
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    echo "cargo is in ~/.cargo/bin: run 'source ~/.cargo/env' or open a new shell"
  else
    echo "installing the Rust toolchain with rustup (Debian's packaged cargo is too old)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
  fi
fi

# The Windows targets the packaging cross-builds for (their linkers: the mingw-w64 packages above).
rustup=$(command -v rustup || echo "$HOME/.cargo/bin/rustup")
if [ -x "$rustup" ]; then
  for target in x86_64-pc-windows-gnu i686-pc-windows-gnu; do
    "$rustup" target list --installed | grep -qx "$target" || "$rustup" target add "$target"
  done
fi
