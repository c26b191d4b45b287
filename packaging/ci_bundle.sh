#!/usr/bin/env bash
# The bundle as a user gets it, checked end to end (a step of .ci/run; Linux):
#   1. packaging/build.py builds the bundle and the tarball;
#   2. the tarball is extracted into an empty folder and its install.sh run with a
#      throw-away HOME: desktop entry valid, icons at every size, the command on PATH;
#   3. the installed binary's --self-test (offscreen window, embedded paper exchange,
#      order placed and cancelled from the ticket, journal read back, keychain status);
#   4. with the installed app running on a data dir: `trading-terminal stop --status`
#      gets its answer from it over the control channel, and a second start on the same
#      data dir hands over to it (single instance) instead of opening another window;
#   5. under Xvfb with the xcb platform plugin the installed app opens its real window
#      on the paper exchange, and a screenshot of the screen must not be blank;
#   6. install.sh --uninstall removes everything it installed.
# Usage: packaging/ci_bundle.sh PYTHON   (the Python of an environment that has the
# project, its locked dependencies and PyInstaller)
set -euo pipefail

PY="${1:?usage: ci_bundle.sh PYTHON}"
cd "$(dirname "$0")/.."
WORK="$(mktemp -d)"
running=""
cleanup() {
    if [ -n "$running" ]; then kill "$running" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
step() { echo "bundle: $*"; }

started=$(date +%s)
"$PY" packaging/build.py
step "build took $(( $(date +%s) - started )) s"

tarball=$(ls dist/trading-terminal-*-linux-*.tar.gz)
mkdir -p "$WORK/unpacked" "$WORK/home"
tar -xzf "$tarball" -C "$WORK/unpacked"
export HOME="$WORK/home"
unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_STATE_HOME XDG_CACHE_HOME
"$WORK/unpacked/trading-terminal/install.sh"
entry="$HOME/.local/share/applications/trading-terminal.desktop"
desktop-file-validate "$entry"
for n in 16 22 24 32 48 64 128 256 512; do
    test -s "$HOME/.local/share/icons/hicolor/${n}x${n}/apps/trading-terminal.png"
done
test -s "$HOME/.local/share/icons/hicolor/scalable/apps/trading-terminal.svg"
grep -q "^Exec=$HOME/.local/opt/trading-terminal/trading-terminal$" "$entry"
app="$HOME/.local/bin/trading-terminal"
"$app" --version
step "installed from the tarball: entry valid, icons 16-512 + svg, command on PATH"

"$app" --self-test 2>"$WORK/selftest.err" | tee "$WORK/selftest.out" || {
    tail -30 "$WORK/selftest.err" >&2; exit 1; }
grep -q "^self-test: OK in " "$WORK/selftest.out"
grep -q "^self-test: keychain " "$WORK/selftest.out"

# the stop command talks to the running bundle
QT_QPA_PLATFORM=offscreen "$app" --data-dir "$WORK/one" --exit-after 60 \
    >"$WORK/first.out" 2>&1 &
running=$!
# its control channel is advertised in a file beside the journal once it is up
advert() { compgen -G "$WORK/one/data/*.control" >/dev/null; }
for _ in $(seq 1 120); do
    advert && break
    sleep 0.5
done
advert || { echo "FAIL: the bundle advertised no control channel within 60 s" >&2; exit 1; }
"$app" --data-dir "$WORK/one" stop --status 2>&1 | tee "$WORK/stop.out"
grep -qi "running terminal" "$WORK/stop.out" || {
    echo "FAIL: stop --status was not answered by the running bundle" >&2; exit 1; }
# a second start on the same data dir hands over to the running window and exits
QT_QPA_PLATFORM=offscreen timeout 60 "$app" --data-dir "$WORK/one" --exit-after 30 \
    >"$WORK/second.out" 2>&1 || true
grep -qi "already running" "$WORK/second.out" || {
    cat "$WORK/second.out" >&2; echo "FAIL: a second bundle started on the same data dir" >&2
    exit 1; }
kill "$running" && wait "$running" || true
running=""
step "stop --status answered by the running bundle; a second start handed over to it"

# the real window: xcb on a virtual screen, read back from the screen
shot="$WORK/window.png"
QT_QPA_PLATFORM=xcb timeout 120 xvfb-run -a -s "-screen 0 1280x800x24" \
    "$app" --data-dir "$WORK/xdata" --screenshot "$shot" --exit-after 8
"$PY" - "$shot" <<'PY'
import sys
from PySide6.QtGui import QImage

image = QImage(sys.argv[1])
if image.isNull() or image.width() < 800 or image.height() < 500:
    sys.exit(f"FAIL: screenshot missing or too small: {image.width()}x{image.height()}")
counts = {}
for y in range(0, image.height(), 4):
    for x in range(0, image.width(), 4):
        rgb = image.pixel(x, y) & 0xFFFFFF
        counts[rgb] = counts.get(rgb, 0) + 1
top = max(counts.values()) / sum(counts.values())
print(f"bundle: real window {image.width()}x{image.height()}: {len(counts)} colours, "
      f"the commonest covers {top:.0%}")
if len(counts) < 40 or top > 0.9:
    sys.exit("FAIL: the bundle's window screenshot is blank")
PY

"$WORK/unpacked/trading-terminal/install.sh" --uninstall
test ! -e "$entry" && test ! -e "$app" && test ! -e "$HOME/.local/opt/trading-terminal"
test ! -e "$HOME/.local/share/icons/hicolor/48x48/apps/trading-terminal.png"
step "uninstalled cleanly; all bundle checks passed in $(( $(date +%s) - started )) s"
