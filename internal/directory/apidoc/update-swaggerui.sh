#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The nym-go Authors.
#
# Refreshes the vendored Swagger UI in swaggerui/ from the swagger-ui-dist npm
# package (Apache-2.0, by SmartBear Software). Needs npm (for `npm pack` only:
# nothing is installed and no package script runs), tar, gzip and sha256sum.
#
#   ./update-swaggerui.sh            # the version pinned below
#   ./update-swaggerui.sh 5.36.0     # another version; then update VERSION below
#                                    # and in swaggerui/README.md
#
# It copies only what the directory serves: the bundle (stored gzipped), the
# stylesheet (gzipped), the two favicons, and the license files. index.html,
# index.css and swagger-initializer.js are this project's own and are left
# alone. SHA256SUMS records the upstream files' sums; the package's tests
# check the embedded files (after gunzip) against it. Run `go test
# ./internal/directory/apidoc/...` afterwards: the browser test shows whether
# the new version still renders under the page's Content-Security-Policy.
set -euo pipefail

VERSION="${1:-5.35.0}"
cd "$(dirname "$0")"
out=swaggerui
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "swagger-ui-dist@${VERSION}" >/dev/null && tar xzf swagger-ui-dist-*.tgz)
pkg="$tmp/package"
got=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg/package.json")
license=$(sed -n 's/^ *"license": *"\([^"]*\)".*/\1/p' "$pkg/package.json")
[ "$got" = "$VERSION" ] || { echo "npm gave version $got, wanted $VERSION" >&2; exit 1; }
[ "$license" = "Apache-2.0" ] || { echo "license is now $license: review before vendoring" >&2; exit 1; }

plain=(LICENSE NOTICE favicon-16x16.png favicon-32x32.png swagger-ui-bundle.js.LICENSE.txt)
gzipped=(swagger-ui-bundle.js swagger-ui.css)
for f in "${plain[@]}"; do cp "$pkg/$f" "$out/$f"; done
# -n: no name or time stamp in the header, so the output depends only on the input.
for f in "${gzipped[@]}"; do gzip -9 -n -c "$pkg/$f" > "$out/$f.gz"; done
(cd "$pkg" && sha256sum "${plain[@]}" "${gzipped[@]}" | sort -k2) > "$out/SHA256SUMS"

echo "swagger-ui-dist $VERSION vendored into $out/:"
ls -l "$out"
