#!/usr/bin/env python3
"""Writes realistic nmap -sV XML of a requested size to stdout, deterministically (same arguments, same bytes).

    python3 bench/gen-nmap-xml.py > big.xml                     # ~1.2 GB, 400,000 hosts
    python3 bench/gen-nmap-xml.py --hosts 2000000 > bigger.xml
    python3 bench/gen-nmap-xml.py --hosts 1000 --seed 7 | head

The mix, per host: ~5% down (nmap -v lists them), 1-6 open ports from a catalogue of common services (ssh,
http, https with a certificate, ftp, smtp, mysql, rdp, postgresql, telnet, an unrecognised service with its
fingerprint), now and then a listed closed or filtered port, PTR and user host names, IPv4 with ~5% IPv6, and an
extraports element with its extrareasons. Scripts as nmap writes them: banner, http-headers,
http-server-header, http-title (titles and redirects), http-generator, http-cookie-flags, ssl-cert (one of five
real self-signed certificates made with openssl: RSA 2048/3072, ECDSA P-256/P-384, Ed25519; with subject,
issuer, pubkey, extensions, validity, md5, sha1 and pem) and ssh-hostkey.

Streams: memory stays small whatever the size. Prints the byte count and host count to stderr at the end.
"""

import argparse
import base64
import hashlib
import random
import sys
from dataclasses import dataclass
from typing import Optional

SCAN_START = 1_764_000_000  # 2025-11-24T16:00:00Z
PORT_SPACE = 10_000  # ports 1-10000 are "scanned"


@dataclass
class Cert:
    subject: dict
    key_type: str
    bits: int
    sig_algo: str
    san: Optional[str]
    not_before: str
    not_after: str
    pem: str


