#!/bin/bash
# FireHOL's own example templates (office, lan-gateway, server-dmz: full of bash) through fhc and
# the differential harness. They are GPL test input and stay out of this repository: give their
# directory (the files examples_*.conf of firehol/firehol's examples/, renamed as in
# ../shared/corpus/firehol-upstream).
#
#   sudo tests/diff/upstream-templates.sh [DIR]      (default: ../shared/corpus/firehol-upstream)
#
# Where a template needs the host, fhc gets a --define, and FireHOL gets the same value in a copy
# of the file (it has no --define): office's `nfs` (FireHOL asks rpcinfo for its ports) and
# lan-gateway's TRUSTED_PCS (a host name, resolved through DNS). Its SQUID_USERS names the user
# `squid`, which iptables (and nft) resolve when the rules load: the copies name `nobody`, which
# every Debian machine has. FireHOL 3.1.7 cannot start lan-gateway as it is (it has no `version`
# line, so FireHOL writes its IPv4 addresses into IPv6 rules too and ip6tables refuses them; fhc
# applies those statements to IPv4 only, I0113): the copies start with `version 5` (IPv4 only).
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${1:-../shared/corpus/firehol-upstream}
FHC=${FHC:-target/debug/fhc}
[ -x "$FHC" ] || cargo build -q -p fhc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

NFS_DEFINES=(-D "server_nfs_ports=tcp/2049 udp/2049" -D "client_nfs_ports=default")
LAN_DEFINES=(-D "TRUSTED_PCS=192.0.2.7")

check() { # FILE DEFINES...: fhc must accept the original with the defines
  local f=$1; shift
  if "$FHC" check --no-defaults "$@" "$f" >/dev/null 2>"$work/err"; then
    echo "CHECK OK  $(basename "$f") $*"
  else
    echo "CHECK FAIL $(basename "$f")"; cat "$work/err"; exit 1
  fi
}
check "$DIR/examples_office.conf" "${NFS_DEFINES[@]}"
check "$DIR/examples_lan-gateway.conf" "${LAN_DEFINES[@]}"
check "$DIR/examples_server-dmz.conf"

# The same values, written into copies for both sides of the harness.
{ printf 'server_nfs_ports="tcp/2049 udp/2049"\nclient_nfs_ports="default"\n'; cat "$DIR/examples_office.conf"; } >"$work/office.conf"
{ echo "version 5"; sed -e 's/^TRUSTED_PCS=.*/TRUSTED_PCS="192.0.2.7"/' \
  -e 's/^SQUID_USERS="squid"/SQUID_USERS="nobody"/' "$DIR/examples_lan-gateway.conf"; } >"$work/lan-gateway.conf"
cp "$DIR/examples_server-dmz.conf" "$work/server-dmz.conf"
python3 tests/diff/harness.py --fhc "$FHC" "$work/office.conf" "$work/lan-gateway.conf" "$work/server-dmz.conf"
