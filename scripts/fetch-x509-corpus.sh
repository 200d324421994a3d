#!/usr/bin/env bash
# Fetches the certificate corpus of the PyPI package cryptography-vectors (real and deliberately malformed X.509
# files) into target/corpus/ once, and prints the path of its x509 folder for TIGR_X509_CORPUS.
# Usage: export TIGR_X509_CORPUS=$(bash scripts/fetch-x509-corpus.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
version=50.0.2
dest=target/corpus/cryptography-vectors-$version
if [ ! -d "$dest/cryptography_vectors/x509" ]; then
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$dest.tmp" "cryptography-vectors==$version" >&2
  python3 -m zipfile -e "$dest.tmp"/cryptography_vectors-"$version"-*.whl "$dest.tmp/unpacked"
  rm -rf "$dest" && mkdir -p "$dest"
  mv "$dest.tmp/unpacked/cryptography_vectors" "$dest/"
  rm -rf "$dest.tmp"
fi
echo "$PWD/$dest/cryptography_vectors/x509"
