#!/usr/bin/env bash
# Builds every release artifact into dist/ (gitignored):
#   facepay-desk_V_amd64.deb           the panel, the `facepay` CLI and the terminal simulator `facepay-sim`
#                                      (the HIS vendor's test mode) for Debian 12 / UOS / Kylin (amd64)
#   facepay-desk_V_windows-x64/        the Windows files as installed: panel, WebView2Loader.dll, facepay.exe, facepay-sim.exe,
#                                      the example configuration, nation-ec-host (x86 and x64) when it exists
#   facepay-desk_V_x64-setup.exe       the NSIS installer of that folder (per machine, installs WebView2 when missing)
#   SHA256SUMS, LISTING                checksums, and size + checksum of each file
# V is the facepay-desk version in Cargo.toml. Release builds stay in target/ and are reused by the next run.
#   scripts/package.sh [deb] [windows]       (default: both)
#
# PACKAGE_PROFILE=dev packages the dev build instead of the shipping one (thin LTO, one codegen unit): CI checks
# that the packages build, install and run, which that proves as well, in a third of the time (scripts/test.sh).
#
# WEBVIEW2_BOOTSTRAPPER=FILE (default packaging/windows/MicrosoftEdgeWebview2Setup.exe when it exists) embeds
# Microsoft's WebView2 bootstrapper in the installer; without it the installer downloads it when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

parts=${*:-deb windows}
for part in $parts; do
  case $part in deb | windows) ;; *) echo "usage: scripts/package.sh [deb] [windows]" >&2; exit 2 ;; esac
done
want() { [[ " $parts " == *" $1 "* ]]; }
started=$SECONDS
step() { printf '\n-- package: %s (at %ds) --\n' "$*" $((SECONDS - started)); }
die() { echo "package.sh: $*" >&2; exit 1; }

