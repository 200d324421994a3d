#!/usr/bin/env bash
# End-to-end test with the official Microsoft Graph Python SDKs (msgraph-sdk for /v1.0, msgraph-beta-sdk for /beta)
# against a running tigr. Creates (or reuses) a virtual environment with the pinned SDKs, builds tigr (or uses
# $TIGR_BIN), loads tests/sdk/fixture.ndjson into a throwaway data directory, mints tokens, serves on a free
# 127.0.0.1 port, runs tests/sdk/test_sdk.py and always stops the server. Exits non-zero on any failure; the last
# line is `N passed, M failed`.
#
# Environment:
#   TIGR_BIN          use this tigr binary instead of `cargo build -p tigr`
#   TIGR_SDK_VENV     virtual environment directory (default: target/sdk-venv, reused when complete)
#   TIGR_SDK_VERBOSE  0 = print only failing checks
#   TIGR_SDK_ONLY     run only the checks whose name contains this text
#   TIGR_SDK_KEEP     1 = keep the data directory (its path is printed)
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/tests/sdk
START=$(date +%s)

fail_setup() {
  echo "tests/sdk: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

# Loopback traffic must never go through a proxy.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

# ---------------------------------------------------------------------------------------------------- venv
VENV=${TIGR_SDK_VENV:-$ROOT/target/sdk-venv}
STAMP="$VENV/.tigr-sdk-requirements"
WANT=$( (cat "$HERE/requirements.txt"; python3 --version 2>&1) | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && "$VENV/bin/python" -c 'import msgraph, msgraph_beta, msgraph_core' 2>/dev/null; then
  echo "== venv: reusing $VENV"
else
  echo "== venv: creating $VENV"
  T0=$(date +%s)
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV" || fail_setup "python3 -m venv failed (install python3-venv)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$HERE/requirements.txt" \
    || fail_setup "pip install -r tests/sdk/requirements.txt failed"
  echo "$WANT" > "$STAMP"
  echo "   installed in $(( $(date +%s) - T0 )) s"
fi
PY="$VENV/bin/python"

# ---------------------------------------------------------------------------------------------------- tigr
if [ -n "${TIGR_BIN:-}" ]; then
  BIN=$TIGR_BIN
else
  echo "== cargo build -p tigr"
  cargo build -q -p tigr || fail_setup "cargo build -p tigr failed"
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/tigr
fi
[ -x "$BIN" ] || fail_setup "no tigr binary at $BIN"

DATA=$(mktemp -d "${TMPDIR:-/tmp}/tigr-sdk.XXXXXX")
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [ "${TIGR_SDK_KEEP:-0}" = 1 ]; then echo "tests/sdk: kept $DATA" >&2; else rm -rf "$DATA"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------- data
echo "== ingest tests/sdk/fixture.ndjson"
SUMMARY=$("$BIN" --data "$DATA" ingest graph-json "$HERE/fixture.ndjson" 2>&1) || { echo "$SUMMARY"; fail_setup "tigr ingest failed"; }
echo "$SUMMARY" | sed 's/^/   /'
if ! echo "$SUMMARY" | grep -Eq 'rejected 0([^0-9]|$)'; then
  fail_setup "the fixture was not imported cleanly (expected 'rejected 0')"
fi

TOKEN=$("$BIN" --data "$DATA" token --ttl 2h 2>>"$DATA/cli.log") || fail_setup "tigr token failed"
TOKEN_NOSCOPE=$("$BIN" --data "$DATA" token --ttl 2h --scope User.Read 2>>"$DATA/cli.log") || fail_setup "tigr token --scope failed"
TOKEN_ROLE=$("$BIN" --data "$DATA" token --ttl 2h --scope User.Read --role ThreatIntelligence.Read.All 2>>"$DATA/cli.log") \
  || fail_setup "tigr token --role failed"

# ---------------------------------------------------------------------------------------------------- serve
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$BIN" --data "$DATA" serve --listen "127.0.0.1:$PORT" > "$DATA/server.log" 2>&1 &
SERVER_PID=$!
echo "== tigr serve on 127.0.0.1:$PORT (pid $SERVER_PID)"
READY=0
for _ in $(seq 300); do
  kill -0 "$SERVER_PID" 2>/dev/null || break
  if "$PY" - "$PORT" <<'EOF' 2>/dev/null
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=1)
c.request("GET", "/v1.0/security/threatIntelligence")
c.getresponse().read()
EOF
  then READY=1; break; fi
  sleep 0.1
done
if [ "$READY" != 1 ]; then
  tail -n 40 "$DATA/server.log" >&2
  fail_setup "tigr serve did not answer on 127.0.0.1:$PORT"
fi

# ---------------------------------------------------------------------------------------------------- test
echo "== tests/sdk/test_sdk.py"
TIGR_URL="http://127.0.0.1:$PORT" TIGR_TOKEN="$TOKEN" TIGR_TOKEN_NOSCOPE="$TOKEN_NOSCOPE" TIGR_TOKEN_ROLE="$TOKEN_ROLE" \
  TIGR_FIXTURE="$HERE/fixture.ndjson" PYTHONDONTWRITEBYTECODE=1 "$PY" "$HERE/test_sdk.py" > "$DATA/test.out" 2>&1
RC=$?
RESULT=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$DATA/test.out" | tail -n 1)
grep -Ev '^[0-9]+ passed, [0-9]+ failed$' "$DATA/test.out"
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  echo "tigr serve exited during the test:" >&2
  tail -n 40 "$DATA/server.log" >&2
  RC=1
elif [ "$RC" != 0 ]; then
  echo "--- last lines of the server log:"
  grep -Ei 'warn|error|panic' "$DATA/server.log" | tail -n 15
fi
echo "== took $(( $(date +%s) - START )) s"
if [ -z "$RESULT" ]; then
  echo "0 passed, 1 failed"
  exit 1
fi
echo "$RESULT"
[ "$RC" = 0 ]
