#!/usr/bin/env bash
# Rebuild static/fonts/pretendard/ from the npm package `pretendard`.
#
# Takes only the variable-font *dynamic subset* (woff2 chunks + the CSS that
# declares one @font-face per chunk with a unicode-range) and the OFL licence.
# The CSS is copied byte-for-byte; its URLs are already relative
# (./woff2-dynamic-subset/...), so it works when served at
# /static/fonts/pretendard/pretendard.css.
#
# Usage (from the repo root):  bash static/vendor/fetch-pretendard.sh
# Needs: bash, npm (and therefore node), tar.
#
# To upgrade: change VERSION and INTEGRITY (from
# `npm view pretendard@<new> dist.integrity`), rerun, review the diff.
set -euo pipefail

VERSION="1.3.9"
INTEGRITY="sha512-PaQAADyLY5v4kYFwkpSJHbSSYIkiriY/1xXw75TKoZ9UQQqeU+tvP05yTdZAWibiIYoo8ZKtRv8PM7w0IaywSw=="

# Repo root = two levels above this script (static/vendor/ -> repo root).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="$ROOT/static/fonts/pretendard"

SRC_CSS="package/dist/web/variable/pretendardvariable-dynamic-subset.css"
SRC_WOFF2_DIR="package/dist/web/variable/woff2-dynamic-subset"
SRC_LICENSE="package/dist/LICENSE.txt"
SUBDIR="woff2-dynamic-subset"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/pretendard.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# 1. Download the exact tarball from the registry (run inside $TMP so no
#    project .npmrc / package.json is involved).
TGZ="$(cd "$TMP" && npm pack --silent "pretendard@$VERSION" | tail -n 1)"
TGZ="$TMP/$TGZ"

# 2. Verify it is the tarball we pinned.
ACTUAL="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$TGZ")"
if [[ "$ACTUAL" != "$INTEGRITY" ]]; then
  echo "integrity mismatch for pretendard@$VERSION: got $ACTUAL" >&2
  exit 1
fi

# 3. Extract only what we need.
tar -xzf "$TGZ" -C "$TMP" "$SRC_CSS" "$SRC_LICENSE" "$SRC_WOFF2_DIR"

# 4. Sanity checks on the CSS: no absolute/CDN font URLs, every rule swaps,
#    every referenced file exists.
CSS="$TMP/$SRC_CSS"
if grep -Eo 'url\([^)]*\)' "$CSS" | grep -Eqv "^url\(['\"]?\./$SUBDIR/[A-Za-z0-9._-]+\.woff2['\"]?\)$"; then
  echo "unexpected (non-relative or non-woff2) url() in $SRC_CSS" >&2
  exit 1
fi
faces="$(grep -c '@font-face' "$CSS")"
swaps="$(grep -c 'font-display: swap' "$CSS")"
if [[ "$faces" != "$swaps" ]]; then
  echo "expected font-display: swap in all $faces @font-face rules, found $swaps" >&2
  exit 1
fi

# 5. Stage the output: CSS, licence, and only the woff2 files the CSS references.
STAGE="$TMP/out"
mkdir -p "$STAGE/$SUBDIR"
cp "$CSS" "$STAGE/pretendard.css"
cp "$TMP/$SRC_LICENSE" "$STAGE/LICENSE.txt"
grep -Eo "\./$SUBDIR/[A-Za-z0-9._-]+\.woff2" "$CSS" | sort -u | while read -r ref; do
  name="${ref#./$SUBDIR/}"
  cp "$TMP/$SRC_WOFF2_DIR/$name" "$STAGE/$SUBDIR/$name"
done
count="$(find "$STAGE/$SUBDIR" -name '*.woff2' | wc -l)"
if [[ "$count" -ne "$faces" ]]; then
  echo "expected $faces woff2 files, staged $count" >&2
  exit 1
fi

# 6. Replace the vendored folder.
rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
cp -R "$STAGE" "$DEST"

echo "pretendard@$VERSION -> ${DEST#$ROOT/} ($count woff2 files, $(du -sh "$DEST" | cut -f1))"
