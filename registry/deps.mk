# registry/: the card rig needs ip/ss (iproute2) for pcscd's private
# network namespace and free-port checks (registry/pcscd-private,
# tests/run, web/demo.sh); pcscd, vsmartcard-vpcd, opensc, openssl and
# libpcsclite-dev are already in the Makefile's list.
DEB_PACKAGES += iproute2
