#!/usr/bin/env bash
# API latency/throughput benchmark: GET /v1.0/security/threatIntelligence/hosts/{id}/passiveDns for a host with 1,000
# records, in a store of >= 1,000,000 passive DNS records, served on loopback.
#
#   bash bench/api-latency.sh
#
# What it does:
#   1. builds tigr and the generator (crates/tigr/examples/gen_pdns.rs) in release mode;
#   2. generates the store with `gen_pdns | tigr ingest graph-json -` into target/bench-data/<parameters>/ (reused
#      when a store with the same parameters and generator is already complete there);
#   3. serves it on 127.0.0.1, checks the answers (100 records + nextLink; $top=1000 gives all 1,000), warms up;
#   4. measures with wrk, for the default page and for $top=1000:
#        - throughput: $THREADS threads, $CONNECTIONS connections, logging off (requests/s, and wrk's p50/p99);
#        - client latency with one connection (no queueing): wrk's p50/p99;
#        - server-side latency: the server restarted with RUST_LOG=tigr_api=info, $LOG_CONNECTIONS connections, and
#          p50/p99 computed from its per-request `micros=` log lines (handler time: auth, query, building the JSON
#          value; serialising the body and the HTTP layer are not included);
#      and, for reference, the throughput of a tiny answer (GET hosts/{id}) under the same load;
#   5. prints a results table naming the machine (also written to target/bench-data/api-latency-results.txt).
#
# Knobs (environment): RECORDS (1000000 records over HOSTS hosts, 200000), HOT_RECORDS (1000), DURATION seconds per run
# (15), WARMUP seconds (5), THREADS (2), CONNECTIONS (4), LOG_CONNECTIONS (2), PORT (18321), SERVE_ARGS (extra
# `tigr serve` flags: SERVE_ARGS="--cache-mb 0" measures rendering every answer instead of repeating a cached one).
# Needs: cargo, curl, wrk (Debian/Ubuntu: apt-get install -y wrk).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

RECORDS=${RECORDS:-1000000}
HOSTS=${HOSTS:-200000}
HOT_RECORDS=${HOT_RECORDS:-1000}
HOT_HOST=bench-hot.example
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-4}
LOG_CONNECTIONS=${LOG_CONNECTIONS:-2}
PORT=${PORT:-18321}

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'api-latency: %s\n' "$*" >&2; exit 1; }

for tool in cargo curl wrk; do
    command -v "$tool" >/dev/null || die "needs $tool on PATH (wrk: apt-get install -y wrk)"
done

say "building (release)"
cargo build --release --quiet -p tigr --bin tigr --example gen_pdns
TIGR=$ROOT/target/release/tigr
GEN=$ROOT/target/release/examples/gen_pdns

# ---------------------------------------------------------------------------------------------------------------------
# The store: reused when complete and made with the same parameters by a generator whose output starts the same
# (a checksum of its first 2 MB, so edits that do not change the data keep the store).
GEN_ARGS=(--records "$RECORDS" --hosts "$HOSTS" --hot-host "$HOT_HOST" --hot-records "$HOT_RECORDS")
GEN_SUM=$(set +o pipefail; "$GEN" "${GEN_ARGS[@]}" 2>/dev/null | head -c 2000000 | cksum | cut -d' ' -f1)
DATA=$ROOT/target/bench-data/pdns-r$RECORDS-h$HOSTS-hot$HOT_RECORDS-g$GEN_SUM
if [ -f "$DATA/.complete" ]; then
    say "reusing the store in ${DATA#"$ROOT"/}"
    GEN_SECONDS=$(cat "$DATA/.complete")
else
    say "generating $RECORDS records over $HOSTS hosts + $HOT_RECORDS for $HOT_HOST into ${DATA#"$ROOT"/}"
    rm -rf "$DATA"
    mkdir -p "$DATA"
    start=$(date +%s.%N)
    "$GEN" "${GEN_ARGS[@]}" | "$TIGR" --data "$DATA" ingest graph-json -
    GEN_SECONDS=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
    echo "$GEN_SECONDS" > "$DATA/.complete"
fi
STORE_SIZE=$(du -sh "$DATA" | cut -f1)

TOKEN=$("$TIGR" --data "$DATA" token --ttl 4h)
BASE=http://127.0.0.1:$PORT/v1.0/security/threatIntelligence
URL_PAGE="$BASE/hosts/$HOT_HOST/passiveDns"
URL_TOP="$BASE/hosts/$HOT_HOST/passiveDns?\$top=1000"
AUTH="Authorization: Bearer $TOKEN"

# ---------------------------------------------------------------------------------------------------------------------
# The server, stopped on exit whatever happens.
SERVER_PID=
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# start_server LOGFILE RUST_LOG
start_server() {
    if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then die "something already listens on 127.0.0.1:$PORT (set PORT)"; fi
    # shellcheck disable=SC2086 # SERVE_ARGS is a list of flags
    NO_COLOR=1 RUST_LOG=$2 "$TIGR" --data "$DATA" serve --listen "127.0.0.1:$PORT" ${SERVE_ARGS:-} 2>"$1" &
    SERVER_PID=$!
    # Up to 2 minutes: opening a store written by an older tigr migrates it first.
    for _ in $(seq 1200); do
        if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$1" >&2; die "the server exited"; }
        sleep 0.1
    done
    die "the server did not start listening on 127.0.0.1:$PORT"
}

