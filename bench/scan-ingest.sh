#!/usr/bin/env bash
# Scanner and certificate ingest throughput, end to end into the embedded store, with peak memory:
#   - nmap XML: `tigr ingest nmap` on a generated -sV scan (bench/gen-nmap-xml.py: HOSTS hosts, ~1.2 GB for the
#     default 400,000; services, banners, http-* scripts, ssl-cert with real certificates, ssh-hostkey), in MB/s and
#     hosts/s;
#   - certificates: `tigr ingest x509` on CERTS generated distinct certificates (crates/ingest/examples/gen_certs.rs,
#     ~1 GB of PEM for 1,000,000), and the parser alone (crates/ingest/examples/parse_certs.rs), in certificates/s.
#
#   bash bench/scan-ingest.sh
#
# Knobs (environment): HOSTS (400000), CERTS (1000000), SEED (1). Inputs are generated once into target/bench-data/
# and reused. Prints a table naming the machine (also written to target/bench-data/scan-ingest-results.txt).
# Needs cargo, python3 and GNU time (/usr/bin/time, Debian package `time`).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
HOSTS=${HOSTS:-400000}
CERTS=${CERTS:-1000000}
SEED=${SEED:-1}
DATA=$ROOT/target/bench-data
mkdir -p "$DATA"

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'scan-ingest: %s\n' "$*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "needs GNU time (/usr/bin/time; Debian: apt-get install -y time)"

say "building (release)"
cargo build --release --quiet -p tigr --bin tigr
cargo build --release --quiet -p tigr-ingest --example gen_certs --example parse_certs
BIN=$ROOT/target/release

NMAP=$DATA/nmap-$HOSTS-$SEED.xml
PEM=$DATA/certs-$CERTS.pem
if [ ! -s "$NMAP" ]; then
    say "generating $NMAP"
    python3 bench/gen-nmap-xml.py --hosts "$HOSTS" --seed "$SEED" >"$NMAP.tmp" && mv "$NMAP.tmp" "$NMAP"
fi
if [ ! -s "$PEM" ]; then
    say "generating $PEM"
    "$BIN/examples/gen_certs" --count "$CERTS" >"$PEM.tmp" && mv "$PEM.tmp" "$PEM"
fi

# run NAME ARGS... -> the log of `tigr ARGS` into a fresh store under GNU time (peak_kb=... on its last line).
run() {
    local name=$1
    shift
    local store=$DATA/scan-ingest-store-$name
    rm -rf "$store"
    local log=$DATA/scan-ingest-$name.log
    /usr/bin/time -f 'peak_kb=%M elapsed_s=%e' "$BIN/tigr" --data "$store" "$@" 2>"$log" ||
        { cat "$log" >&2; die "tigr $* failed"; }
    cat "$log" >&2
    echo "$log"
}

say "nmap: tigr ingest nmap"
LOG=$(run nmap ingest nmap --no-progress "$NMAP")
# total: P ports of H hosts (R rejected) from X MB in S s: H hosts/s, P ports/s, M MB/s; W findings written in B batches
read -r NMAP_PORTS NMAP_HOSTS NMAP_REJECTS NMAP_SECS NMAP_HOSTS_S NMAP_MBS NMAP_WRITTEN < <(awk '/^total:/ {
    for (i = 1; i <= NF; i++) {
        if ($(i+1) == "ports" && $(i+2) == "of") ports = $i
        if ($(i+1) == "hosts" && $(i+2) ~ /^\(/) hosts = $i
        if ($(i+1) == "rejected)") { rej = $i; sub(/^\(/, "", rej) }
        if ($i == "in" && $(i+2) == "s:") secs = $(i+1)
        if ($(i+1) == "hosts/s,") hs = $i
        if ($(i+1) == "MB/s;") mbs = $i
        if ($(i+1) == "findings") w = $i
    }
    print ports, hosts, rej, secs, hs, mbs, w
}' "$LOG")
NMAP_PEAK=$(sed -n 's/^peak_kb=\([0-9]*\).*/\1/p' "$LOG")

say "certificates: tigr ingest x509"
LOG=$(run x509 ingest x509 "$PEM")
X509_SECS=$(sed -n 's/.*elapsed_s=\([0-9.]*\).*/\1/p' "$LOG")
X509_PEAK=$(sed -n 's/^peak_kb=\([0-9]*\).*/\1/p' "$LOG")
X509_COUNT=$(sed -n 's/^x509: \([0-9]*\) certificates.*/\1/p' "$LOG")
say "certificates: parser alone"
PARSE=$("$BIN/examples/parse_certs" "$PEM" 2>&1 | tail -1)

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
RESULTS=$DATA/scan-ingest-results.txt
{
    echo "tigr scan and certificate ingest benchmark, $(date -u +%Y-%m-%dT%H:%MZ), tigr $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "machine: $(nproc) CPUs, $CPU; $(uname -sr); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "inputs: nmap XML $(du -hL "$NMAP" | cut -f1) ($HOSTS hosts generated, seed $SEED); PEM $(du -hL "$PEM" | cut -f1) ($CERTS certificates)"
    echo
    echo "tigr ingest nmap: $NMAP_HOSTS hosts, $NMAP_PORTS ports ($NMAP_REJECTS rejected) in $NMAP_SECS s:" \
        "$NMAP_HOSTS_S hosts/s, $NMAP_MBS MB/s; $NMAP_WRITTEN findings written; peak $((NMAP_PEAK / 1024)) MB"
    echo "tigr ingest x509: $X509_COUNT certificates in $X509_SECS s:" \
        "$(awk -v n="$X509_COUNT" -v s="$X509_SECS" 'BEGIN { printf "%.0f", n / s }') certificates/s; peak $((X509_PEAK / 1024)) MB"
    echo "certificate parser alone: $PARSE"
} | tee "$RESULTS"
