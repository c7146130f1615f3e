# shellcheck shell=bash
# shellcheck disable=SC2034  # many variables set here are used by the sourcing scripts
# Shared helpers of scripts/fabric/{up,down,deploy,restart-peer,smoke,env.sh}.
# Sourced, never executed. Callers set `set -euo pipefail` themselves.
#
# Everything about one network lives under one data dir ($FABRIC_NET_DIR):
#
#   .femeter-fabric-net       marker: only dirs holding it are ever deleted
#   network.env               the settings `up` used (base port, ...); later
#                             commands read them so they act on the same net
#   connection.json           machine-readable description for clients
#   crypto-config.yaml        cryptogen input
#   crypto/                   cryptogen output (MSPs, TLS certs, user keys)
#   config/peer/core.yaml     edited copy of Fabric's sampleconfig core.yaml
#   config/orderer/orderer.yaml, config/configtx/configtx.yaml
#   channel-artifacts/<channel>.block
#   orderer/                  orderer ledger + etcdraft WAL/snapshots
#   peers/<org>/              peer ledger (goleveldb) + snapshots
#   chaincode/<name>/         ccaas packages made by `deploy`
#   run/<proc>.env            the exact environment each process runs with
#   run/<proc>.pid            pid (= process group id) of each process
#   logs/<proc>.log           stdout+stderr of each process
#
# Process names (<proc>): orderer, peer-operator, peer-customers, cc-<name>.

_fabric_lib_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$_fabric_lib_dir/versions.sh"
FEMETER_REPO_ROOT="$(cd "$_fabric_lib_dir/../.." && pwd)"