LOGDIR=$ROOT/target/bench-data/logs
mkdir -p "$LOGDIR"
say "serving on 127.0.0.1:$PORT"
start_server "$LOGDIR/serve-quiet.log" warn

# ---------------------------------------------------------------------------------------------------------------------
# Check that we measure what we mean to.
get() { curl -sS --fail-with-body -H "$AUTH" "$1"; }
records_in() { grep -o '"@odata.type":"#microsoft.graph.security.passiveDnsRecord"' | wc -l; }
body=$(get "$URL_PAGE")
[ "$(records_in <<<"$body")" -eq 100 ] || die "default page: expected 100 records: ${body:0:300}"
grep -q '"@odata.nextLink"' <<<"$body" || die "default page: no @odata.nextLink"
PAGE_BYTES=${#body}
body=$(get "$URL_TOP")
[ "$(records_in <<<"$body")" -eq "$HOT_RECORDS" ] || die "\$top=1000: expected $HOT_RECORDS records"
TOP_BYTES=${#body}
HOT_COUNT=$(get "$BASE/hosts/$HOT_HOST/passiveDns/\$count")
[ "$HOT_COUNT" -eq "$HOT_RECORDS" ] || die "$HOT_HOST has $HOT_COUNT records, expected $HOT_RECORDS"
TOTAL=$(get "$BASE/passiveDnsRecords/\$count")
[ "$TOTAL" -ge 1000000 ] || [ "$RECORDS" -lt 1000000 ] || die "the store holds $TOTAL passive DNS records, expected >= 1,000,000"
echo "store: $TOTAL passiveDnsRecords ($STORE_SIZE on disk); $HOT_HOST: $HOT_COUNT; page $PAGE_BYTES bytes, \$top=1000 $TOP_BYTES bytes" >&2

# ---------------------------------------------------------------------------------------------------------------------
# wrk runs. run_wrk NAME THREADS CONNECTIONS SECONDS URL  -> leaves wrk's output in $LOGDIR/NAME.txt
run_wrk() {
    local out=$LOGDIR/$1.txt
    wrk -t"$2" -c"$3" -d"$4"s --latency -H "$AUTH" "$5" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed ($1)"; }
    if grep -q 'Non-2xx or 3xx responses' "$out"; then cat "$out" >&2; die "non-2xx answers during $1"; fi
    if grep -q 'Socket errors' "$out"; then echo "warning: $1: $(grep 'Socket errors' "$out")" >&2; fi
}
# wrk's latency percentile in milliseconds: wrk_ms FILE 50|99
wrk_ms() {
    awk -v p="$2%" '$1 == p {
        v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
        if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
        printf "%.2f", v }' "$1"
}
wrk_rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }

# How busy the CPUs are without us (the server idles): other work on the machine skews the figures.
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }
read -r busy0 idle0 < <(cpu_ticks); sleep 2; read -r busy1 idle1 < <(cpu_ticks)
BUSY_BEFORE=$(awk -v b="$((busy1 - busy0))" -v i="$((idle1 - idle0))" 'BEGIN { printf "%.0f", (b + i) ? 100 * b / (b + i) : 0 }')
[ "$BUSY_BEFORE" -le 10 ] \
    || echo "warning: the CPUs were ${BUSY_BEFORE}% busy before the runs: other work on this machine will skew the figures" >&2
say "warming up (${WARMUP}s per URL)"
run_wrk warmup-page "$THREADS" "$CONNECTIONS" "$WARMUP" "$URL_PAGE"
run_wrk warmup-top "$THREADS" "$CONNECTIONS" "$WARMUP" "$URL_TOP"

for which in page top; do
    url=$URL_PAGE; [ "$which" = top ] && url=$URL_TOP
    say "$which: throughput, $THREADS threads x $CONNECTIONS connections, ${DURATION}s"
    run_wrk "tput-$which" "$THREADS" "$CONNECTIONS" "$DURATION" "$url"
    grep -E 'Requests/sec|99%|50%' "$LOGDIR/tput-$which.txt" >&2
    say "$which: latency, 1 connection, ${DURATION}s"
    run_wrk "lat-$which" 1 1 "$DURATION" "$url"
    grep -E 'Requests/sec|99%|50%' "$LOGDIR/lat-$which.txt" >&2
done

# Reference: the same load on a tiny answer (one host entity, ~200 bytes): what routing, auth and HTTP cost alone.
URL_REF="$BASE/hosts/$HOT_HOST"
say "reference: GET hosts/$HOT_HOST (one small entity), $THREADS threads x $CONNECTIONS connections, ${DURATION}s"
run_wrk tput-ref "$THREADS" "$CONNECTIONS" "$DURATION" "$URL_REF"
grep -E 'Requests/sec|99%|50%' "$LOGDIR/tput-ref.txt" >&2

