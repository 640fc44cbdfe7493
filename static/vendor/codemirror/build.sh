#!/usr/bin/env bash
# Rebuild static/vendor/codemirror/gil-editor.js (and LICENSE.txt) from pinned npm packages.
#
#   bash static/vendor/codemirror/build.sh                 # normal rebuild: npm ci from package-lock.json
#   UPDATE_LOCK=1 bash static/vendor/codemirror/build.sh   # after editing versions below: re-resolve, rewrite the lock
#
# Needs node >= 18 and npm, and the npm registry. Works in a temp dir; nothing is
# installed in the repository. The output depends only on entry.js, the versions below and
# package-lock.json (sha512 integrity of every tarball), so two runs give byte-identical files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Every package that ends up in the bundle, at an exact version, plus esbuild.
cat >"$TMP/package.json" <<'JSON'
{
  "name": "gil-editor-build",
  "version": "0.0.0",
  "private": true,
  "description": "Build of static/vendor/codemirror/gil-editor.js; see build.sh",
  "license": "MIT",
  "dependencies": {
    "@codemirror/autocomplete": "6.20.4",
    "@codemirror/commands": "6.11.1",
    "@codemirror/lang-python": "6.2.1",
    "@codemirror/language": "6.13.1",
    "@codemirror/state": "6.7.6",
    "@codemirror/streamparser": "6.0.0",
    "@codemirror/view": "6.43.15",
    "@lezer/common": "1.5.5",
    "@lezer/highlight": "1.2.5",
    "@lezer/lr": "1.4.12",
    "@lezer/python": "1.1.19",
    "@marijn/find-cluster-break": "1.0.4",
    "crelt": "1.0.7",
    "style-mod": "4.1.5",
    "w3c-keyname": "2.2.8"
  },
  "devDependencies": {
    "esbuild": "0.28.2"
  }
}
JSON

cp "$HERE/entry.js" "$TMP/entry.js"

cd "$TMP"
echo "node $(node --version), npm $(npm --version)"
if [[ "${UPDATE_LOCK:-}" == 1 ]]; then
  npm install --ignore-scripts --no-audit --no-fund
  cp package-lock.json "$HERE/package-lock.json"
else
  cp "$HERE/package-lock.json" package-lock.json
  # --ignore-scripts: esbuild's postinstall only checks its binary, which the
  # @esbuild/<platform> package already supplies.
  npm ci --ignore-scripts --no-audit --no-fund
fi

# Fail if something resolved to a version other than the pinned one.
node -e '
  const pkg = require("./package.json");
  const want = { ...pkg.dependencies, ...pkg.devDependencies };
  let bad = 0;
  for (const [name, v] of Object.entries(want)) {
    const got = require("./node_modules/" + name + "/package.json").version;
    if (got !== v) { console.error(`${name}: want ${v}, got ${got}`); bad = 1; }
  }
  const lock = require("./package-lock.json");
  for (const [path, info] of Object.entries(lock.packages)) {
    if (!path || info.optional) continue;
    const name = path.replace(/^.*node_modules\//, "");
    if (!(name in want)) { console.error(`unpinned package in the lock: ${name}@${info.version}`); bad = 1; }
  }
  process.exit(bad);
'

./node_modules/.bin/esbuild entry.js \
  --bundle --minify --format=iife --platform=browser --target=es2020 \
  --legal-comments=none --charset=ascii \
  --banner:js='/*! gil-editor: CodeMirror 6 (MIT, Marijn Haverbeke and others) for gil-lab. Licences: LICENSE.txt. Source: entry.js, built by build.sh. */' \
  --metafile=meta.json --log-level=warning \
  --outfile=gil-editor.js

# LICENSE.txt: the licence of every package that contributed code to the bundle
# (some pinned packages are imported but tree-shaken away entirely), grouped by identical text.
node -e '
  const fs = require("fs");
  const meta = require("./meta.json");
  const names = new Set();
  for (const [input, info] of Object.entries(meta.outputs["gil-editor.js"].inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m && info.bytesInOutput > 0) names.add(m[1]);
  }
  const groups = new Map();
  for (const name of [...names].sort()) {
    const dir = "node_modules/" + name;
    const version = require("./" + dir + "/package.json").version;
    const file = fs.readdirSync(dir).find((f) => /^licen[cs]e(\.md|\.txt)?$/i.test(f));
    if (!file) throw new Error("no licence file in " + name);
    const text = fs.readFileSync(dir + "/" + file, "utf8").replace(/\r\n/g, "\n").trim();
    if (!groups.has(text)) groups.set(text, []);
    groups.get(text).push(`${name}@${version}`);
  }
  let out = "gil-editor.js bundles the following npm packages. All are under the MIT licence;\n" +
    "each licence text is reproduced below with the packages it covers.\n";
  for (const [text, pkgs] of groups) {
    out += "\n" + "=".repeat(72) + "\n" + pkgs.join("\n") + "\n" + "-".repeat(72) + "\n" + text + "\n";
  }
  fs.writeFileSync("LICENSE.txt", out);
  console.log("bundled packages: " + [...names].sort().join(", "));
'

cp gil-editor.js "$HERE/gil-editor.js"
cp LICENSE.txt "$HERE/LICENSE.txt"

raw=$(wc -c <gil-editor.js)
gz=$(gzip -9 -n -c gil-editor.js | wc -c)
echo "gil-editor.js: $raw bytes minified, $gz bytes gzip -9"
sha256sum gil-editor.js LICENSE.txt
