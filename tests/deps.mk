# tests/: the JavaScript cross-check of the crypto vectors (suite
# js-vectors, tests/js) runs on node (at least the version in
# tests/js/package.json's "engines", 20.19 for @noble/curves 2) and its
# npm packages, pinned in tests/js/package-lock.json.  `make deps`
# installs node with the Debian packages, checks its version (an older
# node stops here with what to install: nothing is fetched from outside
# Debian and npm), then runs `npm ci` when tests/js/node_modules is
# missing (node_modules stays out of git).  npm comes with NodeSource's
# nodejs; Debian's nodejs has none, so as root deps-js installs Debian's
# npm when the npm command is missing (npm is not in DEB_PACKAGES: it
# conflicts with NodeSource's nodejs).
DEB_PACKAGES += nodejs
deps: deps-js
deps-js: deps-deb
	@min=$$(sed -n 's/.*"node": *">= *\([0-9][0-9.]*\)".*/\1/p' \
	    tests/js/package.json); \
	have=$$(node -p process.versions.node 2>/dev/null) || { \
	  echo "deps: node is missing: install nodejs" >&2; exit 1; }; \
	if [ -n "$$min" ] && [ "$$(printf '%s\n' "$$min" "$$have" | \
	    sort -V | head -n 1)" != "$$min" ]; then \
	  echo "deps: node $$have is older than $$min, which tests/js needs" \
	    "(tests/js/package.json engines; @noble/curves 2)" >&2; \
	  echo "deps: install a nodejs package of version $$min or later" \
	    "(Debian 12's own is 18.x; NodeSource's nodejs 20 or 22 brings" \
	    "npm with it), then run make deps again" >&2; \
	  exit 1; \
	fi; \
	if [ ! -d tests/js/node_modules/@noble/curves ] || \
	    [ ! -d tests/js/node_modules/@noble/hashes ]; then \
	  if ! command -v npm >/dev/null 2>&1; then \
	    if [ "$$(id -u)" != 0 ]; then \
	      echo "deps: npm is missing (Debian's nodejs comes without it)" >&2; \
	      echo "deps: run: sudo apt-get install -y npm" >&2; exit 1; \
	    fi; \
	    echo "deps: installing: npm"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    { apt-get update -qq && apt-get install -y -qq \
	      --no-install-recommends npm; } >/dev/null || { \
	      echo "deps: apt-get install npm failed" >&2; exit 1; }; \
	  fi; \
	  echo "deps: npm ci in tests/js"; \
	  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error) \
	    >/dev/null || { echo "deps: npm ci failed" >&2; exit 1; }; \
	fi