version=$(awk '/^\[package\]/ {p = 1; next} /^\[/ {p = 0}
  p && /^version *=/ {gsub(/^version *= *"|".*$/, ""); print; exit}' Cargo.toml)
[ -n "$version" ] || die "no version in the [package] table of Cargo.toml"
# tauri.conf.json may name a version of its own; Tauri would then show that one.
conf_version=$(sed -n 's/^  "version": *"\([^"]*\)".*/\1/p' tauri.conf.json | head -1)
if [ -n "$conf_version" ] && [ "$conf_version" != "$version" ]; then
  die "tauri.conf.json says version $conf_version, Cargo.toml $version: make them one"
fi
echo "facepay-desk $version"

needs() {
  for tool in "$@"; do command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh"; done
}
want deb && needs dpkg-deb dpkg-shlibdeps convert strip
if want windows; then
  needs makensis file x86_64-w64-mingw32-gcc i686-w64-mingw32-gcc x86_64-w64-mingw32-strip i686-w64-mingw32-strip
  installed_targets=$(rustup target list --installed)
  for t in x86_64-pc-windows-gnu i686-pc-windows-gnu; do
    grep -qx "$t" <<<"$installed_targets" || die "rustup target $t is missing: run scripts/install-deps.sh"
  done
fi
# Cargo's linkers for the Windows targets (also in .cargo/config.toml; set here so this script needs nothing else).
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=${CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER:-x86_64-w64-mingw32-gcc}
export CARGO_TARGET_I686_PC_WINDOWS_GNU_LINKER=${CARGO_TARGET_I686_PC_WINDOWS_GNU_LINKER:-i686-w64-mingw32-gcc}

dist=dist
stage=target/package
rm -rf "$dist" "$stage"
mkdir -p "$dist" "$stage"

profile=${PACKAGE_PROFILE:-release}
# Cargo's output folder of a profile: dev builds land in debug/.
out=$([ "$profile" = dev ] && echo debug || echo "$profile")
[ "$profile" = release ] || echo "packaging the $profile profile (PACKAGE_PROFILE): a check, not a release to ship"

step "UI (ui/dist, embedded by the builds)"
scripts/build-ui.sh

# ---------------------------------------------------------------- Linux .deb
package_deb() {
  step "Linux $profile build: facepay-desk (embedded UI), facepay and facepay-sim"
  cargo build --profile "$profile" --locked -p facepay-desk -p facepay-cli -p facepay-sim --features facepay-desk/custom-protocol

  step ".deb"
  deb_version=${version//-/\~} # 1.2.0-rc.1 sorts before 1.2.0 as 1.2.0~rc.1
  deb=$dist/facepay-desk_${deb_version}_amd64.deb
  # dpkg-shlibdeps wants the package tree at debian/PACKAGE beside a debian/control.
  src=$stage/deb
  root=$src/debian/facepay-desk
  install -d "$root/DEBIAN"
  # -s: a dev build carries line tables (the release profile strips already).
  for bin in facepay-desk facepay facepay-sim; do install -s -Dm755 "target/$out/$bin" "$root/usr/bin/$bin"; done
  install -Dm644 packaging/linux/facepay-desk.desktop "$root/usr/share/applications/facepay-desk.desktop"
  for size in 512 128 48 32; do
    install -d "$root/usr/share/icons/hicolor/${size}x${size}/apps"
    convert icons/icon.png -resize "${size}x${size}" "PNG32:$root/usr/share/icons/hicolor/${size}x${size}/apps/facepay-desk.png"
  done
  install -Dm644 docs/facepay.example.toml "$root/usr/share/doc/facepay-desk/facepay.example.toml"
  install -Dm644 packaging/linux/copyright "$root/usr/share/doc/facepay-desk/copyright"
  find "$root" -type d -exec chmod 0755 {} +
  printf 'Source: facepay-desk\n\nPackage: facepay-desk\nArchitecture: amd64\n' >"$src/debian/control"
  shlibs=$(cd "$src" && dpkg-shlibdeps -O debian/facepay-desk/usr/bin/facepay-desk debian/facepay-desk/usr/bin/facepay \
    debian/facepay-desk/usr/bin/facepay-sim)
  depends=${shlibs#shlibs:Depends=}
  for lib in libwebkit2gtk-4.1-0 libgtk-3-0 libssl3 libc6; do
    [[ ", $depends" == *", $lib "* || ", $depends," == *", $lib,"* ]] || die "Depends lacks $lib: $depends"
  done
  cat >"$root/DEBIAN/control" <<EOF
Package: facepay-desk
Version: $deb_version
Architecture: amd64
Maintainer: ${DEB_MAINTAINER:-FacePay Desk <facepay-desk@yjfy.invalid>}
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Section: misc
Priority: optional
Depends: $depends
Recommends: fonts-noto-cjk | fonts-wqy-microhei | fonts-wqy-zenhei, libsecret-1-0
Description: 医保刷脸收银台 (FacePay Desk): 医保 face-scan payments at the counter
 The cashier panel that sits beside the HIS and drives the NHSA-certified
 医保 terminal (刷脸, 身份, 结算通知), with an encrypted local journal,
 历史, 日结 and exports; the facepay command line for IT and scripts; and
 facepay-sim, a terminal simulator for HIS vendors' tests (docs: 测试模式).
 Example configuration: /usr/share/doc/facepay-desk/facepay.example.toml
EOF
  # xz for a release; a check's package needs no 30 s of compression.
  compression=$([ "$profile" = release ] && echo xz || echo gzip)
  dpkg-deb --root-owner-group "-Z$compression" --build "$root" "$deb" >/dev/null
  dpkg-deb --field "$deb" Package Version Architecture Depends Installed-Size
  dpkg-deb --contents "$deb" | awk '{print "  " $6}' | grep -v '/$'
}

# ---------------------------------------------------------------- Windows
package_windows() {
  step "Windows x64 $profile build: facepay-desk.exe (embedded UI), facepay.exe and facepay-sim.exe"
  win=x86_64-pc-windows-gnu
  cargo build --profile "$profile" --locked --target "$win" -p facepay-desk -p facepay-cli -p facepay-sim --features facepay-desk/custom-protocol

  windir=$dist/facepay-desk_${version}_windows-x64
  mkdir -p "$windir"
  cp "target/$win/$out/facepay-desk.exe" "target/$win/$out/facepay.exe" "target/$win/$out/facepay-sim.exe" "$windir/"
  # The GNU build of the webview2-com crate loads WebView2Loader.dll at run time (MSVC links it statically):
  # ship the copy of the build that linked the panel.
  loader=$(ls -t target/"$win"/"$out"/build/webview2-com-sys-*/out/x64/WebView2Loader.dll 2>/dev/null | head -1)
  [ -n "$loader" ] || die "no WebView2Loader.dll in the webview2-com-sys build output"
  cp "$loader" "$windir/"
  cp docs/facepay.example.toml icons/icon.ico "$windir/"
  # A dev build carries debug sections (100 MB for the panel) that makensis would compress for minutes.
  x86_64-w64-mingw32-strip "$windir"/*.exe

  if [ -d crates/nation-ec-host ]; then
    step "nation-ec-host for Windows x86 (the usual 32-bit NationECCode.dll) and x64"
    cargo build --profile "$profile" --locked -p nation-ec-host --target i686-pc-windows-gnu --target x86_64-pc-windows-gnu
    install -s --strip-program=i686-w64-mingw32-strip -Dm755 target/i686-pc-windows-gnu/$out/nation-ec-host.exe \
      "$windir/nation-ec-host/x86/nation-ec-host.exe"
    install -s --strip-program=x86_64-w64-mingw32-strip -Dm755 target/x86_64-pc-windows-gnu/$out/nation-ec-host.exe \
      "$windir/nation-ec-host/x64/nation-ec-host.exe"
  else
    step "SKIPPED nation-ec-host: crates/nation-ec-host does not exist yet"
  fi

  step "Windows installer (makensis)"
  setup=$dist/facepay-desk_${version}_x64-setup.exe
  nsis_args=(-V2 -WX -INPUTCHARSET UTF8 "-DVERSION=$version" "-DVERSION4=${version%%[-+]*}.0"
    "-DSTAGE=$PWD/$windir" "-DOUTFILE=$PWD/$setup")
  [ "$profile" = release ] || nsis_args+=(-DCOMPRESSOR=zlib)
  bootstrapper=${WEBVIEW2_BOOTSTRAPPER:-packaging/windows/MicrosoftEdgeWebview2Setup.exe}
  if [ -f "$bootstrapper" ]; then
    [[ $(file -b "$bootstrapper") == PE32* ]] || die "$bootstrapper is not a Windows program"
    nsis_args+=("-DWEBVIEW2_BOOTSTRAPPER=$PWD/$bootstrapper")
    echo "embedding the WebView2 bootstrapper $bootstrapper"
  else
    echo "no WebView2 bootstrapper to embed: the installer downloads it when the runtime is missing"
  fi
  makensis "${nsis_args[@]}" packaging/windows/facepay-desk.nsi
}

if want deb; then package_deb; fi
if want windows; then package_windows; fi

# ---------------------------------------------------------------- checksums
step "SHA256SUMS and LISTING"
(
  cd "$dist"
  find . -type f ! -name SHA256SUMS ! -name LISTING | sed 's|^\./||' | LC_ALL=C sort >../"$stage"/files
  xargs -d '\n' sha256sum <../"$stage"/files >SHA256SUMS
  while read -r sum file; do
    printf '%10s  %12d  %s  %s\n' "$(numfmt --to=iec --suffix=B "$(stat -c %s "$file")")" \
      "$(stat -c %s "$file")" "$sum" "$file"
  done <SHA256SUMS >LISTING
)
cat "$dist/LISTING"
echo "package.sh: done in $((SECONDS - started)) s"