CERTIFICATES = [
    Cert(
        subject={"countryName": "US", "organizationName": "Example Shop Inc", "commonName": "shop.example.com"},
        key_type='rsa',
        bits=2048,
        sig_algo='sha256WithRSAEncryption',
        san='DNS:shop.example.com, DNS:www.shop.example.com',
        not_before='2026-11-25T10:30:33',
        not_after='2029-02-27T10:30:33',
        pem="""\
-----BEGIN CERTIFICATE-----
MIIDnDCCAoSgAwIBAgIUWEizyh5XA68oK0Udz9vWWsU+phAwDQYJKoZIhvcNAQEL
BQAwQzELMAkGA1UEBhMCVVMxGTAXBgNVBAoMEEV4YW1wbGUgU2hvcCBJbmMxGTAX
BgNVBAMMEHNob3AuZXhhbXBsZS5jb20wHhcNMjYxMTI1MTAzMDMzWhcNMjkwMjI3
MTAzMDMzWjBDMQswCQYDVQQGEwJVUzEZMBcGA1UECgwQRXhhbXBsZSBTaG9wIElu
YzEZMBcGA1UEAwwQc2hvcC5leGFtcGxlLmNvbTCCASIwDQYJKoZIhvcNAQEBBQAD
ggEPADCCAQoCggEBAL0e6RttuOxys63My2njlD/0Hl0oYOgLRd9SAf3xtOT1xHGT
T9Vn9nuAT2I2WXS16p2WZ4HqyutQL4yXf7KXhkc80rs+juP7ltLDvXorLPGTUAya
BoHVWxsTGV6qpmdRT8/P5Vb8DJ6l6Fym+iCng5wWAD7kJL7ZMCIsl8nALT0HTh9Z
9GUtd2ykErSB7gV/CkPmpibfTSkCE7da8Oz0Svcbrs+GQVd2egjNHvzB1tH/C+bi
iF77ZDSzN8NdU8n3uJlxVSra9mshLmI8LuioN1SpgQN02YDepwPEs9D2SP2rKWze
unYhMdf6fjkbs8719R0Dbf0/VrNJbf5YuCUOs7sCAwEAAaOBhzCBhDAdBgNVHQ4E
FgQUz8FzuFTHteomqp8fsnLLo+fqoGAwHwYDVR0jBBgwFoAUz8FzuFTHteomqp8f
snLLo+fqoGAwDwYDVR0TAQH/BAUwAwEB/zAxBgNVHREEKjAoghBzaG9wLmV4YW1w
bGUuY29tghR3d3cuc2hvcC5leGFtcGxlLmNvbTANBgkqhkiG9w0BAQsFAAOCAQEA
UIqu6btP7wGGXYArIVEwRFVEhKuN96r/3EWHBzILE90PBUGag6Hzor/JGDyE/wJ8
xEGh2Syf4qyHxz7IJH6VDuck7fSRGUjtBUpmGQ7Lt7wGlsn0MAUl7ZIU4KUCoT5j
xFoGFSE6N2f3BgzBnK3cmF1uznEtTXZGTnaek8hy9h1iWKtnb4Wlultdi7ATTluL
+8MdKbnR3OmsAgEGX6kQPmTuyV1vafQrNfNv2OqWQRXOAPsYnZbdB/N1D4dAz2+Y
k5kop4E/hceyCpvvx7UY65kFOkHQQhVa2d6MyyOZ7tKT9vyK7CIwLv7cVWF3TfpX
i0WVIU3MhJ4hYE/Vcq3W4Q==
-----END CERTIFICATE-----
""",
    ),
    Cert(
        subject={"commonName": "mail.example.org"},
        key_type='ec',
        bits=256,
        sig_algo='ecdsa-with-SHA256',
        san='DNS:mail.example.org, DNS:smtp.example.org',
        not_before='2026-11-25T10:30:33',
        not_after='2027-12-28T10:30:33',
        pem="""\
-----BEGIN CERTIFICATE-----
MIIBvTCCAWKgAwIBAgIUNvVLZI3qOWPj+Zao3QxVnwchRg8wCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQbWFpbC5leGFtcGxlLm9yZzAeFw0yNjExMjUxMDMwMzNaFw0y
NzEyMjgxMDMwMzNaMBsxGTAXBgNVBAMMEG1haWwuZXhhbXBsZS5vcmcwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQ2GohTYq49iOOJ5m61YWT4qrc2RZneqI0LQKQ1
b88W3KgLrNnK+aLL93eW64nILV4UngYEUVA4YjzET70ekDJlo4GDMIGAMB0GA1Ud
DgQWBBQfOGSvPeCMhDHt0ZohaX4H+MReJTAfBgNVHSMEGDAWgBQfOGSvPeCMhDHt
0ZohaX4H+MReJTAPBgNVHRMBAf8EBTADAQH/MC0GA1UdEQQmMCSCEG1haWwuZXhh
bXBsZS5vcmeCEHNtdHAuZXhhbXBsZS5vcmcwCgYIKoZIzj0EAwIDSQAwRgIhANGf
yFJPtA0mGe0Iq6EAhFFqFsEYV+p7Cb8riqYy+fvTAiEAyu8vvdil4X2As+oFZArX
+Ry4LhegJlyv44jF1b/F7x8=
-----END CERTIFICATE-----
""",
    ),
    Cert(
        subject={"countryName": "DE", "stateOrProvinceName": "Berlin", "organizationName": "Router GmbH", "organizationalUnitName": "Devices", "commonName": "192.168.1.1"},
        key_type='rsa',
        bits=3072,
        sig_algo='sha256WithRSAEncryption',
        san=None,
        not_before='2026-11-25T10:30:35',
        not_after='2036-11-22T10:30:35',
        pem="""\
-----BEGIN CERTIFICATE-----
MIIEmTCCAwGgAwIBAgIUQsh3swZWIin677XKBB0ZndYWCWUwDQYJKoZIhvcNAQEL
BQAwXDELMAkGA1UEBhMCREUxDzANBgNVBAgMBkJlcmxpbjEUMBIGA1UECgwLUm91
dGVyIEdtYkgxEDAOBgNVBAsMB0RldmljZXMxFDASBgNVBAMMCzE5Mi4xNjguMS4x
MB4XDTI2MTEyNTEwMzAzNVoXDTM2MTEyMjEwMzAzNVowXDELMAkGA1UEBhMCREUx
DzANBgNVBAgMBkJlcmxpbjEUMBIGA1UECgwLUm91dGVyIEdtYkgxEDAOBgNVBAsM
B0RldmljZXMxFDASBgNVBAMMCzE5Mi4xNjguMS4xMIIBojANBgkqhkiG9w0BAQEF
AAOCAY8AMIIBigKCAYEA0p80M2VGgUQ+r0PYWHk4Wcoy5ojmbyLkDrDlNQ/iambS
kMVYVZRjhUPKwLquGtQNYOuv/uciWY7M6nZqjhLSa01q44CQ0YPviThXs+i34WZC
VXSvNttGEQiwqKfRTWSkkw/5RCLD4bh6PLdgeTHV5OJqA0atIkiRVcn+wXNBqj8n
kK52D1EljHSOh1qs0rszVH7XzAwFjs0mQVDH9pT2PIWax+sZXNYQfuRdrks/juFY
TVgYWRMRi/ZxgCZZwLX0YxZ0uWKykkmksTjGR46H/eJ0lDReIEsJ9iDOsPOdqNSA
JBO34aUz9kYrnWK3p2Bow8Y/v7LLMxl18wzKZcuXzS1AUxeBzL7mlobBO1U9Sf8y
NTu8M2xVELU7wQYiQB/jZDtbN0nrFWRUMXAhU8gIJPsnGHbRFZTPQN+63+nToISu
7A6EFTtWwP1Ubd43seeTamdVGtdR6uQwiXVSMCmfNAA9h/2Gg8ZxUWqxiflplLtJ
HACDDzLa3dpifazmsvL9AgMBAAGjUzBRMB0GA1UdDgQWBBSrAZshxbzckVlhy0DK
LV+9FJynKjAfBgNVHSMEGDAWgBSrAZshxbzckVlhy0DKLV+9FJynKjAPBgNVHRMB
Af8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBgQAM9DO1WMajOAQnDV6JvAeFOBnY
JR87m9SDddJICKcpBp9nWqgxUbJCTa+fCgDWXiMOTWr0ZRvSNZ7fU4/pKJZfpnPy
POx7wNvmPv3Pm/P1Hj1eNuM2GwjbR6fM2uMbEUD7cNUghHUTy0b6vw3wa23rxmcY
ljZpVOS9jwJwzHRjIkxzIJRmY7sQ1+2UCSn35RTtJYCIUFBVkNXBHFWbMCKbfXm4
FgSWYZDe2LbC8OEm9nwj60QCWJE0BAzcJLawn8oXKNLTH5TPH93yYRoDPowuHCHL
wQhUSRImfCc0uPUCD5+1W6dGx3X45K9zjH7ypr41JCyeoKejUlopkr0tICUT2KoO
+XB9hWYNFJNJITd+LhR9ZzEK3K1sCGyWTf7TecKPB5kt4zCOroGQLAdON4by6EBB
xTlArv7anPqgOuf6XX39v7JwTQQkuk5QkFV4EAdu1jwgKJP/TNtiUej5iSw1TGd7
Mrz5z8anUTnivBF+6dEKt1kJyPdXvBcTSFE+wgs=
-----END CERTIFICATE-----
""",
    ),
    Cert(
        subject={"commonName": "*.cdn.example.net"},
        key_type='ec',
        bits=384,
        sig_algo='ecdsa-with-SHA256',
        san='DNS:*.cdn.example.net, DNS:cdn.example.net',
        not_before='2026-11-25T10:30:35',
        not_after='2027-02-23T10:30:35',
        pem="""\
-----BEGIN CERTIFICATE-----
MIIB+zCCAYGgAwIBAgIUVnBWL/uS7w3eJ8SVV4XrxXM29rswCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRKi5jZG4uZXhhbXBsZS5uZXQwHhcNMjYxMTI1MTAzMDM1WhcN
MjcwMjIzMTAzMDM1WjAcMRowGAYDVQQDDBEqLmNkbi5leGFtcGxlLm5ldDB2MBAG
ByqGSM49AgEGBSuBBAAiA2IABHFsrXP06zgE+LT+D17+cMPc9UDYZGN87an2AKAt
ek77SMzzxfDREoMIqzxzDoaikb8fJ0SVrYsFX+Zz8qGGl0+RlLdty2sq0iibb2NO
EfcVL118TgSfZrZhGp+7lRyEOqOBgzCBgDAdBgNVHQ4EFgQUHzXIyNCBTOKxInSI
6yGn4IBE2TkwHwYDVR0jBBgwFoAUHzXIyNCBTOKxInSI6yGn4IBE2TkwDwYDVR0T
AQH/BAUwAwEB/zAtBgNVHREEJjAkghEqLmNkbi5leGFtcGxlLm5ldIIPY2RuLmV4
YW1wbGUubmV0MAoGCCqGSM49BAMCA2gAMGUCMCCnIly3iMaaIK4Xv0XWSw3Xpaex
kSCTey7BnoN2viAjbxKtMkZdB2I2JQPaSsCAVQIxAMOA5gTfgvj84aUFNGryskGX
zuoaAYOAiCgph+3ofD8VZgknnWqf6vI5XjgxaKKSpQ==
-----END CERTIFICATE-----
""",
    ),
    Cert(
        subject={"organizationName": "Acme Appliance", "commonName": "appliance.local"},
        key_type='ed25519',
        bits=256,
        sig_algo='ED25519',
        san=None,
        not_before='2026-11-25T10:30:35',
        not_after='2027-11-25T10:30:35',
        pem="""\
-----BEGIN CERTIFICATE-----
MIIBezCCAS2gAwIBAgIUb+AGshHpaUk14Ikeou5E4QEzz44wBQYDK2VwMDMxFzAV
BgNVBAoMDkFjbWUgQXBwbGlhbmNlMRgwFgYDVQQDDA9hcHBsaWFuY2UubG9jYWww
HhcNMjYxMTI1MTAzMDM1WhcNMjcxMTI1MTAzMDM1WjAzMRcwFQYDVQQKDA5BY21l
IEFwcGxpYW5jZTEYMBYGA1UEAwwPYXBwbGlhbmNlLmxvY2FsMCowBQYDK2VwAyEA
M+WDD0RYnUAQFYJUnIV162x3wfqiLD0jm+8+yXeHoOejUzBRMB0GA1UdDgQWBBQv
mCBLx8FgSw69GmlRAPuFKYI7PzAfBgNVHSMEGDAWgBQvmCBLx8FgSw69GmlRAPuF
KYI7PzAPBgNVHRMBAf8EBTADAQH/MAUGAytlcANBANGZLjSRT+qqY2pZQ4D3duE9
MA9sbllDz/1jWoQmiy3qRMjJIHH0WInB0/uM53po6bnTMTiHYUhoIC4B5GFhnwg=
-----END CERTIFICATE-----
""",
    ),
]


