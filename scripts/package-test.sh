#!/usr/bin/env bash
# Checks what scripts/package.sh left in dist/, then tests the .deb for real:
# installs it with apt-get, opens the INSTALLED panel under Xvfb
# (scripts/smoke-window.sh: reports ready, screenshot), runs the installed
# `facepay`, removes the package and checks that its files are gone.
#   scripts/package-test.sh [ARTIFACTS_DIR]    (default ci-artifacts)
# Needs root (or sudo) for apt-get. Leaves the machine without the package.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-ci-artifacts}
mkdir -p "$out"

fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
size() { stat -c %s "$1"; }
# FILE FLOOR_BYTES FILE_PATTERN WHAT: exists, at least FLOOR bytes, `file` says PATTERN.
artifact() {
  local f=$1 floor=$2 pattern=$3 what=$4 kind
  [ -f "$f" ] || fail "$what: $f is missing"
  [ "$(size "$f")" -ge "$floor" ] || fail "$what: $f has $(size "$f") bytes, expected at least $floor"
  kind=$(file -b "$f")
  [[ $kind == $pattern ]] || fail "$what: $f is '$kind', expected '$pattern'"
  ok "$what: $f, $(size "$f") bytes, $kind"
}
# EXE OBJDUMP DIR: every DLL the program imports is Windows' own or shipped in DIR.
# MinGW's runtime DLLs (libgcc_s_*, libwinpthread-1, libstdc++, a libcrypto-*) must not be needed.
imports_ok() {
  local exe=$1 objdump=$2 dir=$3 dll
  while read -r dll; do
    if [ -f "$dir/$dll" ]; then continue; fi
    case ${dll,,} in
      lib*.dll) fail "$exe imports $dll, which Windows lacks and the package does not ship" ;;
      webview2loader.dll) fail "$exe imports WebView2Loader.dll, which is not beside it" ;;
    esac
  done < <("$objdump" -p "$exe" | sed -n 's/^\s*DLL Name: //p')
  ok "$exe imports only system DLLs or ones shipped beside it: $("$objdump" -p "$exe" | sed -n 's/^\s*DLL Name: //p' | sort -fu | tr '\n' ' ')"
}

