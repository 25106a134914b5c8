; FacePay Desk (医保刷脸收银台) — Windows x64 installer, built on Linux by
; scripts/package.sh with Debian's makensis (NSIS 3, Unicode):
;
;   makensis -INPUTCHARSET UTF8 -DVERSION=0.1.0 -DSTAGE=$PWD/dist/facepay-desk_0.1.0_windows-x64 \
;            -DOUTFILE=$PWD/dist/facepay-desk_0.1.0_x64-setup.exe [-DWEBVIEW2_BOOTSTRAPPER=FILE] \
;            packaging/windows/facepay-desk.nsi
;
; STAGE holds what is installed: facepay-desk.exe, WebView2Loader.dll, facepay.exe,
; facepay.example.toml, icon.ico, and when built nation-ec-host\x86\ and nation-ec-host\x64\.
; Windows 10 or later, 64-bit.
;
; Per-machine into Program Files (admin). The journal, its key, the settings and the logs
; live in each user's profile (%LOCALAPPDATA%\facepay-desk, %APPDATA%\facepay-desk,
; %APPDATA%\cn.yjfy.facepay-desk, %LOCALAPPDATA%\cn.yjfy.facepay-desk\logs): the
; uninstaller removes the program folder only and never touches them.
;
; WebView2: when the Evergreen runtime is missing, the installer runs, in this order,
; Microsoft's standalone installer or bootstrapper placed beside the setup .exe (for
; counters without internet), the bootstrapper embedded at build time (-DWEBVIEW2_BOOTSTRAPPER),
; or the bootstrapper downloaded now. Debian's NSIS has only NSISdl, which cannot speak
; HTTPS, so the download goes through Windows' own PowerShell. Silent installs: /S [/D=DIR].

Unicode true
; A 64-bit installer for a 64-bit-only panel: Windows itself refuses it on 32-bit Windows, and CI can run it
; under Wine's wine64 (scripts/package-test.sh), which cannot run a 32-bit one.
Target amd64-unicode
ManifestDPIAware true
; -DCOMPRESSOR=zlib: a check's installer (scripts/package.sh with PACKAGE_PROFILE), not worth 90 s of LZMA.
!ifdef COMPRESSOR
  SetCompressor ${COMPRESSOR}
!else
  SetCompressor /SOLID lzma
!endif

!ifndef VERSION
  !error "-DVERSION=x.y.z is required"
!endif
!ifndef STAGE
  !error "-DSTAGE=DIR is required"
!endif
!ifndef OUTFILE
  !define OUTFILE "facepay-desk_${VERSION}_x64-setup.exe"
!endif
; VIProductVersion takes four numbers: 0.1.0 -> 0.1.0.0 (package.sh passes it).
!ifndef VERSION4
  !define VERSION4 "${VERSION}.0"
!endif

!define PRODUCT "医保刷脸收银台"
!define PRODUCT_EN "FacePay Desk"
!define PUBLISHER "阳江市妇幼保健院"
!define MAIN_EXE "facepay-desk.exe"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\FacePayDesk"
!define APP_KEY "Software\FacePayDesk"
; The Evergreen WebView2 runtime's client id (Microsoft's documented detection key).
!define WEBVIEW2_CLIENT "Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_URL "https://go.microsoft.com/fwlink/p/?LinkId=2124703"

Name "${PRODUCT}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${PRODUCT_EN}"
InstallDirRegKey HKLM "${APP_KEY}" "InstallDir"
RequestExecutionLevel admin
BrandingText "${PRODUCT_EN} ${VERSION}"

VIProductVersion "${VERSION4}"
VIAddVersionKey /LANG=2052 "ProductName" "${PRODUCT}"
VIAddVersionKey /LANG=2052 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "FileDescription" "${PRODUCT} ${VERSION} 安装程序"
VIAddVersionKey /LANG=2052 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=2052 "LegalCopyright" "${PUBLISHER}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "WinVer.nsh"

!define MUI_ICON "${STAGE}\icon.ico"
!define MUI_UNICON "${STAGE}\icon.ico"
!define MUI_ABORTWARNING
; No "open the panel now" on the finish page: it would run elevated, possibly as another (administrator)
; account, and create that account's journal. Cashiers open it from the Start menu.

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

Function .onInit
  ; Programs built by current Rust import ProcessPrng and WaitOnAddress: Windows 10 or later.
  ${IfNot} ${AtLeastWin10}
    MessageBox MB_ICONSTOP|MB_OK "${PRODUCT}需要 64 位 Windows 10 或更新版本。" /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  ; An upgrade goes where the previous version went.
  ReadRegStr $0 HKLM "${APP_KEY}" "InstallDir"
  ${If} $0 != ""
    StrCpy $INSTDIR $0
  ${EndIf}
FunctionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

; $0 = "1" when the Evergreen runtime is installed for the machine (either registry view)
; or for the installing user, else "0".
Function WebView2Installed
  Push $1
  StrCpy $0 "0"
  ReadRegStr $1 HKLM "SOFTWARE\WOW6432Node\${WEBVIEW2_CLIENT}" "pv"
  ${If} $1 == ""
    ReadRegStr $1 HKLM "SOFTWARE\${WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $1 == ""
    ReadRegStr $1 HKCU "Software\${WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $1 != ""
  ${AndIf} $1 != "0.0.0.0"
    StrCpy $0 "1"
    DetailPrint "WebView2 运行时已安装：$1"
  ${EndIf}
  Pop $1
