#!/usr/bin/env bash
# Issue 12, short: tests/scale/scale with SCALE_MODE=short (three imapd hosts in network
# namespaces behind perdition and nginx's mail proxy: who lands where, a NO for a wrong
# password and for a host that is down, TLS at the proxy, moving a user with mbsync
# watching, a few seconds of load).  `make scale` runs it long.
# Its checks print as this test's own; it cleans up after itself (namespaces, bridge,
# services) also when it fails.
[ -n "${TOP:-}" ] || TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCALE_MODE=short exec bash "$TOP/tests/scale/scale"
