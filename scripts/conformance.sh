#!/usr/bin/env bash
# `make conformance`: the official W3C test suites (VC Data Model 2.0, vc-di-eddsa, Bitstring
# Status List) against a fresh openler, set up with openler's own command line:
#   a new SQLite database in a temporary folder, an organization that issues as did:key, an
#   issuer admin and an API token for them; then `openler serve --tls-cert --tls-key` over
#   HTTPS on a free port on 127.0.0.1 (a throwaway certificate), whose https URL is the
#   server's public URL: the Bitstring Status List suite fetches the status lists named in
#   issued credentials, and only over https. (A proxy in front dropped kept-alive connections
#   now and then: a 502 the suites count as a failure.) Then ../shared/conformance/w3c/run.sh
#   against it; the server is stopped whatever happens.
# Usage: scripts/conformance.sh [vcdm] [eddsa] [bsl]        (no suite named: all three)
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

# run.sh installs the suites with `npm ci`, which needs package-lock.json files the suites do
# not ship yet; until they do, install them here as run.sh would, with `npm install`, and
# write the stamp run.sh checks so that it uses this install.
export W3C_WORK=${W3C_WORK:-${TMPDIR:-/tmp}/w3c-suites}
install_suites() {
  local here=$SHARED/conformance/w3c stamp suite
  stamp=$(cd "$here" && find suites deps -type f -print0 | sort -z | xargs -0 md5sum | md5sum | cut -c1-12)
  [[ $(cat "$W3C_WORK/.stamp" 2>/dev/null) != "$stamp" ]] || return 0
  if ls "$here"/suites/*/package-lock.json >/dev/null 2>&1; then return 0; fi
  echo "conformance: installing the suites into $W3C_WORK from the npm registry"
  rm -rf "$W3C_WORK" && mkdir -p "$W3C_WORK" && cp -r "$here/suites" "$here/deps" "$W3C_WORK/" \
    && chmod -R u+w "$W3C_WORK" || return 1
  for suite in "$W3C_WORK"/suites/*/; do
    (cd "$suite" && npm install --install-links --no-audit --no-fund --loglevel=error \
      >"$W3C_WORK/npm-install.log" 2>&1) || { tail -5 "$W3C_WORK/npm-install.log"; return 1; }
  done
  echo "$stamp" >"$W3C_WORK/.stamp"
}
install_suites || { echo "conformance: could not install the suites"; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/openler-conformance.XXXXXX")
pids=()
finish() {
  local rc=$?
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ $rc != 0 && -s $work/server.log ]]; then
    echo "conformance: the server's last log lines:"; tail -n 20 "$work/server.log"
  fi
  rm -rf "$work"
  echo "conformance: $([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)") in $(( $(date +%s) - started )) s"
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
tls_port=$(free_port)
export OPENLER_DATABASE_URL="sqlite:///$work/openler.db"
export OPENLER_DATA_DIR="$work/data"
export OPENLER_PUBLIC_URL="https://127.0.0.1:$tls_port"

email=w3c-suites@conformance.invalid
"$OPENLER" db upgrade >/dev/null
did=$("$OPENLER" orgs add --slug w3c-suites --name "W3C test suites" --kind issuer --did-method key)
did=${did##* }
[[ $did == did:key:* ]] || { echo "conformance: no did:key from 'openler orgs add': $did"; exit 2; }
"$OPENLER" people add --email "$email" --name "W3C test suites" --no-password >/dev/null
"$OPENLER" people grant --email "$email" --org w3c-suites --role issuer_admin >/dev/null
token=$("$OPENLER" tokens create --email "$email" --org w3c-suites --role issuer_admin \
        --name "W3C test suites" --expires-days 1)

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$work/tls-key.pem" -out "$work/tls-cert.pem" >/dev/null 2>&1 \
  || { echo "conformance: openssl could not make a certificate"; exit 2; }
# openler serves HTTPS itself (the suites send the token only over https, and the status
# list URLs they fetch must be https): no proxy in between to drop a kept-alive connection
"$OPENLER" serve --host 127.0.0.1 --port "$tls_port" \
  --tls-cert "$work/tls-cert.pem" --tls-key "$work/tls-key.pem" >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  curl -fsk -o /dev/null --max-time 1 "$OPENLER_PUBLIC_URL/healthz" && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "conformance: openler serve stopped"; exit 2; }
  sleep 0.2
done
echo "conformance: openler at $OPENLER_PUBLIC_URL, issuing as $did"

W3C_EXPECTED="$ROOT/conformance/expected" "$RUN" "$OPENLER_PUBLIC_URL" "$did" "$token" "$@"