def xml_escape(text):
    """Escapes text the way nmap does for attributes and element text (ASCII in, ASCII out)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
        .replace("--", "-&#45;")
        .replace("\n", "&#xa;")
    )


def script_output(lines):
    """Multi-line NSE output as nmap writes it into the output attribute: a leading newline, two-space indent."""
    return xml_escape("".join("\n  " + line for line in lines))


def ssl_cert_script(cert):
    """The ssl-cert script element for one certificate, as nmap 7.9x writes it."""
    der = base64.b64decode("".join(l for l in cert.pem.splitlines() if not l.startswith("-----")))
    md5 = hashlib.md5(der).hexdigest()
    sha1 = hashlib.sha1(der).hexdigest()
    subject_line = "/".join(f"{k}={v}" for k, v in reversed(list(cert.subject.items())))
    out = [f"Subject: {subject_line}"]
    if cert.san:
        out.append(f"Subject Alternative Name: {cert.san}")
    out += [
        f"Issuer: {subject_line}",
        f"Public Key type: {cert.key_type}",
        f"Public Key bits: {cert.bits}",
        f"Signature Algorithm: {cert.sig_algo}",
        f"Not valid before: {cert.not_before}",
        f"Not valid after:  {cert.not_after}",
        f"MD5:   {md5}",
        f"SHA-1: {sha1}",
    ]
    names = "".join(f'<elem key="{k}">{xml_escape(v)}</elem>\n' for k, v in sorted(cert.subject.items()))
    parts = [
        f'<script id="ssl-cert" output="{xml_escape(chr(10).join(out))}">',
        f'<table key="subject">\n{names}</table>\n',
        f'<table key="issuer">\n{names}</table>\n',
        f'<table key="pubkey">\n<elem key="type">{cert.key_type}</elem>\n<elem key="bits">{cert.bits}</elem>\n</table>\n',
        '<table key="extensions">\n',
    ]
    if cert.san:
        parts.append(
            "<table>\n<elem key=\"name\">X509v3 Subject Alternative Name</elem>\n"
            f"<elem key=\"value\">{xml_escape(cert.san)}</elem>\n</table>\n"
        )
    parts.append(
        "<table>\n<elem key=\"name\">X509v3 Basic Constraints</elem>\n<elem key=\"value\">CA:TRUE</elem>\n"
        "<elem key=\"critical\">true</elem>\n</table>\n</table>\n"
    )
    parts.append(f'<elem key="sig_algo">{cert.sig_algo}</elem>\n')
    parts.append(
        f'<table key="validity">\n<elem key="notBefore">{cert.not_before}</elem>\n'
        f'<elem key="notAfter">{cert.not_after}</elem>\n</table>\n'
    )
    parts.append(f'<elem key="md5">{md5}</elem>\n<elem key="sha1">{sha1}</elem>\n')
    parts.append(f'<elem key="pem">{xml_escape(cert.pem + chr(10))}</elem>\n</script>')
    return "".join(parts)


SSL_CERT_SCRIPTS = [ssl_cert_script(c) for c in CERTIFICATES]

# (product, version, extrainfo, cpes) per service family.
SSH_PRODUCTS = [
    ("OpenSSH", "8.9p1 Ubuntu 3ubuntu0.10", "Ubuntu Linux; protocol 2.0", ["cpe:/a:openbsd:openssh:8.9p1", "cpe:/o:linux:linux_kernel"], "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10"),
    ("OpenSSH", "9.2p1 Debian 2+deb12u3", "protocol 2.0", ["cpe:/a:openbsd:openssh:9.2p1", "cpe:/o:linux:linux_kernel"], "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"),
    ("OpenSSH", "7.4", "protocol 2.0", ["cpe:/a:openbsd:openssh:7.4"], "SSH-2.0-OpenSSH_7.4"),
    ("OpenSSH", "9.6p1 Ubuntu 3ubuntu13.5", "Ubuntu Linux; protocol 2.0", ["cpe:/a:openbsd:openssh:9.6p1", "cpe:/o:linux:linux_kernel"], "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5"),
    ("Dropbear sshd", "2020.81", "protocol 2.0", ["cpe:/a:matt_johnston:dropbear_ssh_server:2020.81", "cpe:/o:linux:linux_kernel"], "SSH-2.0-dropbear_2020.81"),
]
HTTP_PRODUCTS = [
    ("nginx", "1.18.0", "Ubuntu", ["cpe:/a:igor_sysoev:nginx:1.18.0", "cpe:/o:linux:linux_kernel"], "nginx/1.18.0 (Ubuntu)"),
    ("nginx", "1.22.1", None, ["cpe:/a:igor_sysoev:nginx:1.22.1"], "nginx/1.22.1"),
    ("nginx", None, None, ["cpe:/a:igor_sysoev:nginx"], "nginx"),
    ("Apache httpd", "2.4.41", "(Ubuntu)", ["cpe:/a:apache:http_server:2.4.41"], "Apache/2.4.41 (Ubuntu)"),
    ("Apache httpd", "2.4.57", "(Debian)", ["cpe:/a:apache:http_server:2.4.57"], "Apache/2.4.57 (Debian)"),
    ("Microsoft IIS httpd", "10.0", None, ["cpe:/a:microsoft:internet_information_services:10.0", "cpe:/o:microsoft:windows"], "Microsoft-IIS/10.0"),
    ("lighttpd", "1.4.59", None, ["cpe:/a:lighttpd:lighttpd:1.4.59"], "lighttpd/1.4.59"),
    ("Caddy httpd", None, None, [], "Caddy"),
]
TITLES = [
    "Welcome to nginx!", "Apache2 Ubuntu Default Page: It works", "IIS Windows Server", "Login", "Dashboard",
    "Example Shop \u2013 Home", "Router Configuration", "401 Unauthorized", "Index of /", "GitLab",
    "Grafana", "Jenkins [Jenkins]", "phpMyAdmin", "Welcome to CentOS", "Test Page for the Apache HTTP Server",
]
GENERATORS = ["WordPress 6.4.2", "WordPress 5.8.1", "Joomla! - Open Source Content Management", "Drupal 10 (https://www.drupal.org)", "Hugo 0.120.4"]
FTP_BANNERS = [("vsftpd", "3.0.3", ["cpe:/a:vsftpd:vsftpd:3.0.3"], "220 (vsFTPd 3.0.3)"), ("ProFTPD", "1.3.5e", ["cpe:/a:proftpd:proftpd:1.3.5e"], "220 ProFTPD 1.3.5e Server (Debian) [::ffff:10.0.0.1]")]
SMTP_BANNERS = [("Postfix smtpd", None, ["cpe:/a:postfix:postfix"], "220 mail.example.org ESMTP Postfix (Ubuntu)"), ("Exim smtpd", "4.96", ["cpe:/a:exim:exim:4.96"], "220 mx.example.net ESMTP Exim 4.96 Mon, 24 Nov 2025 16:00:00 +0000")]
MYSQL_BANNERS = [("MySQL", "5.7.33-0ubuntu0.18.04.1", ["cpe:/a:mysql:mysql:5.7.33-0ubuntu0.18.04.1"], r"J\x00\x00\x00\x0A5.7.33-0ubuntu0.18.04.1\x00-\x00\x00\x00\x1Ax2&@Hv\x0B\x00\xFF\xF7\x08\x02\x00\xFF\x81\x15..."), ("MySQL", "8.0.35", ["cpe:/a:mysql:mysql:8.0.35"], r"I\x00\x00\x00\x0A8.0.35\x00\x0F\x00\x00\x00u\x1F\x01X\x03\x12\x19g\x00\xFF\xFF\xFF\x02\x00\xFF\xDF\x15\x00\x00\x00\x00\x00..")]

WEIGHTED_SERVICES = (
    ["ssh"] * 30 + ["http"] * 40 + ["https"] * 30 + ["http-alt"] * 10 + ["ftp"] * 8 + ["smtp"] * 8
    + ["mysql"] * 6 + ["rdp"] * 5 + ["postgresql"] * 4 + ["telnet"] * 3 + ["unknown"] * 4
)
SERVICE_PORTS = {
    "ssh": [22, 22, 22, 2222], "http": [80, 80, 80, 8000], "https": [443, 443, 443, 8443], "http-alt": [8080, 8081, 8888],
    "ftp": [21], "smtp": [25, 587], "mysql": [3306], "rdp": [3389], "postgresql": [5432], "telnet": [23],
    "unknown": [1234, 4444, 5555, 9999, 7777],
}
OPEN_PORT_COUNTS = [1] * 30 + [2] * 30 + [3] * 20 + [4] * 10 + [5] * 6 + [6] * 4


def service_attrs(name, product=None, version=None, extrainfo=None, tunnel=None, ostype=None):
    parts = [f'<service name="{name}"']
    if product:
        parts.append(f' product="{xml_escape(product)}"')
    if version:
        parts.append(f' version="{xml_escape(version)}"')
    if extrainfo:
        parts.append(f' extrainfo="{xml_escape(extrainfo)}"')
    if ostype:
        parts.append(f' ostype="{ostype}"')
    if tunnel:
        parts.append(f' tunnel="{tunnel}"')
    parts.append(' method="probed" conf="10"')
    return "".join(parts)


def service(name, product, version, extrainfo, cpes, tunnel=None):
    head = service_attrs(name, product, version, extrainfo, tunnel)
    if not cpes:
        return head + "/>"
    return head + ">" + "".join(f"<cpe>{c}</cpe>" for c in cpes) + "</service>"


def banner_script(text):
    """The banner script: nmap's \\xNN escapes already in `text`; wrapped at 63 characters like banner.nse."""
    if len(text) > 63:
        text = text[:60] + "..."
    return f'<script id="banner" output="{xml_escape(text)}"/>'


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def hexbytes(self, n):
        return self.rng.getrandbits(8 * n).to_bytes(n, "big").hex()

    def b64bytes(self, n):
        return base64.b64encode(self.rng.getrandbits(8 * n).to_bytes(n, "big")).decode()

    def ssh_port(self, port):
        product, version, extra, cpes, banner = self.rng.choice(SSH_PRODUCTS)
        keys = [("ecdsa-sha2-nistp256", 256, "ECDSA", 104), ("ssh-ed25519", 256, "ED25519", 51)]
        if self.rng.random() < 0.6:
            keys.insert(0, ("ssh-rsa", 3072, "RSA", 407))
        tables, lines = [], []
        for key_type, bits, short, keylen in keys:
            fingerprint = self.hexbytes(16)
            lines.append(f"{bits} {fingerprint} ({short})")
            tables.append(
                f'<table>\n<elem key="type">{key_type}</elem>\n<elem key="bits">{bits}</elem>\n'
                f'<elem key="fingerprint">{fingerprint}</elem>\n<elem key="key">{self.b64bytes(keylen)}</elem>\n</table>\n'
            )
        scripts = f'<script id="ssh-hostkey" output="{script_output(lines)}">' + "".join(tables) + "</script>"
        scripts += banner_script(banner)
        return port, service("ssh", product, version, extra, cpes), scripts

    def http_scripts(self, server, tls):
        rng = self.rng
        headers = [f"Date: Mon, 24 Nov 2025 {rng.randrange(24):02}:{rng.randrange(60):02}:{rng.randrange(60):02} GMT", f"Server: {server}"]
        scripts = []
        redirect = rng.random() < 0.15
        if redirect:
            location = rng.choice(["https://{h}/", "/login", "https://{h}/index.php", "http://{h}/owa/"]).format(h=f"www{rng.randrange(1000)}.example.com")
            headers += [f"Location: {location}", "Content-Length: 0", "Connection: close"]
            scripts.append(f'<script id="http-title" output="{xml_escape("Did not follow redirect to " + location)}"><elem key="redirect_url">{xml_escape(location)}</elem>\n</script>')
        else:
            title = rng.choice(TITLES)
            headers += ["Content-Type: text/html; charset=UTF-8", f"Content-Length: {rng.randrange(200, 90000)}", "Connection: close"]
            cookie = None
            if rng.random() < 0.2:
                cookie = rng.choice(["PHPSESSID", "JSESSIONID", "ASP.NET_SessionId", "sessionid"])
                headers.append(f"Set-Cookie: {cookie}={self.hexbytes(12)}; path=/")
                scripts.append(
                    f'<script id="http-cookie-flags" output="{script_output(["/: ", f"  {cookie}: ", "    httponly flag not set"])}">'
                    f'<table key="/">\n<table key="{cookie}">\n<elem>httponly flag not set</elem>\n</table>\n</table>\n</script>'
                )
            if rng.random() < 0.1:
                headers.append(f"X-Powered-By: PHP/{rng.choice(['7.4.33', '8.1.2-1ubuntu2.14', '8.2.12'])}")
            if rng.random() < 0.15:
                scripts.append(f'<script id="http-generator" output="{xml_escape(rng.choice(GENERATORS))}"/>')
            # nmap writes script output bytes outside printable ASCII as \xNN.
            shown = "".join(c if c.isascii() else "".join(f"\\x{b:02X}" for b in c.encode()) for c in title)
            scripts.append(f'<script id="http-title" output="{xml_escape(shown)}"><elem key="title">{xml_escape(shown)}</elem>\n</script>')
        scripts.append(f'<script id="http-headers" output="{script_output(headers + ["", "(Request type: HEAD)"])}&#xa;"/>')
        if rng.random() < 0.3:
            scripts.append(f'<script id="http-server-header" output="{xml_escape(server)}"><elem>{xml_escape(server)}</elem>\n</script>')
        if tls:
            scripts.insert(0, rng.choice(SSL_CERT_SCRIPTS))
        return "".join(sorted(scripts, key=lambda s: s[12:40]))

    def http_port(self, port, tls):
        product, version, extra, cpes, server = self.rng.choice(HTTP_PRODUCTS)
        name = "http" if port != 8080 or tls else "http-proxy"
        return port, service(name, product, version, extra, cpes, "ssl" if tls else None), self.http_scripts(server, tls)

    def banner_port(self, port, name, catalogue):
        product, version, cpes, banner = self.rng.choice(catalogue)
        return port, service(name, product, version, None, cpes), banner_script(banner)

    def unknown_port(self, port):
        response = self.rng.choice([r"hello\r\n", r"\x00\x00\x00\x01\xff", r"+OK ready\r\n", r"ERROR\x20unknown\x20command\n"])
        fp = (
            f"SF-Port{port}-TCP:V=7.94%I=7%D=11/24%Time={self.hexbytes(4).upper()}%P=x86_64-pc-linux-gnu"
            f'%r(NULL,{len(response):X},"{response}")%r(GenericLines,{len(response):X},"{response}");'
        )
        return port, f'<service name="unknown" servicefp="{xml_escape(fp)}" method="table" conf="3"/>', banner_script(response)

    def open_port(self, kind):
        port = self.rng.choice(SERVICE_PORTS[kind])
        if kind == "ssh":
            return self.ssh_port(port)
        if kind in ("http", "http-alt"):
            return self.http_port(port, False)
        if kind == "https":
            return self.http_port(port, True)
        if kind == "ftp":
            return self.banner_port(port, "ftp", FTP_BANNERS)
        if kind == "smtp":
            return self.banner_port(port, "smtp", SMTP_BANNERS)
        if kind == "mysql":
            return self.banner_port(port, "mysql", MYSQL_BANNERS)
        if kind == "rdp":
            return port, service("ms-wbt-server", "Microsoft Terminal Services", None, None, ["cpe:/o:microsoft:windows"]), ""
        if kind == "postgresql":
            return port, service("postgresql", "PostgreSQL DB", "9.6.0 - 9.6.x", None, ["cpe:/a:postgresql:postgresql:9.6"]), ""
        if kind == "telnet":
            return port, service("telnet", "Linux telnetd", None, None, ["cpe:/o:linux:linux_kernel"]), banner_script(r"\xFF\xFD\x18\xFF\xFD \xFF\xFD#\xFF\xFD'")
        return self.unknown_port(port)

    def address(self, index):
        if self.rng.random() < 0.05:
            return f"2001:db8:{index >> 16:x}:{index & 0xFFFF:x}::{self.rng.randrange(1, 0xFFFF):x}", "ipv6"
        n = 0x0A000000 + index * 7 % 0xFFFFFF  # 10.0.0.0/8, spread out
        return f"{n >> 24}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", "ipv4"

    def host(self, index, start):
        rng = self.rng
        addr, addrtype = self.address(index)
        if rng.random() < 0.05:
            return f'<host><status state="down" reason="no-response" reason_ttl="0"/>\n<address addr="{addr}" addrtype="{addrtype}"/>\n</host>\n'
        end = start + rng.randrange(5, 120)
        parts = [
            f'<host starttime="{start}" endtime="{end}"><status state="up" reason="syn-ack" reason_ttl="{rng.choice([48, 52, 54, 57, 116, 244])}"/>\n',
            f'<address addr="{addr}" addrtype="{addrtype}"/>\n<hostnames>\n',
        ]
        if rng.random() < 0.2:
            parts.append(f'<hostname name="www{index}.example.com" type="user"/>\n')
        if rng.random() < 0.6:
            parts.append(f'<hostname name="host-{addr.replace(".", "-").replace(":", "-")}.isp.example.net" type="PTR"/>\n')
        parts.append("</hostnames>\n")
        ports = {}
        for _ in range(rng.choice(OPEN_PORT_COUNTS)):
            port, svc, scripts = self.open_port(rng.choice(WEIGHTED_SERVICES))
            ports.setdefault(port, ("open", "syn-ack", svc, scripts))
        if rng.random() < 0.1:
            ports.setdefault(113, ("closed", "reset", None, ""))
        if rng.random() < 0.1:
            ports.setdefault(445, ("filtered", "no-response", None, ""))
        listed = sorted(ports)
        unlisted = PORT_SPACE - len(listed)
        extra_state, reason = ("closed", "reset") if rng.random() < 0.7 else ("filtered", "no-response")
        parts.append(
            f'<ports><extraports state="{extra_state}" count="{unlisted}">\n'
            f'<extrareasons reason="{reason}" count="{unlisted}" proto="tcp" ports="{complement(listed)}"/>\n</extraports>\n'
        )
        for port in listed:
            state, why, svc, scripts = ports[port]
            ttl = 0 if state == "filtered" else 54
            parts.append(f'<port protocol="tcp" portid="{port}"><state state="{state}" reason="{why}" reason_ttl="{ttl}"/>')
            if svc:
                parts.append(svc)
            parts.append(scripts)
            parts.append("</port>\n")
        parts.append(f'</ports>\n<times srtt="{rng.randrange(200, 90000)}" rttvar="{rng.randrange(100, 20000)}" to="100000"/>\n</host>\n')
        return "".join(parts)