version=$(awk '/^\[package\]/ {p = 1; next} /^\[/ {p = 0}
  p && /^version *=/ {gsub(/^version *= *"|".*$/, ""); print; exit}' Cargo.toml)
[ -n "$version" ] || fail "no version in Cargo.toml"
dist=dist
deb=$dist/facepay-desk_${version//-/\~}_amd64.deb
windir=$dist/facepay-desk_${version}_windows-x64
setup=$dist/facepay-desk_${version}_x64-setup.exe

echo "== dist/: every artifact of version $version, non-trivial, of the right kind =="
[ -s "$dist/SHA256SUMS" ] || fail "$dist/SHA256SUMS is missing"
(cd "$dist" && sha256sum --quiet --strict -c SHA256SUMS) || fail "a checksum in $dist/SHA256SUMS does not match"
listed=$(cut -d' ' -f3- "$dist/SHA256SUMS" | sort)
present=$(cd "$dist" && find . -type f ! -name SHA256SUMS ! -name LISTING | sed 's|^\./||' | sort)
[ "$listed" = "$present" ] || fail "SHA256SUMS does not list exactly the files of $dist/"
[ "$(wc -l <"$dist/LISTING")" -eq "$(wc -l <"$dist/SHA256SUMS")" ] || fail "LISTING and SHA256SUMS differ in length"
ok "SHA256SUMS matches all $(wc -l <"$dist/SHA256SUMS") files"

artifact "$deb" 4000000 'Debian binary package*' ".deb"
artifact "$windir/facepay-desk.exe" 5000000 'PE32+ executable (GUI) x86-64*' "Windows panel"
artifact "$windir/facepay.exe" 2000000 'PE32+ executable (console) x86-64*' "Windows CLI"
artifact "$windir/facepay-sim.exe" 1000000 'PE32+ executable (console) x86-64*' "Windows terminal simulator"
artifact "$windir/WebView2Loader.dll" 100000 'PE32+ executable (DLL)*x86-64*' "WebView2 loader"
artifact "$windir/facepay.example.toml" 1000 '*text*' "example configuration"
hosts=()
if [ -d crates/nation-ec-host ]; then
  artifact "$windir/nation-ec-host/x86/nation-ec-host.exe" 200000 'PE32 executable (console) Intel 80386*' "host x86"
  artifact "$windir/nation-ec-host/x64/nation-ec-host.exe" 200000 'PE32+ executable (console) x86-64*' "host x64"
  hosts=(nation-ec-host/x86/nation-ec-host.exe nation-ec-host/x64/nation-ec-host.exe)
  imports_ok "$windir/nation-ec-host/x86/nation-ec-host.exe" i686-w64-mingw32-objdump "$windir/nation-ec-host/x86"
  imports_ok "$windir/nation-ec-host/x64/nation-ec-host.exe" x86_64-w64-mingw32-objdump "$windir/nation-ec-host/x64"
else
  echo "SKIPPED the host checks: crates/nation-ec-host does not exist"
fi
imports_ok "$windir/facepay-desk.exe" x86_64-w64-mingw32-objdump "$windir"
imports_ok "$windir/facepay.exe" x86_64-w64-mingw32-objdump "$windir"
imports_ok "$windir/facepay-sim.exe" x86_64-w64-mingw32-objdump "$windir"
artifact "$setup" 5000000 'PE32+ executable (GUI) x86-64*' "installer"
7z l "$setup" | grep -x 'Type = Nsis' >/dev/null || fail "7z does not see an NSIS installer in $setup"
ok "the installer is an NSIS installer"

# The installer holds exactly the staged files: unpack it and compare.
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
7z x -y -o"$unpacked" "$setup" >/dev/null || fail "7z cannot unpack $setup"
for f in facepay-desk.exe WebView2Loader.dll facepay.exe facepay-sim.exe facepay.example.toml icon.ico uninstall.exe "${hosts[@]}"; do
  [ -f "$unpacked/$f" ] || fail "the installer lacks $f"
  [ "$f" = uninstall.exe ] || cmp -s "$unpacked/$f" "$windir/$f" || fail "the installer's $f differs from $windir/$f"
done
ok "the installer holds the panel, the CLI, the simulator, the WebView2 loader, the example configuration${hosts:+, the hosts} and an uninstaller"

echo "== the installer under Wine (wine64): silent install, the installed CLI, silent uninstall keeps the journal =="
wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
wineserver=$(command -v wineserver || echo /usr/lib/wine/wineserver)
[ -x "$wine" ] && [ -x "$wineserver" ] || fail "wine64 is missing: run scripts/install-deps.sh"
export WINEPREFIX="$unpacked/wine" WINEDEBUG=-all
drive=$WINEPREFIX/drive_c
instdir="$drive/Program Files/FacePay Desk"
shortcut="$drive/ProgramData/Microsoft/Windows/Start Menu/Programs/医保刷脸收银台.lnk"
uninst_key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\FacePayDesk'
# Windows 7 is refused (Rust programs need Windows 10): exit code 2, nothing installed.
"$wine" winecfg -v win7 >"$out/wine-install.log" 2>&1
code=0
"$wine" "$PWD/$setup" /S >>"$out/wine-install.log" 2>&1 || code=$?
"$wineserver" -w
[ "$code" -eq 2 ] && [ ! -e "$instdir" ] || fail "on Windows 7 the installer exited $code and left: $(ls "$instdir" 2>&1)"
ok "on Windows 7 the installer refuses (exit code 2, nothing installed)"
"$wine" winecfg -v win10 >>"$out/wine-install.log" 2>&1
"$wine" "$PWD/$setup" /S >>"$out/wine-install.log" 2>&1 || fail "the silent install failed: $out/wine-install.log"
"$wineserver" -w
for f in facepay-desk.exe WebView2Loader.dll facepay.exe facepay-sim.exe facepay.example.toml "${hosts[@]}"; do
  cmp -s "$instdir/$f" "$windir/$f" || fail "the install did not put $f into Program Files\FacePay Desk"
done
[ -f "$instdir/uninstall.exe" ] || fail "no uninstall.exe in Program Files\FacePay Desk"
[ -f "$shortcut" ] || fail "no Start-menu entry 医保刷脸收银台 for all users"
[[ $("$wine" reg query "$uninst_key" /v DisplayVersion 2>/dev/null) =~ REG_SZ\ +$version ]] ||
  fail "no uninstall entry with DisplayVersion $version"
ok "installed under C:\\Program Files\\FacePay Desk, Start-menu entry, uninstall entry $version"
# Wine 8 lacks ProcessPrng (Rust programs import it; Windows 10 has it): the stand-in of scripts/wine-visit.sh.
x86_64-w64-mingw32-gcc -shared -O2 -o "$drive/windows/system32/bcryptprimitives.dll" scripts/wine/processprng.c -lbcrypt
cli=$("$wine" 'C:\Program Files\FacePay Desk\facepay.exe' --version | tr -d '\r')
[ "$cli" = "facepay $version" ] || fail "the installed facepay.exe --version says '$cli'"
"$wine" 'C:\Program Files\FacePay Desk\facepay.exe' history --limit 1 >/dev/null || fail "the installed facepay.exe history failed"
"$wine" 'C:\Program Files\FacePay Desk\facepay-sim.exe' --help 2>&1 | grep -q 'listen' || fail "the installed facepay-sim.exe --help failed"
journal=("$drive"/users/*/AppData/Local/facepay-desk/facepay-demo.db)
key=("$drive"/users/*/AppData/Roaming/facepay-desk/journal.key)
[ -s "${journal[0]}" ] && [ -s "${key[0]}" ] || fail "facepay.exe left no journal and key in the user's profile"
ok "installed $cli ran and wrote its journal and key into the user's profile"
"$wine" 'C:\Program Files\FacePay Desk\uninstall.exe' /S >>"$out/wine-install.log" 2>&1 || fail "the silent uninstall failed"
"$wineserver" -w
[ ! -e "$instdir" ] || fail "Program Files\FacePay Desk is left after uninstalling: $(ls "$instdir")"
[ ! -e "$shortcut" ] || fail "the Start-menu entry is left after uninstalling"
if "$wine" reg query "$uninst_key" >/dev/null 2>&1; then fail "the uninstall entry is left after uninstalling"; fi
[ -s "${journal[0]}" ] && [ -s "${key[0]}" ] || fail "uninstalling removed the user's journal or key"
ok "uninstalled: program folder, Start-menu and uninstall entries gone; the journal and its key kept"
"$wineserver" -k 2>/dev/null || true
unset WINEPREFIX

echo "== the .deb: install, open the installed panel, run the installed CLI, remove =="
depends=$(dpkg-deb --field "$deb" Depends)
echo "Depends: $depends"
[[ $depends == *libwebkit2gtk-4.1-0* ]] || fail "Depends lacks libwebkit2gtk-4.1-0"
installed() { dpkg-query -W -f='${Status}' facepay-desk 2>/dev/null | grep -q 'install ok installed'; }
if installed; then
  echo "facepay-desk was installed before the test: removing it first"
  as_root apt-get remove -y -qq facepay-desk >/dev/null
fi
for f in /usr/bin/facepay-desk /usr/bin/facepay /usr/bin/facepay-sim; do
  [ ! -e "$f" ] || fail "$f exists although facepay-desk is not installed: it would hide the package's"
done
cleanup() {
  rm -rf "$unpacked"
  if installed; then as_root apt-get remove -y -qq facepay-desk >/dev/null || true; fi
}
trap cleanup EXIT

as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$PWD/$deb"
installed || fail "dpkg does not list facepay-desk as installed"
[ "$(dpkg-query -W -f='${Version}' facepay-desk)" = "${version//-/\~}" ] || fail "the installed version is not $version"
ok "installed facepay-desk $(dpkg-query -W -f='${Version}' facepay-desk)"
files=(/usr/bin/facepay-desk /usr/bin/facepay /usr/bin/facepay-sim /usr/share/applications/facepay-desk.desktop
  /usr/share/icons/hicolor/512x512/apps/facepay-desk.png /usr/share/doc/facepay-desk/facepay.example.toml)
for f in "${files[@]}"; do [ -s "$f" ] || fail "$f is not installed"; done
ok "installed: ${files[*]}"
[ "$(command -v facepay-desk)" = /usr/bin/facepay-desk ] || fail "facepay-desk on PATH is $(command -v facepay-desk)"
desktop-file-validate /usr/share/applications/facepay-desk.desktop || fail "the desktop entry is invalid"
grep -qx 'Name=医保刷脸收银台' /usr/share/applications/facepay-desk.desktop || fail "the desktop entry is not named 医保刷脸收银台"
ok "desktop entry valid, named 医保刷脸收银台, runs facepay-desk"
missing=$(ldd /usr/bin/facepay-desk /usr/bin/facepay /usr/bin/facepay-sim | grep 'not found' || true)
[ -z "$missing" ] || fail "libraries missing after installing the .deb: $missing"
ok "every shared library of the binaries resolves"

cli=$(/usr/bin/facepay --version)
[ "$cli" = "facepay $version" ] || fail "installed facepay --version says '$cli', expected 'facepay $version'"
ok "installed $cli"

FACEPAY_DESK_BIN=/usr/bin/facepay-desk SMOKE_NAME=deb- scripts/smoke-window.sh "$out"
shot=$out/deb-window-docked.png
[ -s "$shot" ] || fail "no screenshot $shot"
spread=$(convert "$shot" -format '%[fx:standard_deviation]' info:)
awk -v s="$spread" 'BEGIN {exit !(s > 0.02)}' || fail "the screenshot $shot is blank (standard deviation $spread)"
ok "the installed panel reported ready; screenshot $shot"

as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq -o DPkg::Lock::Timeout=300 facepay-desk >/dev/null
! installed || fail "facepay-desk is still installed after apt-get remove"
for f in "${files[@]}"; do [ ! -e "$f" ] || fail "$f is left after apt-get remove"; done
ok "removed: no facepay-desk package and none of its files left"
