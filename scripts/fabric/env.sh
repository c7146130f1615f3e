#!/usr/bin/env bash
# scripts/fabric/env.sh — shell environment for working with the local Fabric
# network by hand (peer CLI as an org's Admin, osnadmin, configtxlator...).
#
#   source scripts/fabric/env.sh [operator|customers]   # default: operator
#   eval "$(scripts/fabric/env.sh customers)"           # same, when executed
#
# Exports: FEMETER_FABRIC_DIR, FEMETER_FABRIC_CONNECTION (the connection.json
# clients use), FEMETER_FABRIC_CHANNEL, PATH (+ Fabric's bin/), and for the
# chosen org FABRIC_CFG_PATH, CORE_PEER_ADDRESS, CORE_PEER_LOCALMSPID,
# CORE_PEER_MSPCONFIGPATH (the org's Admin), CORE_PEER_TLS_*, plus ORDERER_CA
# and ORDERER_ADDRESS for `-o "$ORDERER_ADDRESS" --tls --cafile "$ORDERER_CA"`.
# Example:  peer channel getinfo -c "$FEMETER_FABRIC_CHANNEL"
#
# When sourced it changes no shell options (no set -e in your shell); the
# work is done by executing this file, which is strict (set -euo pipefail).
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  # sourced: run ourselves as a program and apply the exports it prints
  if _femeter_env_out="$(bash "${BASH_SOURCE[0]}" "$@")"; then
    eval "$_femeter_env_out"
    unset _femeter_env_out
    echo "Fabric CLI environment set for ${CORE_PEER_LOCALMSPID:-?} Admin at ${CORE_PEER_ADDRESS:-?} (network: $FEMETER_FABRIC_DIR)" >&2
  else
    unset _femeter_env_out
    return 1
  fi
  return 0
fi

set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
org="${1:-operator}"
[[ -f "$FABRIC_NET_DIR/network.env" ]] || die "no network in $FABRIC_NET_DIR; start one with scripts/fabric/up"
fabric_load_settings
fabric_org "$org"
emit() { printf 'export %s=%q\n' "$1" "$2"; }
emit FEMETER_FABRIC_DIR "$FABRIC_NET_DIR"
emit FEMETER_FABRIC_CONNECTION "$FABRIC_NET_DIR/connection.json"
emit FEMETER_FABRIC_CHANNEL "$FABRIC_CHANNEL"
case ":$PATH:" in *":$FABRIC_BIN:"*) ;; *) emit PATH "$FABRIC_BIN:$PATH" ;; esac
emit FABRIC_CFG_PATH "$FABRIC_NET_DIR/config/peer"
emit CORE_PEER_TLS_ENABLED true
emit CORE_PEER_TLS_ROOTCERT_FILE "$PEER_TLS_CA"
emit CORE_PEER_ADDRESS "127.0.0.1:$PEER_PORT"
emit CORE_PEER_LOCALMSPID "$ORG_MSP"
emit CORE_PEER_MSPCONFIGPATH "$ORG_ADMIN_MSP"
emit ORDERER_ADDRESS "127.0.0.1:$ORDERER_PORT"
emit ORDERER_CA "$ORDERER_TLS_CA"