FunctionEnd

; Runs the WebView2 installer named in $2; its exit code is printed.
Function RunWebView2Installer
  DetailPrint "安装 WebView2 运行时：$2"
  ExecWait '"$2" /silent /install' $1
  DetailPrint "WebView2 安装程序退出码：$1"
FunctionEnd

Function EnsureWebView2
  Call WebView2Installed
  ${If} $0 == "1"
    Return
  ${EndIf}
  DetailPrint "未找到 WebView2 运行时（收银台的界面需要它）"
  ${If} ${FileExists} "$EXEDIR\MicrosoftEdgeWebView2RuntimeInstallerX64.exe"
    StrCpy $2 "$EXEDIR\MicrosoftEdgeWebView2RuntimeInstallerX64.exe"
    Call RunWebView2Installer
  ${ElseIf} ${FileExists} "$EXEDIR\MicrosoftEdgeWebview2Setup.exe"
    StrCpy $2 "$EXEDIR\MicrosoftEdgeWebview2Setup.exe"
    Call RunWebView2Installer
  ${Else}
    InitPluginsDir
    StrCpy $2 "$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe"
!ifdef WEBVIEW2_BOOTSTRAPPER
    File "/oname=$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" "${WEBVIEW2_BOOTSTRAPPER}"
!else
    DetailPrint "下载 WebView2 引导程序：${WEBVIEW2_URL}"
    nsExec::ExecToLog '"$SYSDIR\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "[Net.ServicePointManager]::SecurityProtocol = 3072; (New-Object Net.WebClient).DownloadFile($\'${WEBVIEW2_URL}$\', $\'$2$\')"'
    Pop $1
    DetailPrint "下载结果：$1"
!endif
    ${If} ${FileExists} "$2"
      Call RunWebView2Installer
    ${EndIf}
  ${EndIf}
  Call WebView2Installed
  ${If} $0 != "1"
    MessageBox MB_ICONEXCLAMATION|MB_OK "未能安装 Microsoft Edge WebView2 运行时，收银台在安装它之前无法打开。$\r$\n$\r$\n请下载“常青版独立安装程序 (x64)”：$\r$\nhttps://developer.microsoft.com/microsoft-edge/webview2/$\r$\n安装后即可使用；也可把它放在本安装程序旁边再运行一次本安装程序。" /SD IDOK
  ${EndIf}
FunctionEnd

Section "install"
  SetShellVarContext all
  SetRegView 64
  SetOutPath "$INSTDIR"
  File "${STAGE}\${MAIN_EXE}"
  File "${STAGE}\WebView2Loader.dll"
  File "${STAGE}\facepay.exe"
  File "${STAGE}\facepay-sim.exe"
  File "${STAGE}\facepay.example.toml"
  File "${STAGE}\icon.ico"
!if /FileExists "${STAGE}\nation-ec-host\x86\nation-ec-host.exe"
  ; The vendor's NationECCode.dll is usually 32-bit: a 32-bit host loads it.
  SetOutPath "$INSTDIR\nation-ec-host\x86"
  File "${STAGE}\nation-ec-host\x86\nation-ec-host.exe"
!endif
!if /FileExists "${STAGE}\nation-ec-host\x64\nation-ec-host.exe"
  SetOutPath "$INSTDIR\nation-ec-host\x64"
  File "${STAGE}\nation-ec-host\x64\nation-ec-host.exe"
!endif
  SetOutPath "$INSTDIR"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${PRODUCT}.lnk" "$INSTDIR\${MAIN_EXE}" "" "$INSTDIR\icon.ico" 0

  WriteRegStr HKLM "${APP_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${APP_KEY}" "Version" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${PRODUCT} (${PRODUCT_EN})"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\icon.ico"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" "$0"

  Call EnsureWebView2
SectionEnd

Section "uninstall"
  SetShellVarContext all
  SetRegView 64
  Delete "$SMPROGRAMS\${PRODUCT}.lnk"
  Delete "$INSTDIR\${MAIN_EXE}"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\facepay.exe"
  Delete "$INSTDIR\facepay-sim.exe"
  Delete "$INSTDIR\facepay.example.toml"
  Delete "$INSTDIR\icon.ico"
  Delete "$INSTDIR\nation-ec-host\x86\nation-ec-host.exe"
  Delete "$INSTDIR\nation-ec-host\x64\nation-ec-host.exe"
  RMDir "$INSTDIR\nation-ec-host\x86"
  RMDir "$INSTDIR\nation-ec-host\x64"
  RMDir "$INSTDIR\nation-ec-host"
  Delete "$INSTDIR\uninstall.exe"
  ; Not recursive: anything IT put in the folder stays, and so does the folder then.
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINST_KEY}"
  DeleteRegKey HKLM "${APP_KEY}"
  DetailPrint "已保留各用户的记录库、密钥、设置与日志（%LOCALAPPDATA%\facepay-desk、%APPDATA%\facepay-desk、%APPDATA%\cn.yjfy.facepay-desk）"
SectionEnd