FABRIC_NET_DIR="${FEMETER_FABRIC_DIR:-$FEMETER_CACHE/fabric-net}"
case "$FABRIC_NET_DIR" in /*) ;; *) FABRIC_NET_DIR="$PWD/$FABRIC_NET_DIR" ;; esac
FABRIC_NET_DIR="${FABRIC_NET_DIR%/}"
FABRIC_MARKER="$FABRIC_NET_DIR/.femeter-fabric-net"

# ---------------------------------------------------------------- messages
_fabric_prog="scripts/fabric/$(basename "$0")"
fabric_now_ms() { date +%s%3N; }
fabric_fmt_ms() { printf '%d.%03ds' $(($1 / 1000)) $(($1 % 1000)); }
log() { echo "[$_fabric_prog] $*"; }
warn() { echo "[$_fabric_prog] WARNING: $*" >&2; }
die() { echo "[$_fabric_prog] ERROR: $*" >&2; exit 1; }

# Print the last lines of a process log to stderr (for error messages).
tail_log() {
  local name="$1" n="${2:-40}" f="$FABRIC_NET_DIR/logs/$1.log"
  if [[ -s "$f" ]]; then
    echo "----- last $n lines of $f -----" >&2
    tail -n "$n" "$f" >&2
    echo "----- end of $f -----" >&2
  fi
}

# ---------------------------------------------------------------- settings
# Ports: one fixed block starting at FEMETER_FABRIC_BASE_PORT (default 17050).
# Chosen below Linux's ephemeral range (32768+) and away from Fabric's usual
# 7050/7051/9443 so a docker test-network on the same host does not clash.
#   base+0   orderer gRPC (broadcast/deliver, also Raft cluster traffic)
#   base+1   orderer admin (channel participation API, mutual TLS)
#   base+2   orderer operations (HTTP: /healthz, /metrics)
#   base+10  operator peer gRPC (endorse, gateway, deliver, gossip)
#   base+11  operator peer chaincode listener
#   base+12  operator peer operations (HTTP: /healthz, /metrics)
#   base+20  customers peer gRPC, base+21 chaincode, base+22 operations
#   base+30..base+49  chaincode-as-a-service servers started by `deploy`
fabric_load_settings() {
  if [[ -f "$FABRIC_NET_DIR/network.env" ]]; then
    # A network exists: use the settings it was created with.
    # shellcheck disable=SC1091
    source "$FABRIC_NET_DIR/network.env"
  else
    FABRIC_BASE_PORT="${FEMETER_FABRIC_BASE_PORT:-17050}"
    FABRIC_CHANNEL="${FEMETER_FABRIC_CHANNEL:-femeter}"
  fi
  [[ "$FABRIC_BASE_PORT" =~ ^[0-9]+$ ]] && (( FABRIC_BASE_PORT >= 1024 && FABRIC_BASE_PORT <= 65000 )) \
    || die "FEMETER_FABRIC_BASE_PORT must be a number between 1024 and 65000 (got '$FABRIC_BASE_PORT')"
  local b=$FABRIC_BASE_PORT
  ORDERER_PORT=$b; ORDERER_ADMIN_PORT=$((b + 1)); ORDERER_OPS_PORT=$((b + 2))
  CC_PORT_FIRST=$((b + 30)); CC_PORT_LAST=$((b + 49))
  ORDERER_HOST="orderer0.orderer.femeter.test"
  ORDERER_MSP="OrdererMSP"
  ORDERER_CRYPTO="$FABRIC_NET_DIR/crypto/ordererOrganizations/orderer.femeter.test"
  ORDERER_TLS_CA="$ORDERER_CRYPTO/orderers/$ORDERER_HOST/tls/ca.crt"
  ORDERER_ADMIN_TLS_DIR="$ORDERER_CRYPTO/users/Admin@orderer.femeter.test/tls"
}

# The two organisations. Keys are short lower-case names used in file and
# process names and on the command line of restart-peer.
FABRIC_ORGS=(operator customers)

# Client users (User1..UserN) per org, made by cryptogen in `up` and listed in
# connection.json. The femeter Fabric engine maps every participant (the
# operator, providers, customers, meters, ...) to its own user, so the demo
# (100 customers + 100 meters + an auditor in CustomersMSP) needs > 200
# customer-side users. Set by `up` from FEMETER_FABRIC_USERS_OPERATOR /
# FEMETER_FABRIC_USERS_CUSTOMERS (or FEMETER_FABRIC_USERS for both) and kept in
# network.env (FABRIC_NET_USERS_<ORG>) so deploy rewrites the same list.
FABRIC_DEFAULT_USERS_OPERATOR=16
FABRIC_DEFAULT_USERS_CUSTOMERS=250
# fabric_users <org key>: the number of client users of that org.
fabric_users() {
  local n
  case "$1" in
    operator)  n="${FABRIC_NET_USERS_OPERATOR:-${FEMETER_FABRIC_USERS_OPERATOR:-${FEMETER_FABRIC_USERS:-$FABRIC_DEFAULT_USERS_OPERATOR}}}" ;;
    customers) n="${FABRIC_NET_USERS_CUSTOMERS:-${FEMETER_FABRIC_USERS_CUSTOMERS:-${FEMETER_FABRIC_USERS:-$FABRIC_DEFAULT_USERS_CUSTOMERS}}}" ;;
    *) die "fabric_users: unknown org '$1'" ;;
  esac
  [[ "$n" =~ ^[1-9][0-9]*$ ]] && ((n <= 5000)) || die "the number of users of $1 must be 1..5000 (got '$n'; FEMETER_FABRIC_USERS[_${1^^}])"
  echo "$n"
}

# Set ORG_* variables for one org: ORG_KEY ORG_MSP ORG_NAME ORG_DOMAIN
# PEER_HOST PEER_PORT PEER_CC_PORT PEER_OPS_PORT PEER_TLS_CA ORG_CRYPTO
# ORG_ADMIN_MSP. Accepts "operator", "OperatorMSP", "customers", ...
fabric_org() {
  local k="${1,,}"
  k="${k%msp}"
  case "$k" in
    operator)  ORG_KEY=operator;  ORG_NAME=Operator;  ORG_MSP=OperatorMSP;  PEER_PORT=$((FABRIC_BASE_PORT + 10)) ;;
    customers|customer) ORG_KEY=customers; ORG_NAME=Customers; ORG_MSP=CustomersMSP; PEER_PORT=$((FABRIC_BASE_PORT + 20)) ;;
    *) die "unknown organisation '$1' (expected one of: operator, customers, OperatorMSP, CustomersMSP)" ;;
  esac
  PEER_CC_PORT=$((PEER_PORT + 1)); PEER_OPS_PORT=$((PEER_PORT + 2))
  ORG_DOMAIN="$ORG_KEY.femeter.test"
  PEER_HOST="peer0.$ORG_DOMAIN"
  ORG_CRYPTO="$FABRIC_NET_DIR/crypto/peerOrganizations/$ORG_DOMAIN"
  PEER_TLS_CA="$ORG_CRYPTO/peers/$PEER_HOST/tls/ca.crt"
  ORG_ADMIN_MSP="$ORG_CRYPTO/users/Admin@$ORG_DOMAIN/msp"
}

# ---------------------------------------------------------------- binaries
fabric_require_bins() {
  local t missing=()
  for t in "$@"; do [[ -x "$FABRIC_BIN/$t" ]] || missing+=("$t"); done
  if ((${#missing[@]})); then
    die "Fabric binaries missing in $FABRIC_BIN: ${missing[*]}. Run scripts/fabric/build first."
  fi
  if [[ ! -f "$FABRIC_STAMP" ]]; then
    die "Fabric build in $FABRIC_HOME is incomplete (no build stamp). Run scripts/fabric/build."
  fi
}

# ---------------------------------------------------------------- ports
# True if something accepts TCP connections on 127.0.0.1:$1 (bash /dev/tcp,
# so no netcat/ss needed). A listener on 0.0.0.0 or [::] also answers here.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Explain who holds a port, if the tools to find out exist.
port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -ltnp "sport = :$1" 2>/dev/null | tail -n +2 | sed 's/^/    /' || true
  fi
}

# die unless every given "port:purpose" is free.
require_ports_free() {
  local spec p what busy=0
  for spec in "$@"; do
    p="${spec%%:*}"; what="${spec#*:}"
    if port_in_use "$p"; then
      echo "[$_fabric_prog] ERROR: port $p ($what) is already in use on 127.0.0.1" >&2
      port_owner "$p" >&2
      busy=1
    fi
  done
  if ((busy)); then
    die "ports taken. Is another femeter Fabric network running? Stop it with scripts/fabric/down (same FEMETER_FABRIC_DIR), or pick another port block with FEMETER_FABRIC_BASE_PORT=<n> (uses n..n+49)."
  fi
}

# ---------------------------------------------------------------- HTTP
# GET http://127.0.0.1:$1$2 and print the body; non-zero exit unless the
# answer is "200". Uses bash /dev/tcp (HTTP/1.0) so curl is not required.
http_get() {
  local resp
  resp=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$1" >&3
    cat <&3' "$1" "$2" 2>/dev/null) || return 1
  [[ "${resp%%$'\r'*}" == *" 200 "* ]] || return 1
  printf '%s' "${resp#*$'\r\n\r\n'}"
}

# ---------------------------------------------------------------- processes
pid_file() { echo "$FABRIC_NET_DIR/run/$1.pid"; }

# Is process <name> (from its pid file) alive and really ours?
proc_alive() {
  local f pid
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  proc_is_ours "$pid"
}

# A process is ours when its environment carries the marker
# FEMETER_FABRIC_NET=<this data dir> (set by start_proc). Protects against
# killing an unrelated process that reused a stale pid.
proc_is_ours() {
  local pid="$1"
  [[ -r "/proc/$pid/environ" ]] || return 1
  grep -qzxF "FEMETER_FABRIC_NET=$FABRIC_NET_DIR" "/proc/$pid/environ" 2>/dev/null
}

# start_proc NAME ENVFILE WORKDIR CMD...  — start CMD in the background in
# its own session/process group with exactly the variables of ENVFILE (on
# top of the caller's environment minus any CORE_*/ORDERER_*/FABRIC_*
# variables, so a developer's shell settings cannot leak in). Output goes to
# logs/NAME.log (appended, so restarts keep the history), pid to run/NAME.pid.
start_proc() {
  local name="$1" envfile="$2" workdir="$3"
  shift 3
  local log="$FABRIC_NET_DIR/logs/$name.log"
  mkdir -p "$FABRIC_NET_DIR/logs" "$FABRIC_NET_DIR/run"
  echo "===== $(date -u +%FT%TZ) starting $name: $* =====" >> "$log"
  (
    for v in $(compgen -e); do
      case "$v" in CORE_*|ORDERER_*|FABRIC_*|CHAINCODE_*) unset "$v" ;; esac
    done
    set -a
    # shellcheck disable=SC1090
    source "$envfile"
    set +a
    export FEMETER_FABRIC_NET="$FABRIC_NET_DIR"
    cd "$workdir" || exit 1
    # setsid: own session and process group (pgid = pid), detached from the
    # caller's terminal, so Ctrl-C in the caller does not kill the network
    # and `down` can signal the whole group (e.g. a chaincode's children).
    exec setsid "$@"
  ) >> "$log" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid" > "$(pid_file "$name")"
  # Until the subshell above has exec'd, /proc/<pid>/environ still shows the
  # environment this script was started with (no marker), so proc_alive would
  # call the new process dead and wait_for would give up at once. That race
  # hit deploy under load (several deploys per test run): wait here until
  # the exec has happened (marker visible) or the process is gone.
  local i
  for ((i = 0; i < 500; i++)); do
    proc_is_ours "$pid" && return 0
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.01
  done
  warn "$name (pid $pid) has not started its command after 5 s"
}

