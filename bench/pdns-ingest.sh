#!/usr/bin/env bash
# Passive DNS ingest throughput, end to end into the embedded store, with peak memory:
#   - COF NDJSON: `tigr ingest cof` on OBSERVATIONS generated lines (crates/ingest/examples/gen_cof.rs: ~500,000
#     distinct records, Zipf-like repetition, mixed types);
#   - pcap: `tigr ingest pcap` on a generated capture of the same size (crates/ingest/examples/gen_dns_pcap.rs:
#     Ethernet, IPv4/IPv6, UDP and some TCP, name compression), and the parser alone (parse_pcap, one core, from
#     memory) in MB/s and Gbit/s.
#
#   bash bench/pdns-ingest.sh
#
# Knobs (environment): OBSERVATIONS (10000000), RECORDS distinct records (500000), SEED (1).
# Inputs are generated once into target/bench-data/ and reused. Prints a table naming the machine (also written to
# target/bench-data/pdns-ingest-results.txt). Needs cargo and GNU time (/usr/bin/time, Debian package `time`).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OBSERVATIONS=${OBSERVATIONS:-10000000}
RECORDS=${RECORDS:-500000}
SEED=${SEED:-1}
DATA=$ROOT/target/bench-data
mkdir -p "$DATA"

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'pdns-ingest: %s\n' "$*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "needs GNU time (/usr/bin/time; Debian: apt-get install -y time)"

say "building (release)"
cargo build --release --quiet -p tigr --bin tigr
cargo build --release --quiet -p tigr-ingest --example gen_cof --example gen_dns_pcap --example parse_pcap
BIN=$ROOT/target/release

COF=$DATA/cof-$OBSERVATIONS-$RECORDS-$SEED.ndjson
PCAP=$DATA/dns-$OBSERVATIONS-$RECORDS-$SEED.pcap
if [ ! -s "$COF" ]; then
    say "generating $COF"
    "$BIN/examples/gen_cof" "$OBSERVATIONS" --records "$RECORDS" --seed "$SEED" >"$COF.tmp" && mv "$COF.tmp" "$COF"
fi
if [ ! -s "$PCAP" ]; then
    say "generating $PCAP"
    "$BIN/examples/gen_dns_pcap" "$PCAP.tmp" --observations "$OBSERVATIONS" --distinct "$RECORDS" --seed "$SEED" >&2
    mv "$PCAP.tmp" "$PCAP"
fi

# ingest FORMAT FILE -> "observations seconds obs/s MB/s rows peak-MB" from tigr's summary and GNU time.
ingest() {
    local store=$DATA/pdns-ingest-store-$1
    rm -rf "$store"
    local log=$DATA/pdns-ingest-$1.log
    /usr/bin/time -f 'peak_kb=%M' "$BIN/tigr" --data "$store" ingest "$1" --no-progress "$2" 2>"$log" ||
        { cat "$log" >&2; die "tigr ingest $1 failed"; }
    cat "$log" >&2
    local total
    total=$(grep '^total:' "$log") || die "no summary in $log"
    local peak
    peak=$(sed -n 's/^peak_kb=//p' "$log")
    # total: N observations (R rejected) from X MB in S s: O observations/s, M MB/s; W rows written in B batches; ...
    awk -v peak="$peak" '{
        for (i = 1; i <= NF; i++) {
            if ($(i+1) == "observations" && $(i+2) ~ /^\(/) obs = $i
            if ($i == "in" && $(i+2) == "s:") secs = $(i+1)
            if ($(i+1) == "observations/s,") rate = $i
            if ($(i+1) == "MB/s;") mbs = $i
            if ($(i+1) == "rows") rows = $i
        }
        printf "%s %s %s %s %s %.0f\n", obs, secs, rate, mbs, rows, peak / 1024
    }' <<<"$total"
}

say "COF: tigr ingest cof"
read -r COF_OBS COF_SECS COF_RATE COF_MBS COF_ROWS COF_PEAK < <(ingest cof "$COF")
say "pcap: tigr ingest pcap"
read -r PCAP_OBS PCAP_SECS PCAP_RATE PCAP_MBS PCAP_ROWS PCAP_PEAK < <(ingest pcap "$PCAP")
say "pcap: parser alone (one core, file in memory)"
PARSE=$("$BIN/examples/parse_pcap" "$PCAP" --repeat 3 2>&1 | tail -1)

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
RESULTS=$DATA/pdns-ingest-results.txt
{
    echo "tigr passive DNS ingest benchmark, $(date -u +%Y-%m-%dT%H:%MZ), tigr $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "machine: $(nproc) CPUs, $CPU; $(uname -sr); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "inputs: $OBSERVATIONS observations over ~$RECORDS distinct records (seed $SEED)"
    echo "  COF  $(du -hL "$COF" | cut -f1)  $COF"
    echo "  pcap $(du -hL "$PCAP" | cut -f1)  $PCAP"
    echo
    printf '%-26s %12s %8s %14s %8s %12s %9s\n' "end to end into SQLite" "observations" "seconds" "observations/s" "MB/s" "rows written" "peak MB"
    printf '%-26s %12s %8s %14s %8s %12s %9s\n' "tigr ingest cof" "$COF_OBS" "$COF_SECS" "$COF_RATE" "$COF_MBS" "$COF_ROWS" "$COF_PEAK"
    printf '%-26s %12s %8s %14s %8s %12s %9s\n' "tigr ingest pcap" "$PCAP_OBS" "$PCAP_SECS" "$PCAP_RATE" "$PCAP_MBS" "$PCAP_ROWS" "$PCAP_PEAK"
    echo
    echo "pcap parser alone: $PARSE"
    echo "Targets (issue 3): >= 1,000,000 observations/s for COF end to end; pcap parsing >= 1 Gbit/s."
} | tee "$RESULTS"
