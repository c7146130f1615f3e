# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are used by the scripts that source this file
# Pinned Hyperledger Fabric version for the native (no-Docker) test network.
# Sourced by scripts/fabric/{build,up,deploy,...}; not executable on its own.
#
# Why v2.5.9 and not the newest 2.5 tag (v2.5.16)?
#   The Go module path github.com/hyperledger/fabric has no /v2 suffix, so a
#   v2 tag can only be fetched as a pseudo-version of its commit
#   (v1.4.0-rc1.0.<commit time UTC>-<12-char hash>; v1.4.0-rc1 is the newest
#   v0/v1 tag below the v2.5 line). The Go module proxy reachable from this
#   project's machines and CI answers "403 This module version is not
#   available" for the pseudo-versions of v2.5.1 ... v2.5.8 and v2.5.10 ...
#   v2.5.16 (checked 2026-11-25), but serves those of v2.5.0 and v2.5.9.
#   v2.5.9 (2024-06-18, commit 7c3876255bf0) is therefore the newest usable
#   2.5 LTS release. Its go.mod says `go 1.22`; it builds with Go 1.26.
#   To move to another release, change the three values below (the build
#   stamp changes with them, so scripts/fabric/build rebuilds).
FABRIC_RELEASE="v2.5.9"
FABRIC_COMMIT="7c3876255bf064b789a839ce347b6a02adb6333c"
FABRIC_MODULE_VERSION="v1.4.0-rc1.0.20240618194258-7c3876255bf0"

FABRIC_MODULE="github.com/hyperledger/fabric"
# Binaries built from the module (same set as Fabric's release tarball, minus
# discover/ledgerutil which we do not use).
FABRIC_TOOLS=(peer orderer configtxgen osnadmin cryptogen configtxlator)

# Cache outside the repository (nothing of Fabric is ever placed in the repo).
FEMETER_CACHE="${FEMETER_CACHE:-$HOME/.cache/femeter}"
FABRIC_HOME="${FABRIC_HOME:-$FEMETER_CACHE/fabric/$FABRIC_RELEASE}"
FABRIC_BIN="$FABRIC_HOME/bin"
FABRIC_BUILDER_DIR="$FABRIC_HOME/builders/ccaas"
FABRIC_SAMPLECONFIG="$FABRIC_HOME/config"
FABRIC_STAMP="$FABRIC_HOME/.femeter-build-stamp"

# Name under which the peers know the chaincode-as-a-service builder. The
# peer stores this name with every built package and refuses to use the
# package if no builder of that name is configured any more: keep it stable.
FABRIC_BUILDER_NAME="femeter-ccaas"