def complement(listed):
    """Ranges of 1..PORT_SPACE without the listed ports, as nmap writes them (`1-21,23-79,81-10000`)."""
    ranges, low = [], 1
    for port in listed:
        if port > low:
            ranges.append(f"{low}-{port - 1}" if port - 1 > low else f"{low}")
        low = port + 1
    if low <= PORT_SPACE:
        ranges.append(f"{low}-{PORT_SPACE}" if PORT_SPACE > low else f"{low}")
    return ",".join(ranges)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=400_000, help="hosts to write (default 400000, about 1.2 GB)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()
    generator = Generator(args.seed)
    out = sys.stdout.buffer
    args_text = "nmap -sS -sV -p 1-10000 --script banner,http-headers,http-server-header,http-title,http-generator,http-cookie-flags,ssl-cert,ssh-hostkey -oX - 10.0.0.0/8"
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n'
        '<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>\n'
        f"<!-- Nmap 7.94 scan initiated Mon Nov 24 16:00:00 2025 as: {xml_escape(args_text)} -->\n"
        f'<nmaprun scanner="nmap" args="{xml_escape(args_text)}" start="{SCAN_START}" startstr="Mon Nov 24 16:00:00 2025" version="7.94" xmloutputversion="1.05">\n'
        f'<scaninfo type="syn" protocol="tcp" numservices="{PORT_SPACE}" services="1-{PORT_SPACE}"/>\n'
        '<verbose level="1"/>\n<debugging level="0"/>\n'
    )
    written = len(head)
    out.write(head.encode())
    chunk, up = [], 0
    start = SCAN_START
    for index in range(args.hosts):
        start += generator.rng.randrange(0, 3)
        host = generator.host(index, start)
        up += host.startswith("<host start")
        chunk.append(host)
        if len(chunk) == 1000:
            data = "".join(chunk).encode()
            written += len(data)
            out.write(data)
            chunk = []
    end = start + 300
    chunk.append(
        f'<runstats><finished time="{end}" timestr="" summary="Nmap done; {args.hosts} IP addresses ({up} hosts up)" elapsed="{end - SCAN_START}" exit="success"/>'
        f'<hosts up="{up}" down="{args.hosts - up}" total="{args.hosts}"/>\n</runstats>\n</nmaprun>\n'
    )
    data = "".join(chunk).encode()
    written += len(data)
    out.write(data)
    out.flush()
    print(f"gen-nmap-xml: {written} bytes, {args.hosts} hosts ({up} up)", file=sys.stderr)


if __name__ == "__main__":
    main()
