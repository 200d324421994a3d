#!/usr/bin/env bash
# Regenerates the X.509 test vectors in this directory with openssl, and expected.json: the sslCertificate entities
# they must give. Names and alternative names are the ones this script asks for; sha1, serial and validity come
# from `openssl x509` itself, so the expectations do not come from the parser under test.
# Run from anywhere: bash crates/ingest/tests/data/x509/make-vectors.sh (needs openssl and python3).
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ec() { echo "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $work/$1.key"; }

# 1. Every name field Graph has, alternative names of each kind, an issuer alternative name, a 20-byte serial.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/full.key" -days 825 -utf8 \
  -subj "/C=US/ST=Washington/L=Redmond/street=1 Contoso Way/postalCode=98052/O=Contoso Ltd/OU=Threat Research/OU=Labs/CN=www.contoso.example/emailAddress=tls@contoso.example/GN=Ada/SN=Lovelace/serialNumber=C-1234" \
  -set_serial 0x1F2E3D4C5B6A79880102030405060708090A0B0C \
  -addext "subjectAltName=DNS:www.contoso.example,DNS:contoso.example,IP:192.0.2.7,IP:2001:db8::7,email:tls@contoso.example,URI:https://contoso.example/" \
  -addext "issuerAltName=DNS:ca.contoso.example" \
  -out full.pem

# 2. EC key, UTF-8 names, DER encoding, serial 1.
openssl req -x509 $(ec utf8) -days 30 -utf8 -subj "/CN=Zürich Test/O=Büro Ω" -set_serial 1 -outform DER -out utf8.der

# 3. A negative serial (RFC 5280 forbids it; CAs have issued them).
openssl req -x509 $(ec neg) -days 30 -subj "/CN=negative.example" -set_serial -0x1234 -out negative-serial.pem

# 4. A CA and a leaf it signed, in one file (leaf first, as servers send chains).
openssl req -x509 $(ec ca) -days 3650 -subj "/C=DE/O=Tigr Test/CN=Tigr Test CA" -set_serial 0x7F -out "$work/ca.pem"
openssl req -new $(ec leaf) -subj "/CN=leaf.example" -out "$work/leaf.csr"
printf 'subjectAltName=DNS:leaf.example,DNS:*.leaf.example\n' >"$work/leaf.ext"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -set_serial 0x00FF00 -days 90 \
  -extfile "$work/leaf.ext" -out "$work/leaf.pem" 2>/dev/null
cat "$work/leaf.pem" "$work/ca.pem" >chain.pem

# 5. A bundle with text around the blocks, a private key and a certificate request (both skipped).
{
  echo "Bundle for tests: explanatory text is allowed outside blocks."
  cat "$work/leaf.key"
  cat full.pem
  echo
  cat "$work/leaf.csr"
  openssl x509 -inform DER -in utf8.der
  echo "trailing text"
} >bundle.pem

export WORK="$work"
python3 - <<'EOF'
import base64, datetime, json, os, re, subprocess

def openssl(args, data=None):
    return subprocess.run(["openssl", "x509", "-noout", *args], input=data, capture_output=True, check=True).stdout.decode()

def pem_blocks(path):
    text = open(path).read()
    return re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", text, re.S)

def when(line):
    t = datetime.datetime.strptime(line.split("=", 1)[1].strip(), "%b %d %H:%M:%S %Y %Z")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")

def facts(pem):
    out = openssl(["-fingerprint", "-sha1", "-serial", "-startdate", "-enddate"], pem.encode())
    kv = dict(l.split("=", 1) for l in out.splitlines())
    sha1 = kv["sha1 Fingerprint"].replace(":", "").lower()
    serial = kv["serial"]
    value = -int(serial[1:], 16) if serial.startswith("-") else int(serial, 16)
    return {
        "id": base64.b64encode(sha1.encode()).decode(),
        "sha1": sha1,
        "fingerprint": ":".join(sha1[i:i + 2] for i in range(0, 40, 2)),
        "serialNumber": str(value),
        "issueDateTime": when([l for l in out.splitlines() if l.startswith("notBefore")][0]),
        "expirationDateTime": when([l for l in out.splitlines() if l.startswith("notAfter")][0]),
    }

def entity(alt=(), **fields):
    address = {k: fields.pop(k, None) for k in ["street", "city", "state", "postalCode", "postOfficeBox", "countryOrRegion"]}
    e = {k: fields.pop(k, None) for k in ["commonName", "organizationName", "organizationUnitName", "email", "givenName", "surname", "serialNumber"]}
    assert not fields, fields
    e["address"] = address
    e["alternateNames"] = list(alt)
    return e

full = entity(
    ["www.contoso.example", "contoso.example", "192.0.2.7", "2001:db8::7", "tls@contoso.example", "https://contoso.example/"],
    countryOrRegion="US", state="Washington", city="Redmond", street="1 Contoso Way", postalCode="98052",
    organizationName="Contoso Ltd", organizationUnitName="Threat Research, Labs", commonName="www.contoso.example",
    email="tls@contoso.example", givenName="Ada", surname="Lovelace", serialNumber="C-1234")
full_issuer = dict(full, alternateNames=["ca.contoso.example"])
utf8 = entity(commonName="Zürich Test", organizationName="Büro Ω")
neg = entity(commonName="negative.example")
ca = entity(countryOrRegion="DE", organizationName="Tigr Test", commonName="Tigr Test CA")
leaf = entity(["leaf.example", "*.leaf.example"], commonName="leaf.example")

der_pem = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", "utf8.der"], capture_output=True, check=True).stdout.decode()
full_pem, = pem_blocks("full.pem")
neg_pem, = pem_blocks("negative-serial.pem")
leaf_pem, ca_pem = pem_blocks("chain.pem")

def cert(pem, subject, issuer):
    return {"@odata.type": "#microsoft.graph.security.sslCertificate", **facts(pem), "subject": subject, "issuer": issuer}

expected = {
    "full.pem": [cert(full_pem, full, full_issuer)],
    "utf8.der": [cert(der_pem, utf8, utf8)],
    "negative-serial.pem": [cert(neg_pem, neg, neg)],
    "chain.pem": [cert(leaf_pem, leaf, ca), cert(ca_pem, ca, ca)],
    "bundle.pem": [cert(full_pem, full, full_issuer), cert(der_pem, utf8, utf8)],
}
with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1, ensure_ascii=False)
    f.write("\n")

# Malformed inputs: each block is one counted reject; the good certificate in the middle still imports.
body = "".join(full_pem.splitlines()[1:-1])
der = base64.b64decode(body)
def block(b64, label="CERTIFICATE"):
    return f"-----BEGIN {label}-----\n" + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + f"\n-----END {label}-----\n"
with open("malformed.pem", "w") as f:
    f.write(block("not*base64!"))                                    # certificate 1: bad base64
    f.write(block(base64.b64encode(b"\x30\x03\x02\x01\x00").decode()))  # certificate 2: DER, not a certificate
    f.write(block(base64.b64encode(der[:-10]).decode()))             # certificate 3: truncated
    f.write(block(base64.b64encode(der).decode()))                   # certificate 4: good
    f.write(block(base64.b64encode(der).decode()).replace("END CERTIFICATE", "END X509 CRL"))  # 5: mismatched END
    f.write(block(base64.b64encode(der).decode()).rsplit("-----END", 1)[0])  # certificate 6: no END
EOF
ls -l
