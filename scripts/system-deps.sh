#!/usr/bin/env bash
# Installs the Debian packages Louwei's tests need, if they are missing:
#   gettext (msgfmt, to compile translations), chromium (browser tests),
#   fonts-wqy-microhei and fonts-noto-cjk (Chinese in screenshots), the Pango libraries (PDF).
# With an argument, installs only that package. Needs root (or sudo) and Debian's apt.
set -euo pipefail
want=()
if [ $# -gt 0 ]; then
  want=("$@")
else
  command -v msgfmt >/dev/null 2>&1 || want+=(gettext)
  command -v chromium >/dev/null 2>&1 || want+=(chromium)
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || want+=(fonts-wqy-microhei)
  [ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || want+=(fonts-noto-cjk)
  ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || want+=(libpango-1.0-0 libpangoft2-1.0-0)
fi
[ ${#want[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Debian packages: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
