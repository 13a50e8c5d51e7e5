# tests/: the JavaScript cross-check of the crypto vectors (suite
# js-vectors, tests/js) runs on node (>= 20.19, for @noble/curves 2) and
# its npm packages, pinned in tests/js/package-lock.json.  `make deps`
# installs node with the Debian packages, then runs `npm ci` when
# tests/js/node_modules is missing (node_modules stays out of git).
# npm comes with NodeSource's nodejs; with Debian's, install npm too.
DEB_PACKAGES += nodejs
deps: deps-js
deps-js: deps-deb
	@if [ ! -d tests/js/node_modules/@noble/curves ] || \
	    [ ! -d tests/js/node_modules/@noble/hashes ]; then \
	  command -v npm >/dev/null 2>&1 || { \
	    echo "deps: npm is missing: install it (apt-get install npm)" >&2; \
	    exit 1; }; \
	  echo "deps: npm ci in tests/js"; \
	  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error) \
	    >/dev/null || { echo "deps: npm ci failed" >&2; exit 1; }; \
	fi
