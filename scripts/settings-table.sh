#!/usr/bin/env bash
# Regenerates the table of kacd's settings in docs/operating.md from the settings' one description
# (DaemonSetting.all, printed by `kacd --print-settings-markdown`): the lines between the two marker
# comments are replaced, the rest of the page is left as it is. Run after adding or changing a
# setting; RenderServiceTests' DaemonSettingTableTests fails until the page matches.
# Usage: scripts/settings-table.sh [path/to/kacd]   (default: .build/release/kacd, built if missing)
# Exit status: 0 the page is current (rewritten or already so); 1 kacd or the markers are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
kacd=${1:-.build/release/kacd}
[[ -x $kacd ]] || swift build -c release --product kacd
page=docs/operating.md
begin=$(grep -n '^<!-- kacd settings: generated' "$page" | cut -d: -f1 || true)
end=$(grep -n '^<!-- end of kacd settings -->' "$page" | cut -d: -f1 || true)
if [[ -z $begin || -z $end || $begin -ge $end ]]; then
    echo "settings-table.sh: $page has no '<!-- kacd settings: generated …' … '<!-- end of kacd settings -->' markers; add them around the table" >&2
    exit 1
fi
table=$("$kacd" --print-settings-markdown)
{ head -n "$begin" "$page"; printf '%s\n' "$table"; tail -n "+$end" "$page"; } > "$page.new"
mv "$page.new" "$page"
echo "settings-table.sh: $page lines $begin-$end regenerated from $kacd"
