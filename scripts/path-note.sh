#!/bin/sh
# make install's last word: where the binary went, and how to reach it when
# that folder is not on PATH (a fresh account's ~/.local/bin often is not).
bin="$PREFIX/bin"
echo "installed $bin/contacts, its man pages and its shell completions under $PREFIX/share"
case ":$PATH:" in
*":$bin:"*) ;;
*)
	echo "note: $bin is not on your PATH; add it, e.g. in ~/.profile:"
	echo "  export PATH=\"$bin:\$PATH\""
	;;
esac
