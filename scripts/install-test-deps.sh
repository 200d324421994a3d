#!/usr/bin/env bash
# Installs the real programs the test suite drives (DNS servers, packet capture, openssl and the CA bundle for the
# X.509 tests, nginx + OpenSSH + nmap for the real-scan test, Python venv for the SDK test) from
# Debian's packages, when they are missing and we may install them (root with apt-get). Otherwise it says what is
# missing: the tests that need those programs then skip with a message (and fail under CI=true).
set -euo pipefail

need=()
command -v nsd >/dev/null || need+=(nsd)
command -v unbound >/dev/null || need+=(unbound)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v dig >/dev/null || need+=(dnsutils)
command -v openssl >/dev/null || need+=(openssl)
[ -f /etc/ssl/certs/ca-certificates.crt ] || need+=(ca-certificates)
command -v nginx >/dev/null || need+=(nginx)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v nmap >/dev/null || need+=(nmap)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv python3-pip)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing test dependencies: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The packages' own services are not wanted: the tests start their own instances on loopback.
  for svc in nsd unbound nginx ssh; do
    service "$svc" stop >/dev/null 2>&1 || true
  done
else
  echo "note: missing test programs (${need[*]}); install them (Debian: apt-get install ${need[*]}) or the tests that need them skip"
fi
