#!/usr/bin/env bash
# `make conformance`: the official W3C test suites (VC Data Model 2.0, vc-di-eddsa, Bitstring
# Status List) against a fresh openler, set up with openler's own command line:
#   a new SQLite database in a temporary folder, an organization that issues as did:key, an
#   issuer admin and an API token for them; then `openler serve` on a free port on 127.0.0.1,
#   ../shared/conformance/w3c/run.sh against it, and the server stopped whatever happens.
# Exit: 0 when every suite passes (failures listed in conformance/expected/ aside), non-zero on
# any other failure. Prints its wall time.
# Environment: OPENLER (the openler command; default .venv/bin/openler), SHARED (default
# ../shared), W3C_WORK (where run.sh installs the suites once).
set -euo pipefail
started=$(date +%s)
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=${SHARED:-$ROOT/../shared}
RUN=$SHARED/conformance/w3c/run.sh
OPENLER=${OPENLER:-$ROOT/.venv/bin/openler}
[[ -x $RUN ]] || { echo "conformance: $RUN is missing (the suites live in ../shared/conformance)"; exit 2; }
[[ -x $OPENLER ]] || { echo "conformance: $OPENLER is missing (make .venv/.installed)"; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/openler-conformance.XXXXXX")
server=""
finish() {
  local rc=$?
  if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [[ $rc != 0 && -s $work/server.log ]]; then
    echo "conformance: the server's last log lines:"; tail -n 20 "$work/server.log"
  fi
  rm -rf "$work"
  echo "conformance: $([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)") in $(( $(date +%s) - started )) s"
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export OPENLER_DATABASE_URL="sqlite:///$work/openler.db"
export OPENLER_DATA_DIR="$work/data"
export OPENLER_PUBLIC_URL="http://127.0.0.1:$port"

email=w3c-suites@conformance.invalid
"$OPENLER" db upgrade >/dev/null
did=$("$OPENLER" orgs add --slug w3c-suites --name "W3C test suites" --kind issuer --did-method key)
did=${did##* }
[[ $did == did:key:* ]] || { echo "conformance: no did:key from 'openler orgs add': $did"; exit 2; }
"$OPENLER" people add --email "$email" --name "W3C test suites" --no-password >/dev/null
"$OPENLER" people grant --email "$email" --org w3c-suites --role issuer_admin >/dev/null
token=$("$OPENLER" tokens create --email "$email" --org w3c-suites --role issuer_admin \
        --name "W3C test suites" --expires-days 1)

"$OPENLER" serve --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fs -o /dev/null --max-time 1 "$OPENLER_PUBLIC_URL/healthz" && break
  kill -0 "$server" 2>/dev/null || { echo "conformance: openler serve stopped"; exit 2; }
  sleep 0.2
done
echo "conformance: openler at $OPENLER_PUBLIC_URL issuing as $did"

W3C_EXPECTED="$ROOT/conformance/expected" "$RUN" "$OPENLER_PUBLIC_URL" "$did" "$token" "$@"