# ---------------------------------------------------------------------------------------------------------------------
# Server-side latency from the server's own log (one line per request with micros=).
stop_server
say "server-side latency: RUST_LOG=tigr_api=info, $LOG_CONNECTIONS connections, ${DURATION}s per URL"
SERVER_LOG=$LOGDIR/serve-info.log
start_server "$SERVER_LOG" tigr_api=info
# micros of the 200 answers logged after line $1 (the logged path has no query, so runs are told apart by position).
server_micros() {
    tail -n +"$(($1 + 1))" "$SERVER_LOG" | sed 's/\x1b\[[0-9;]*m//g' \
        | grep -E "path=\"?/v1\.0/security/threatIntelligence/hosts/$HOT_HOST/passiveDns\"? status=200 " \
        | grep -o 'micros=[0-9]*' | cut -d= -f2 | sort -n || true
}
# percentile_ms FILE P  (nearest rank)
percentile_ms() {
    awk -v p="$2" '{ v[NR] = $1 } END {
        if (NR == 0) { print "n/a"; exit }
        r = int((p / 100) * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR
        printf "%.2f", v[r] / 1000 }' "$1"
}
for which in page top; do
    url=$URL_PAGE; [ "$which" = top ] && url=$URL_TOP
    run_wrk "warm-logged-$which" 1 "$LOG_CONNECTIONS" 2 "$url"
    before=$(wc -l <"$SERVER_LOG")
    run_wrk "logged-$which" 1 "$LOG_CONNECTIONS" "$DURATION" "$url"
    sleep 0.2
    server_micros "$before" >"$LOGDIR/server-micros-$which.txt"
    [ -s "$LOGDIR/server-micros-$which.txt" ] || die "no micros= lines for the request in $SERVER_LOG"
    echo "$which: $(wc -l <"$LOGDIR/server-micros-$which.txt") requests logged, p50 $(percentile_ms "$LOGDIR/server-micros-$which.txt" 50) ms, p99 $(percentile_ms "$LOGDIR/server-micros-$which.txt" 99) ms" >&2
done
stop_server

# ---------------------------------------------------------------------------------------------------------------------
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- crates 2>/dev/null || COMMIT="$COMMIT+uncommitted changes in crates/"
RESULTS=$ROOT/target/bench-data/api-latency-results.txt
{
    echo "tigr API benchmark, $(date -u +%Y-%m-%dT%H:%MZ), tigr $COMMIT"
    echo "machine: $(nproc) CPUs, $CPU; $(uname -sr); CPUs ${BUSY_BEFORE}% busy with other work before the runs"
    echo "store: $TOTAL passiveDnsRecords over ~$HOSTS hosts, $STORE_SIZE on disk (generated + ingested in ${GEN_SECONDS}s)"
    echo "request: GET /v1.0/security/threatIntelligence/hosts/$HOT_HOST/passiveDns ($HOT_COUNT records), loopback, wrk ${DURATION}s per run"
    echo "server flags: ${SERVE_ARGS:-(defaults: answer cache on)}"
    echo
    printf '%-28s %10s %10s %10s %10s %10s %10s %12s\n' "" "req/s" "load p50" "load p99" "1-conn p50" "1-conn p99" "server p50" "server p99"
    printf '%-28s %10s %10s %10s %10s %10s %10s %12s\n' "" "(${THREADS}t x ${CONNECTIONS}c)" "ms" "ms" "ms" "ms" "ms" "ms (${LOG_CONNECTIONS}c)"
    for which in page top; do
        label="default page (100 + next)"; [ "$which" = top ] && label="\$top=1000 (all 1,000)"
        printf '%-28s %10s %10s %10s %10s %10s %10s %12s\n' "$label" \
            "$(wrk_rps "$LOGDIR/tput-$which.txt")" \
            "$(wrk_ms "$LOGDIR/tput-$which.txt" 50)" "$(wrk_ms "$LOGDIR/tput-$which.txt" 99)" \
            "$(wrk_ms "$LOGDIR/lat-$which.txt" 50)" "$(wrk_ms "$LOGDIR/lat-$which.txt" 99)" \
            "$(percentile_ms "$LOGDIR/server-micros-$which.txt" 50)" "$(percentile_ms "$LOGDIR/server-micros-$which.txt" 99)"
    done
    printf '%-28s %10s %10s %10s %10s %10s %10s %12s\n' "reference: hosts/{id}" "$(wrk_rps "$LOGDIR/tput-ref.txt")" \
        "$(wrk_ms "$LOGDIR/tput-ref.txt" 50)" "$(wrk_ms "$LOGDIR/tput-ref.txt" 99)" - - - -
    echo
    echo "req/s and load p50/p99: wrk, logging off. 1-conn: wrk with one connection (no queueing), client side."
    echo "server: the server's own per-request micros= (handler time, excluding body serialisation and HTTP), logging on."
    echo "reference: one small entity (GET hosts/{id}) under the same load: the cost of routing, auth and HTTP alone."
    echo "Target (issue): p99 < 2 ms and >= 20,000 req/s for the default page."
} | tee "$RESULTS"
