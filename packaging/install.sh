#!/usr/bin/env bash
# Install the extracted Trading Terminal bundle for the current user (no root needed):
#
#   ./install.sh               copy this folder to ~/.local/opt/trading-terminal, add
#                              ~/.local/bin/trading-terminal, the menu entry and the icons
#   ./install.sh --uninstall   remove all of that again (your journal, settings and logs
#                              under ~/.local/share, ~/.config and ~/.local/state stay)
#
# Where: the menu entry goes to $XDG_DATA_HOME/applications (default ~/.local/share),
# the icons to $XDG_DATA_HOME/icons/hicolor/{16x16..512x512,scalable}/apps. Set
# TT_APP_DIR or TT_BIN_DIR to put the app or the command elsewhere.
set -euo pipefail

APP_ID="trading-terminal"
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}"
APP_DIR="${TT_APP_DIR:-$HOME/.local/opt/$APP_ID}"
BIN_DIR="${TT_BIN_DIR:-$HOME/.local/bin}"
ENTRY="$DATA_HOME/applications/$APP_ID.desktop"
ICONS="$DATA_HOME/icons/hicolor"
SIZES="16 22 24 32 48 64 128 256 512"

refresh_caches() {
    # optional: menus pick the entry up without these too, only later
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$DATA_HOME/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$ICONS/index.theme" ]; then
        gtk-update-icon-cache -q -t "$ICONS" 2>/dev/null || true
    fi
}

uninstall() {
    rm -f "$ENTRY"
    for n in $SIZES; do rm -f "$ICONS/${n}x${n}/apps/$APP_ID.png"; done
    rm -f "$ICONS/scalable/apps/$APP_ID.svg"
    if [ -L "$BIN_DIR/$APP_ID" ]; then rm -f "$BIN_DIR/$APP_ID"; fi
    if [ -x "$APP_DIR/$APP_ID" ] && [ -d "$APP_DIR/_internal" ]; then rm -rf "$APP_DIR"; fi
    refresh_caches
    echo "removed $APP_ID (menu entry, icons, $APP_DIR, $BIN_DIR/$APP_ID)"
    echo "your data stays: journal in ${XDG_DATA_HOME:-$HOME/.local/share}/$APP_ID," \
         "settings in ${XDG_CONFIG_HOME:-$HOME/.config}/$APP_ID"
}

desktop_quote() {
    # an Exec argument per the Desktop Entry spec: quoted if it has reserved characters
    local arg="$1"
    if [[ "$arg" =~ [[:space:]\"\'\\\>\<~\|\&\;\$\*\?\#\(\)\`] ]]; then
        arg="${arg//\\/\\\\}"; arg="${arg//\"/\\\"}"; arg="${arg//\`/\\\`}"; arg="${arg//\$/\\\$}"
        printf '"%s"' "$arg"
    else
        printf '%s' "$arg"
    fi
}

install() {
    local res="$SRC/_internal/resources"
    if [ ! -x "$SRC/$APP_ID" ] || [ ! -f "$res/terminal.desktop" ]; then
        echo "install.sh: run it from the extracted $APP_ID folder (no $APP_ID binary" \
             "or resources beside it in $SRC)" >&2
        exit 1
    fi
    if [ "$SRC" != "$APP_DIR" ]; then
        if [ -e "$APP_DIR" ] && ! { [ -x "$APP_DIR/$APP_ID" ] && [ -d "$APP_DIR/_internal" ]; }; then
            echo "install.sh: $APP_DIR exists and is not a $APP_ID bundle; not touching it" >&2
            exit 1
        fi
        rm -rf "$APP_DIR"
        mkdir -p "$(dirname "$APP_DIR")"
        cp -a "$SRC" "$APP_DIR"
    fi
    mkdir -p "$DATA_HOME/applications" "$BIN_DIR"
    for n in $SIZES; do
        mkdir -p "$ICONS/${n}x${n}/apps"
        cp "$res/icons/$APP_ID-$n.png" "$ICONS/${n}x${n}/apps/$APP_ID.png"
    done
    mkdir -p "$ICONS/scalable/apps"
    cp "$res/icons/$APP_ID.svg" "$ICONS/scalable/apps/$APP_ID.svg"
    local exec_line
    exec_line="$(desktop_quote "$APP_DIR/$APP_ID")"
    grep -v '^#' "$res/terminal.desktop" | while IFS= read -r line; do
        printf '%s\n' "${line//@EXEC@/$exec_line}"
    done > "$ENTRY"
    if [ -e "$BIN_DIR/$APP_ID" ] && [ ! -L "$BIN_DIR/$APP_ID" ]; then
        echo "note: $BIN_DIR/$APP_ID exists and is not ours; left as it is" >&2
    else
        ln -sfn "$APP_DIR/$APP_ID" "$BIN_DIR/$APP_ID"
    fi
    if command -v desktop-file-validate >/dev/null 2>&1; then
        desktop-file-validate "$ENTRY"
    fi
    refresh_caches
    echo "installed $APP_ID: $APP_DIR"
    echo "  menu entry $ENTRY, icons under $ICONS, command $BIN_DIR/$APP_ID"
}

case "${1:-}" in
    "") install ;;
    --uninstall) uninstall ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) echo "install.sh: unknown option '$1' (use --uninstall or --help)" >&2; exit 2 ;;
esac
