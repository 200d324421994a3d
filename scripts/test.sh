#!/usr/bin/env bash
# The whole test suite: Rust unit/integration tests (real SQLite, loopback servers), then the end-to-end suites
# that drive a running tigr (the official Python Graph SDKs). The README's second command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

echo "== X.509 corpus (cryptography-vectors from PyPI, cached in target/corpus)"
TIGR_X509_CORPUS=$(bash scripts/fetch-x509-corpus.sh)
export TIGR_X509_CORPUS

echo "== cargo test (workspace)"
cargo test --workspace --all-targets

if [ -x tests/sdk/run.sh ] || [ -f tests/sdk/run.sh ]; then
  echo "== Graph SDK end-to-end (tests/sdk/run.sh)"
  bash tests/sdk/run.sh
fi
