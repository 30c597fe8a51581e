#!/usr/bin/env bash
# Installs what the tests need and that may be missing on a fresh machine:
# Debian packages (wkhtmltopdf for PDF reports, Chromium for HttpCase tours, fonts) and
# the Python packages of requirements.txt. Already present things are left alone.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# --- Debian packages -------------------------------------------------------------------
missing=()
command -v wkhtmltopdf >/dev/null 2>&1 || missing+=(wkhtmltopdf)
# Odoo looks for these names on PATH (odoo/tests/common.py, _find_executable)
chrome_found=
for bin in google-chrome chromium chromium-browser google-chrome-stable; do
    command -v "$bin" >/dev/null 2>&1 && chrome_found=1 && break
done
[ -n "$chrome_found" ] || missing+=(chromium)
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in fonts-dejavu-core fonts-liberation; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
    done
fi
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
fi

# --- Python packages -------------------------------------------------------------------
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    apt_install python3-pip
fi
pip_args=(install -q --disable-pip-version-check -r "$REPO_ROOT/requirements.txt")
# Debian's system Python refuses pip installs (PEP 668) unless told otherwise; Odoo's own
# Debian-style installs live there too, so install next to it when not in a virtualenv.
if "$PYTHON" - <<'PY'
import os, sys, sysconfig
in_venv = sys.prefix != getattr(sys, 'base_prefix', sys.prefix)
marker = os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')
sys.exit(0 if (os.path.exists(marker) and not in_venv) else 1)
PY
then
    pip_args+=(--break-system-packages)
fi
PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip "${pip_args[@]}" >&2
