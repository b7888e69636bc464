#!/usr/bin/env bash
# Refresh the vendored plotting library of the in-page explorer from the npm registry.
#
# The version is the one recorded in _explorer/package.json and _explorer/package-lock.json;
# to move to another, edit package.json, run `npm install --package-lock-only` in _explorer/,
# then this script. The book build itself never needs Node: it serves the copied files.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here/_explorer"
npm ci --ignore-scripts --no-audit --no-fund
dest="$here/_explorer/static/explorer"
mkdir -p "$dest"
cp node_modules/uplot/dist/uPlot.iife.min.js "$dest/uPlot.iife.min.js"
cp node_modules/uplot/dist/uPlot.min.css "$dest/uPlot.min.css"
cp node_modules/uplot/LICENSE "$dest/uPlot-LICENSE.txt"
version="$(node -p 'require("./node_modules/uplot/package.json").version')"
echo "uPlot $version copied to $dest"
rm -rf node_modules
