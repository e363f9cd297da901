#!/bin/sh
# Installs what the tests need from Debian's packages, when it is missing
# and this runs as root (CI does); otherwise it does nothing, and the tests
# that need a missing program skip with a message that names it.
#
#   radicale   the CardDAV server the sync tests run against (cmd/sync_test.go)
#   chromium   the browser the web page's tests drive (internal/web/browser_test.go)
#   abook      reads our vCard 3.0 export (cmd/interop_test.go)
#   khard      reads our vCard 3.0 export (cmd/interop_test.go)
#   bash-completion, zsh, fish
#              the shells whose completion is tested (cmd/complete_test.go)
set -eu

missing=""
command -v radicale >/dev/null 2>&1 || missing="$missing radicale"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v abook >/dev/null 2>&1 || missing="$missing abook"
command -v khard >/dev/null 2>&1 || missing="$missing khard"
[ -f /usr/share/bash-completion/bash_completion ] || missing="$missing bash-completion"
command -v zsh >/dev/null 2>&1 || missing="$missing zsh"
command -v fish >/dev/null 2>&1 || missing="$missing fish"

[ -n "$missing" ] || exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "test-deps: not installed:$missing (run scripts/test-deps.sh as root to install them; their tests skip)" >&2
	exit 0
fi
echo "test-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