# Send a signal to a process group if the pid leads one, else to the pid.
_signal_proc() {
  local sig="$1" pid="$2"
  if [[ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" == "$pid" ]]; then
    kill "-$sig" -- "-$pid" 2>/dev/null || true
  else
    kill "-$sig" "$pid" 2>/dev/null || true
  fi
}

# stop_pid PID [GRACE_SECONDS]: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local pid="$1" grace="${2:-10}" i
  proc_is_ours "$pid" || return 0
  _signal_proc TERM "$pid"
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    # a zombie whose parent is gone counts as dead
    [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" == Z* ]] && return 0
    sleep 0.1
  done
  warn "pid $pid did not exit within ${grace}s of SIGTERM; sending SIGKILL"
  _signal_proc KILL "$pid"
  sleep 0.2
}

# stop_proc NAME [GRACE]: stop the process of a pid file and remove the file.
stop_proc() {
  local name="$1" grace="${2:-10}" f pid
  f="$(pid_file "$name")"
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && proc_is_ours "$pid"; then
    stop_pid "$pid" "$grace"
  fi
  rm -f "$f"
}

# Every live process whose environment has our marker, e.g. children of a
# chaincode command whose group was left, or processes whose pid file was
# lost in a failed start. Printed one pid per line.
marked_pids() {
  local e pid
  for e in /proc/[0-9]*/environ; do
    pid="${e#/proc/}"; pid="${pid%/environ}"
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    if grep -qzxF "FEMETER_FABRIC_NET=$FABRIC_NET_DIR" "$e" 2>/dev/null; then
      echo "$pid"
    fi
  done
}

# wait_for DESCRIPTION TIMEOUT_S PROCNAME COMMAND... — poll COMMAND every
# 0.1 s until it succeeds. Fails with the log tail of PROCNAME when the
# timeout passes or the process dies.
wait_for() {
  local what="$1" timeout="$2" proc="$3"
  shift 3
  local deadline=$(( $(fabric_now_ms) + timeout * 1000 ))
  while ! "$@" >/dev/null 2>&1; do
    # While a process execs (setsid, then its command), /proc/<pid>/environ can read
    # empty for a moment, so proc_alive briefly calls it dead (seen under load:
    # a deploy gave up on a chaincode server that was starting): look twice.
    if [[ -n "$proc" ]] && ! proc_alive "$proc" && { sleep 0.3; ! proc_alive "$proc"; }; then
      tail_log "$proc"
      die "$proc exited while waiting for $what (full log: $FABRIC_NET_DIR/logs/$proc.log)"
    fi
    if (( $(fabric_now_ms) > deadline )); then
      [[ -n "$proc" ]] && tail_log "$proc"
      die "timed out after ${timeout}s waiting for $what${proc:+ (log: $FABRIC_NET_DIR/logs/$proc.log)}"
    fi
    sleep 0.1
  done
}

healthz_ok() {
  local body
  body="$(http_get "$1" /healthz)" || return 1
  [[ "$body" == *'"status":"OK"'* ]]
}

# ---------------------------------------------------------------- CLI env
# Run the peer CLI as the Admin of an org against that org's peer.
# Usage: peer_admin <org> <peer args...>
peer_admin() {
  local org="$1"
  shift
  fabric_org "$org"
  (
    for v in $(compgen -e); do
      case "$v" in CORE_*|ORDERER_*|FABRIC_*) unset "$v" ;; esac
    done
    export FABRIC_CFG_PATH="$FABRIC_NET_DIR/config/peer"
    export FABRIC_LOGGING_SPEC="${FEMETER_FABRIC_CLI_LOG_SPEC:-warning}"
    export CORE_PEER_TLS_ENABLED=true
    export CORE_PEER_TLS_ROOTCERT_FILE="$PEER_TLS_CA"
    export CORE_PEER_ADDRESS="127.0.0.1:$PEER_PORT"
    export CORE_PEER_LOCALMSPID="$ORG_MSP"
    export CORE_PEER_MSPCONFIGPATH="$ORG_ADMIN_MSP"
    exec "$FABRIC_BIN/peer" "$@"
  )
}

# osnadmin with the orderer admin's mutual-TLS client certificate.
osnadmin_cmd() {
  "$FABRIC_BIN/osnadmin" "$@" -o "127.0.0.1:$ORDERER_ADMIN_PORT" \
    --ca-file "$ORDERER_TLS_CA" \
    --client-cert "$ORDERER_ADMIN_TLS_DIR/client.crt" \
    --client-key "$ORDERER_ADMIN_TLS_DIR/client.key"
}

# Quote a string as a JSON string literal.
json_str() {
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"
  s="${s//$'\n'/\\n}"; s="${s//$'\t'/\\t}"
  printf '"%s"' "$s"
}

# Write KEY=VALUE lines (shell-quoted) to an env file.
write_env() {
  local file="$1" kv
  shift
  : > "$file"
  for kv in "$@"; do
    printf '%s=%q\n' "${kv%%=*}" "${kv#*=}" >> "$file"
  done
}

# ---------------------------------------------------------------- connection.json
# (Re)write <data dir>/connection.json from the crypto material and the
# chaincode records deploy leaves in chaincode/<name>/deployed.env.
# Schema: see the top of scripts/fabric/README.md.
write_connection_json() {
  local out="$FABRIC_NET_DIR/connection.json" tmp org u cert key sep usep latest="" latest_t=0
  tmp="$out.tmp.$$"
  {
    echo '{'
    echo '  "schema": "femeter-fabric-connection/1",'
    echo "  \"fabricVersion\": $(json_str "${FABRIC_RELEASE#v}"),"
    echo "  \"dataDir\": $(json_str "$FABRIC_NET_DIR"),"
    echo "  \"channel\": $(json_str "$FABRIC_CHANNEL"),"
    # chaincodes deployed so far; "chaincode" = the most recently deployed.
    # (Each record is read in a subshell so the caller's variables survive.)
    local f line t name
    local -a ccs=()
    for f in "$FABRIC_NET_DIR"/chaincode/*/deployed.env; do
      [[ -f "$f" ]] || continue
      line="$(
        # shellcheck disable=SC1090
        source "$f"
        printf '%s\t%s\t%s: {"version": %s, "sequence": %s, "packageId": %s, "address": %s, "endorsementPolicy": %s}' \
          "$CC_DEPLOYED_AT" "$CC_NAME" "$(json_str "$CC_NAME")" "$(json_str "$CC_VERSION")" "$CC_SEQUENCE" \
          "$(json_str "$CC_PACKAGE_ID")" "$(json_str "$CC_ADDRESS")" "$(json_str "$CC_POLICY")"
      )"
      t="${line%%$'\t'*}"; line="${line#*$'\t'}"
      name="${line%%$'\t'*}"; line="${line#*$'\t'}"
      if (( t >= latest_t )); then latest_t=$t; latest="$name"; fi
      ccs+=("$line")
    done
    if [[ -n "$latest" ]]; then echo "  \"chaincode\": $(json_str "$latest"),"; else echo '  "chaincode": null,'; fi
    echo '  "chaincodes": {'
    sep=""
    for line in "${ccs[@]}"; do
      printf '%s    %s' "$sep" "$line"
      sep=$',\n'
    done
    [[ -n "$sep" ]] && echo
    echo '  },'
    echo '  "orderer": {'
    echo "    \"mspId\": $(json_str "$ORDERER_MSP"),"
    echo "    \"endpoint\": \"127.0.0.1:$ORDERER_PORT\","
    echo "    \"hostname\": $(json_str "$ORDERER_HOST"),"
    echo "    \"tlsCACert\": $(json_str "$ORDERER_TLS_CA"),"
    echo "    \"adminEndpoint\": \"127.0.0.1:$ORDERER_ADMIN_PORT\","
    echo "    \"operationsEndpoint\": \"127.0.0.1:$ORDERER_OPS_PORT\","
    echo "    \"batchTimeout\": $(json_str "${FABRIC_NET_BATCH_TIMEOUT:-}"),"
    echo "    \"maxMessageCount\": ${FABRIC_NET_BATCH_MAX_MESSAGES:-null}"
    echo '  },'
    echo '  "organizations": {'
    sep=""
    for org in "${FABRIC_ORGS[@]}"; do
      fabric_org "$org"
      [[ -n "$sep" ]] && echo "$sep"
      echo "    $(json_str "$ORG_MSP"): {"
      echo "      \"mspId\": $(json_str "$ORG_MSP"),"
      echo "      \"name\": $(json_str "$ORG_KEY"),"
      echo '      "peer": {'
      echo "        \"endpoint\": \"127.0.0.1:$PEER_PORT\","
      echo "        \"hostname\": $(json_str "$PEER_HOST"),"
      echo "        \"tlsCACert\": $(json_str "$PEER_TLS_CA"),"
      echo "        \"operationsEndpoint\": \"127.0.0.1:$PEER_OPS_PORT\""
      echo '      },'
      echo '      "users": {'
      usep=""
      for u in Admin $(seq -f 'User%g' 1 "$(fabric_users "$ORG_KEY")"); do
        cert=("$ORG_CRYPTO/users/$u@$ORG_DOMAIN/msp/signcerts/"*.pem)
        key="$ORG_CRYPTO/users/$u@$ORG_DOMAIN/msp/keystore/priv_sk"
        [[ -f "${cert[0]}" && -f "$key" ]] || { echo "missing cert/key of $u@$ORG_DOMAIN" >&2; return 1; }
        [[ -n "$usep" ]] && echo "$usep"
        printf '        %s: {"certPath": %s, "keyPath": %s}' "$(json_str "$u")" "$(json_str "${cert[0]}")" "$(json_str "$key")"
        usep=","
      done
      echo
      echo '      }'
      printf '    }'
      sep=","
    done
    echo
    echo '  }'
    echo '}'
  } > "$tmp" || { rm -f "$tmp"; return 1; }
  mv "$tmp" "$out"
}

# Print the comment block at the top of a script (its usage text).
print_usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1"
}
