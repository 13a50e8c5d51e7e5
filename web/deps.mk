# web/: tests/integration/web_server.sh drives ippyo-server with curl
# (HTTP, HTTPS with --cacert) and makes its certificate with openssl
# (already in the Makefile's list); psql comes with postgresql.
DEB_PACKAGES += curl
