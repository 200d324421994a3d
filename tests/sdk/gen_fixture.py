#!/usr/bin/env python3
"""Writes tests/sdk/fixture.ndjson: graph-json data for the Graph SDK end-to-end test.

Run it after changing the data below (`python3 tests/sdk/gen_fixture.py`); the output is committed, and
test_sdk.py reads the committed file to know which ids to call and what every typed model must hold.

Every resource type gets consistent, linked data, with every property filled at least once, so each SDK URL
template has a real id to call. Ids follow Graph's style (base64 of `$$`-joined keys, or base64 of a digest), and
the data is arranged so that some called ids contain `=`, `+` and `/` (the SDK percent-encodes them and the server
must decode them). contoso.com has PASSIVE_DNS_ROWS forward passiveDns records, enough for several pages at the
default page size of 100. Stdlib only; the output is deterministic.
"""
import base64
import hashlib
import json
import os
import sys

NS = "#microsoft.graph.security."
PASSIVE_DNS_ROWS = 250
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixture.ndjson")

lines = []


def emit(obj):
    lines.append(obj)


def b64(s):
    return base64.b64encode(s.encode()).decode()


def opaque(key, need="+/"):
    """base64 of a SHA-256 of key + a counter, the first one whose text contains every character of `need`."""
    n = 0
    while True:
        v = base64.b64encode(hashlib.sha256(f"{key}#{n}".encode()).digest()).decode()
        if all(c in v for c in need):
            return v
        n += 1


def ts(y, mo, d, h=0, mi=0, s=0, ms=None):
    base = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"
    return base + (f".{ms:03d}Z" if ms is not None else "Z")


def ref(ty, id_):
    return {"@odata.type": NS + ty, "id": id_}


def hostname(id_, **props):
    return {"@odata.type": NS + "hostname", "id": id_, **props}


def ipaddress(id_, **props):
    return {"@odata.type": NS + "ipAddress", "id": id_, **props}


# ---------------------------------------------------------------------------------------------------------- hosts
CONTOSO = "contoso.com"
WWW = "www.contoso.com"
LOGIN = "login.contoso.com"
MAIL = "mail.contoso.com"
MSFT = "microsoft.com"
BAD = "fake-malicious.site"
NS1 = "ns1.contoso-dns.com"
NS2 = "ns2.contoso-dns.com"
IP = "20.103.85.33"
IP2 = "85.13.139.18"
IP6 = "2001:db8::1"

# ------------------------------------------------------------------------------------------------------ subdomains
subs = []
for i, (sub, first) in enumerate([(LOGIN, ts(2015, 6, 2, 8, 0, 0)), (WWW, ts(2010, 3, 1, 9, 30, 0)),
                                  (MAIL, ts(2012, 8, 9, 10, 15, 0))]):
    subs.append({"@odata.type": NS + "subdomain", "id": b64(f"{sub}$${CONTOSO}"), "firstSeenDateTime": first,
                 "host": ref("hostname", sub)})

emit(hostname(CONTOSO, firstSeenDateTime=ts(2009, 1, 5, 12, 0, 0), lastSeenDateTime=ts(2023, 7, 18, 23, 24, 1, 500),
              registrant="Contoso Corporation", registrar="MarkMonitor Inc.", subdomains=subs))
emit(hostname(WWW, firstSeenDateTime=ts(2010, 3, 1), lastSeenDateTime=ts(2023, 7, 1), registrant="Contoso Corporation",
              registrar="MarkMonitor Inc."))
emit(hostname(LOGIN, firstSeenDateTime=ts(2015, 6, 2), lastSeenDateTime=ts(2023, 6, 30), registrant="Contoso Corporation",
              registrar="MarkMonitor Inc."))
emit(hostname(MAIL, firstSeenDateTime=ts(2012, 8, 9), lastSeenDateTime=ts(2023, 5, 5), registrant="Contoso Corporation",
              registrar="MarkMonitor Inc."))
emit(hostname(MSFT, firstSeenDateTime=ts(1991, 5, 2), lastSeenDateTime=ts(2023, 7, 18), registrant="Microsoft Corporation",
              registrar="MarkMonitor Inc."))
emit(hostname(BAD, firstSeenDateTime=ts(2022, 5, 2, 23, 9, 20), lastSeenDateTime=ts(2023, 3, 1), registrant="Redacted",
              registrar="NameCheap, Inc."))
emit(hostname(NS1, firstSeenDateTime=ts(2011, 1, 1), lastSeenDateTime=ts(2023, 7, 1), registrant="Contoso DNS",
              registrar="MarkMonitor Inc."))
emit(hostname(NS2, firstSeenDateTime=ts(2011, 1, 1), lastSeenDateTime=ts(2023, 7, 2), registrant="Contoso DNS",
              registrar="MarkMonitor Inc."))
emit(ipaddress(IP, firstSeenDateTime=ts(2019, 2, 3, 4, 5, 6), lastSeenDateTime=ts(2023, 7, 18, 15, 31, 57),
               autonomousSystem={"name": "MICROSOFT-CORP-MSN-AS-BLOCK", "number": 8075,
                                 "organization": "Microsoft Corporation", "value": "AS8075"},
               countryOrRegion="NL", hostingProvider="Microsoft Azure", netblock="20.103.0.0/16"))
emit(ipaddress(IP2, firstSeenDateTime=ts(2016, 12, 6, 20, 23, 38), lastSeenDateTime=ts(2023, 7, 18, 23, 24, 1),
               autonomousSystem={"name": "NEUE-MEDIEN-MUENNICH", "number": 34011,
                                 "organization": "domainfactory GmbH", "value": "AS34011"},
               countryOrRegion="DE", hostingProvider="domainfactory", netblock="85.13.128.0/18"))
emit(ipaddress(IP6, firstSeenDateTime=ts(2021, 1, 1), lastSeenDateTime=ts(2023, 1, 1),
               autonomousSystem={"name": "DOCUMENTATION", "number": 64496, "organization": "Example Org",
                                 "value": "AS64496"},
               countryOrRegion="US", hostingProvider="Example Hosting", netblock="2001:db8::/32"))

# Forward passive DNS of contoso.com: PASSIVE_DNS_ROWS records, one per resolved address (IP first, then
# 20.104.x.y addresses, one CNAME to www). Every resolved ipAddress is defined as an entity too.
pdns_ips = [IP] + [f"20.104.{i // 200}.{i % 200 + 1}" for i in range(PASSIVE_DNS_ROWS - 2)]
for i, addr in enumerate(pdns_ips[1:]):
    emit(ipaddress(addr, firstSeenDateTime=ts(2020, 1 + i % 12, 1 + i % 28), lastSeenDateTime=ts(2023, 1 + i % 12, 1 + i % 28),
                   autonomousSystem={"name": "MICROSOFT-CORP-MSN-AS-BLOCK", "number": 8075,
                                     "organization": "Microsoft Corporation", "value": "AS8075"},
                   countryOrRegion="NL", hostingProvider="Microsoft Azure", netblock="20.104.0.0/16"))


def pdns(parent, artifact_ty, artifact_id, record_type, i, artifact_full=None):
    return {
        "@odata.type": NS + "passiveDnsRecord",
        "id": b64(f"{parent}$${artifact_id}$${'false'}"),
        # distinct first-seen times (minutes apart) so $orderby has one right answer
        "firstSeenDateTime": ts(2021, 1 + (i * 7) % 12, 1 + (i * 11) % 28, (i * 5) % 24, (i * 13) % 60, i % 60),
        "lastSeenDateTime": ts(2023, 1 + (i * 3) % 12, 1 + (i * 5) % 28, (i * 7) % 24, (i * 17) % 60, (i * 3) % 60),
        "collectedDateTime": ts(2023, 3, 7, 13, 59, 34, 735),
        "recordType": record_type,
        "parentHost": ref("hostname" if not parent[0].isdigit() else "ipAddress", parent),
        "artifact": artifact_full or ref(artifact_ty, artifact_id),
    }


for i, addr in enumerate(pdns_ips):
    emit(pdns(CONTOSO, "ipAddress", addr, "A", i))
emit(pdns(CONTOSO, "hostname", WWW, "CNAME", PASSIVE_DNS_ROWS - 1))
# Reverse passive DNS of 20.103.85.33 (records whose artifact is the IP): contoso.com (above), www and mail.
emit(pdns(WWW, "ipAddress", IP, "A", 1001))
emit(pdns(MAIL, "ipAddress", IP, "A", 1002))
# A TXT record whose artifact is an unclassifiedArtifact (a full object in the to-one navigation).
SPF = "v=spf1 include:spf.protection.outlook.com -all"
emit(pdns(MAIL, "unclassifiedArtifact", b64(SPF), "TXT", 1003,
          artifact_full={"@odata.type": NS + "unclassifiedArtifact", "id": b64(SPF), "kind": "txt", "value": SPF}))

# ------------------------------------------------------------------------------------------------- host components
COMP_IIS = opaque(f"Microsoft-IIS$$10.0$$Server$${CONTOSO}")
COMP_ASP = opaque(f"ASP.NET$$4.0.30319$$Framework$${CONTOSO}")
COMP_NGINX = opaque(f"nginx$$1.18.0$$Server$${IP}")
COMP_OPENSSH = opaque(f"OpenSSH$$8.9p1$$Remote Access$${IP}")
components = [
    {"id": COMP_IIS, "name": "Microsoft-IIS", "version": "10.0", "category": "Server",
     "firstSeenDateTime": ts(2019, 3, 1, 1, 2, 3), "lastSeenDateTime": ts(2023, 7, 1, 4, 5, 6), "host": CONTOSO},
    {"id": COMP_ASP, "name": "ASP.NET", "version": "4.0.30319", "category": "Framework",
     "firstSeenDateTime": ts(2019, 4, 1), "lastSeenDateTime": ts(2023, 7, 2), "host": CONTOSO},
    {"id": COMP_NGINX, "name": "nginx", "version": "1.18.0", "category": "Server",
     "firstSeenDateTime": ts(2020, 10, 28, 22, 39, 51), "lastSeenDateTime": ts(2023, 7, 18, 22, 13, 54), "host": IP},
    {"id": COMP_OPENSSH, "name": "OpenSSH", "version": "8.9p1", "category": "Remote Access",
     "firstSeenDateTime": ts(2022, 6, 26, 4, 29, 25), "lastSeenDateTime": ts(2023, 7, 18, 0, 54, 13), "host": IP},
]
for c in components:
    host = c.pop("host")
    emit({"@odata.type": NS + "hostComponent", **c,
          "host": ref("ipAddress" if host[0].isdigit() else "hostname", host)})

# ---------------------------------------------------------------------------------------------------- host cookies
for name, domain, first, last in [("OIDC", CONTOSO, ts(2021, 2, 3, 4, 5, 6), ts(2023, 6, 1, 2, 3, 4)),
                                  ("ARRAffinity", WWW, ts(2020, 1, 1), ts(2023, 5, 1)),
                                  ("session~id", CONTOSO, ts(2022, 9, 9), ts(2023, 7, 7))]:
    emit({"@odata.type": NS + "hostCookie", "id": opaque(f"{CONTOSO}$${name}$${domain}"), "name": name,
          "domain": domain, "firstSeenDateTime": first, "lastSeenDateTime": last, "host": ref("hostname", CONTOSO)})

# --------------------------------------------------------------------------------------------------- host trackers
for kind, value, first, last in [("GoogleAnalyticsID", "UA-1234567-1", ts(2019, 6, 13, 17, 25, 22, 761),
                                  ts(2023, 3, 25, 23, 59, 32, 157)),
                                 ("JarmHash", "29d29d00029d29d00042d43d00041d5de67cc9954cc85372523050f20b5007",
                                  ts(2021, 5, 5), ts(2023, 4, 4))]:
    emit({"@odata.type": NS + "hostTracker", "id": opaque(f"{CONTOSO}$${kind}$${value}"), "kind": kind,
          "value": value, "firstSeenDateTime": first, "lastSeenDateTime": last, "host": ref("hostname", CONTOSO)})

# ------------------------------------------------------------------------------------------------------ host pairs
for kind, parent, child, first, last in [
    ("redirect", CONTOSO, WWW, ts(2022, 5, 11, 1, 27, 14, 187), ts(2023, 6, 23, 6, 33, 31, 493)),
    ("finalRedirect", CONTOSO, MSFT, ts(2021, 1, 2, 3, 4, 5), ts(2023, 2, 3, 4, 5, 6)),
    ("iframe", BAD, CONTOSO, ts(2023, 1, 1, 0, 0, 1), ts(2023, 7, 1, 0, 0, 1)),
    ("redirect", LOGIN, CONTOSO, ts(2020, 6, 6, 6, 6, 6), ts(2022, 6, 6, 6, 6, 6)),
]:
    emit({"@odata.type": NS + "hostPair", "id": b64(f"{kind}$${parent}$${parent}$${child}"),
          "firstSeenDateTime": first, "lastSeenDateTime": last, "linkKind": kind,
          "parentHost": ref("hostname", parent), "childHost": ref("hostname", child)})

# ------------------------------------------------------------------------------------------------ ssl certificates
CERT1_SHA1 = "fb96551505f1edb24dd3b36fcffdb765833b8118"
CERT2_SHA1 = "a3b59e5fe884ee1f34d98eef858e3fb662ac104a"
CERT1 = b64(CERT1_SHA1)
CERT2 = b64(CERT2_SHA1)


def colons(h):
    return ":".join(h[i:i + 2] for i in range(0, len(h), 2))


def address(city, country, postal, state, street, pobox):
    return {"city": city, "countryOrRegion": country, "postalCode": postal, "state": state, "street": street,
            "postOfficeBox": pobox, "type": "business"}


emit({"@odata.type": NS + "sslCertificate", "id": CERT1, "fingerprint": colons(CERT1_SHA1), "sha1": CERT1_SHA1,
      "serialNumber": "1137389559885717770175191329273386705719099773",
      "firstSeenDateTime": ts(2023, 3, 10, 1, 20, 47), "lastSeenDateTime": ts(2023, 4, 2),
      "issueDateTime": ts(2023, 3, 9, 18, 56, 17), "expirationDateTime": ts(2024, 3, 3, 18, 56, 17),
      "subject": {"commonName": CONTOSO, "email": "hostmaster@contoso.com", "givenName": "Host",
                  "surname": "Master", "organizationName": "Contoso Corporation",
                  "organizationUnitName": "IT", "serialNumber": "CONTOSO-001",
                  "alternateNames": [CONTOSO, WWW, LOGIN, MAIL],
                  "address": address("Redmond", "US", "98052", "WA", "1 Contoso Way", "PO 100")},
      "issuer": {"commonName": "Contoso TLS Issuing CA 05", "email": "pki@contoso.com", "givenName": "Issuing",
                 "surname": "Authority", "organizationName": "Contoso PKI", "organizationUnitName": "Trust Services",
                 "serialNumber": "0A1B2C3D", "alternateNames": ["ca.contoso.com"],
                 "address": address("Seattle", "US", "98101", "WA", "2 Trust Street", "PO 200")},
      "relatedHosts": [ref("hostname", CONTOSO), ref("hostname", WWW), ref("ipAddress", IP), ref("ipAddress", IP6)]})
emit({"@odata.type": NS + "sslCertificate", "id": CERT2, "fingerprint": colons(CERT2_SHA1), "sha1": CERT2_SHA1,
      "serialNumber": "3300000001e2a9f1a97c8f9c52000000000001",
      "firstSeenDateTime": ts(2022, 1, 10), "lastSeenDateTime": ts(2023, 1, 2),
      "issueDateTime": ts(2022, 1, 9), "expirationDateTime": ts(2023, 1, 9),
      "subject": {"commonName": MSFT, "email": None, "givenName": None, "surname": None,
                  "organizationName": "Microsoft Corporation", "organizationUnitName": None, "serialNumber": None,
                  "alternateNames": [MSFT, "www.microsoft.com"],
                  "address": address("Redmond", "US", None, "WA", None, None)},
      "issuer": {"commonName": "Microsoft Azure TLS Issuing CA 06", "email": None, "givenName": None,
                 "surname": None, "organizationName": "Microsoft Corporation", "organizationUnitName": None,
                 "serialNumber": None, "alternateNames": [],
                 "address": address(None, "US", None, None, None, None)},
      "relatedHosts": [ref("hostname", MSFT)]})

# ----------------------------------------------------------------------------------------- host ssl certificates
for host, ty, cert, ports in [(CONTOSO, "hostname", CERT1, [443, 8443]), (IP, "ipAddress", CERT1, [443]),
                              (MSFT, "hostname", CERT2, [443])]:
    sha1 = CERT1_SHA1 if cert == CERT1 else CERT2_SHA1
    emit({"@odata.type": NS + "hostSslCertificate", "id": opaque(f"{host}$${sha1}"),
          "firstSeenDateTime": ts(2023, 3, 10, 1, 20, 47), "lastSeenDateTime": ts(2023, 4, 2),
          "ports": [{"port": p, "firstSeenDateTime": ts(2023, 3, 10, 1, 20, 47), "lastSeenDateTime": ts(2023, 4, 2)}
                    for p in ports],
          "host": ref(ty, host), "sslCertificate": {"@odata.type": NS + "sslCertificate", "id": cert}})

# ------------------------------------------------------------------------------------------------------ host ports
def port_entity(host, port, protocol, status, comps, cert, times, banners):
    e = {"@odata.type": NS + "hostPort", "id": b64(f"{host}$${port}"), "port": port, "protocol": protocol,
         "status": status, "firstSeenDateTime": ts(2016, 12, 6, 20, 23, 38),
         "lastSeenDateTime": ts(2023, 7, 18, 23, 24, 1), "lastScanDateTime": ts(2023, 7, 18, 23, 24, 29),
         "timesObserved": times, "banners": banners,
         "services": [{"firstSeenDateTime": c["firstSeenDateTime"], "lastSeenDateTime": c["lastSeenDateTime"],
                       "isRecent": j == 0,
                       "component": {"@odata.type": NS + "hostComponent", "id": c["id"], "name": c["name"],
                                     "version": c["version"], "category": c["category"],
                                     "firstSeenDateTime": c["firstSeenDateTime"],
                                     "lastSeenDateTime": c["lastSeenDateTime"]}}
                      for j, c in enumerate(comps)],
         "host": ref("ipAddress" if host[0].isdigit() else "hostname", host)}
    if cert:
        e["mostRecentSslCertificate"] = {"@odata.type": NS + "sslCertificate", "id": cert}
    return e


banner = {"banner": "HTTP/1.1 302 Found\r\nServer: nginx\r\nLocation: https://contoso.com/",
          "firstSeenDateTime": ts(2023, 6, 21, 0, 49, 23), "lastSeenDateTime": ts(2023, 7, 18, 15, 31, 57),
          "scanProtocol": "http_raw", "timesObserved": 2}
banner2 = {"banner": "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3", "firstSeenDateTime": ts(2021, 3, 12, 15, 38, 42),
           "lastSeenDateTime": ts(2023, 7, 18, 15, 22, 16), "scanProtocol": "ssh", "timesObserved": 2975}
emit(port_entity(IP, 443, "tcp", "open", [components[2]], CERT1, 15590, [banner]))
emit(port_entity(IP, 22, "tcp", "filtered", [components[3]], None, 3000, [banner2]))
emit(port_entity(IP, 53, "udp", "closed", [], None, 12, []))
emit(port_entity(CONTOSO, 443, "tcp", "open", [components[0], components[1]], CERT1, 4242, [banner]))

# ------------------------------------------------------------------------------------------------------ reputation
emit({"@odata.context": f"$metadata#security/threatIntelligence/hosts('{CONTOSO}')/reputation",
      "value": [{"@odata.type": NS + "hostReputation", "id": "6c6d5e2f-4a3b-4e1f-9c2d-1e3b9dedabb6",
                 "classification": "suspicious", "score": 42,
                 "rules": [{"name": "Registrar", "description": "Domains registered using this registrar are sometimes "
                            "associated with suspicious behavior", "severity": "medium", "relatedDetailsUrl": None},
                           {"name": "Microsoft Defender Threat Intelligence Intel Article",
                            "description": "Activity Snapshot: Contoso phishing wave", "severity": "high",
                            "relatedDetailsUrl": "https://ti.example/article/a272d5ab"}]}]})
emit({"@odata.context": f"$metadata#security/threatIntelligence/hosts('{BAD}')/reputation",
      "value": [{"@odata.type": NS + "hostReputation", "id": "1e3b9ded-abb6-1828-c4ef-a5ca48b287a0",
                 "classification": "malicious", "score": 100,
                 "rules": [{"name": "Name server", "description": "Domain is using a name server that has been "
                            "associated with suspicious behavior", "severity": "low", "relatedDetailsUrl": None}]}]})

# ----------------------------------------------------------------------------------------------------------- whois
def contact(name, org, state, email="noreply@contoso.com", city="Redmond"):
    return {"email": email, "name": name, "organization": org, "telephone": "+1.5555555555", "fax": "+1.5555555556",
            "address": {"city": city, "countryOrRegion": "US", "postalCode": "98052", "state": state,
                        "street": "123 Fake St.", "postOfficeBox": "PO 42", "type": "business"}}


def whois_body(host, state, registrar_org, reg, exp, upd, nameservers, server, raw, n):
    return {
        "registrationDateTime": reg, "expirationDateTime": exp, "lastUpdateDateTime": upd,
        "firstSeenDateTime": ts(2009, 1, 5, 0, 0, n), "lastSeenDateTime": ts(2023, 7, 1, 0, 0, n),
        "whoisServer": server, "domainStatus": "client update prohibited,client transfer prohibited,client delete prohibited",
        "rawWhoisText": raw,
        "abuse": contact("Abuse Desk", "Contoso Abuse", state),
        "admin": contact("Domain Administrator", "Contoso Org", state),
        "billing": contact("Billing Dept", "Contoso Billing", state),
        "noc": contact("Network Operations", "Contoso NOC", state),
        "registrant": contact("Domain Administrator", "Contoso Corporation", state),
        "registrar": contact("Registrar Desk", registrar_org, state, email="abuse@registrar.example", city="Boise"),
        "technical": contact("Hostmaster", "Contoso Corporation", state),
        "zone": contact("Zone Admin", "Contoso DNS", state),
        "nameservers": [{"firstSeenDateTime": ts(2011, 1, 1), "lastSeenDateTime": ts(2023, 7, 1),
                         "host": ref("hostname", ns)} for ns in nameservers],
        "host": ref("hostname", host),
    }


WHOIS_CONTOSO = b64(f"{CONTOSO}$$6964781207746572433")
WHOIS_MSFT = b64(f"{MSFT}$$1234567890123456789")
history = []
for n, (reg, exp, upd) in enumerate([(ts(2009, 1, 5), ts(2021, 8, 31), ts(2020, 6, 24, 8, 34, 15, 984)),
                                     (ts(2009, 1, 5), ts(2022, 8, 31), ts(2021, 6, 24, 8, 34, 15, 984))]):
    history.append({"@odata.type": NS + "whoisHistoryRecord", "id": b64(f"{CONTOSO}$$history$${n}"),
                    **whois_body(CONTOSO, "WA", "MarkMonitor Inc.", reg, exp, upd, [NS1], "whois.markmonitor.com",
                                 f"Domain Name: CONTOSO.COM\nRegistry Expiry Date: {exp}\n", n + 1)})
emit({"@odata.type": NS + "whoisRecord", "id": WHOIS_CONTOSO,
      **whois_body(CONTOSO, "WA", "MarkMonitor Inc.", ts(2009, 1, 5), ts(2024, 8, 31), ts(2023, 6, 24, 8, 34, 15, 984),
                   [NS1, NS2], "rdap.markmonitor.com",
                   "Registrar: \n  Handle: 1891582_DOMAIN_COM-VRSN\n  LDH Name: contoso.com\n", 0),
      "history": history})
emit({"@odata.type": NS + "whoisRecord", "id": WHOIS_MSFT,
      **whois_body(MSFT, "CA", "MarkMonitor Inc.", ts(1991, 5, 2), ts(2025, 5, 3), ts(2023, 3, 12, 12, 0, 0), [NS2],
                   "whois.markmonitor.com", "Domain Name: MICROSOFT.COM\n", 9)})

# -------------------------------------------------------------------------------------------------------- articles
ART_PHISH = "a272d5ab"
ART_LOG4J = "831b70a4"
ART_EXTRA = [f"{0xb0000000 + i:08x}" for i in range(3)]
AI_CONTOSO = b64(CONTOSO)
AI_IP = b64(IP)
AI_BAD = b64(BAD)


def indicator(id_, source, ty, artifact):
    return {"@odata.type": NS + "articleIndicator", "id": id_, "source": source, "artifact": ref(ty, artifact)}


def article(id_, title, created, updated, featured, tags, image, indicators, summary, body_fmt="markdown"):
    return {"@odata.type": NS + "article", "id": id_, "title": title, "createdDateTime": created,
            "lastUpdatedDateTime": updated, "isFeatured": featured, "tags": tags, "imageUrl": image,
            "summary": {"content": summary, "format": "text"},
            "body": {"content": f"#### Description\r\n{summary}\r\n", "format": body_fmt},
            "indicators": indicators}


emit(article(ART_PHISH, "Contoso phishing wave uses lookalike login pages", ts(2023, 3, 3, 18, 20, 22, 677),
             ts(2023, 3, 4, 9, 0, 0), True, ["Phishing", "Contoso", "OSINT"], "https://ti.example/img/a272d5ab.png",
             [indicator(AI_CONTOSO, "microsoft", "hostname", CONTOSO), indicator(AI_IP, "osint", "ipAddress", IP),
              indicator(AI_BAD, "public", "hostname", BAD)],
             "Attackers host lookalike login pages that redirect through contoso.com."))
emit(article(ART_LOG4J, "Log4Shell exploitation continues against unpatched servers", ts(2021, 12, 11, 10, 0, 0),
             ts(2022, 1, 15, 12, 30, 0), False, ["Log4j", "CVE-2021-44228"], None,
             [indicator(AI_IP, "osint", "ipAddress", IP)],
             "Threat actors keep exploiting CVE-2021-44228 (Log4j) in internet-facing applications.", "html"))
for i, aid in enumerate(ART_EXTRA):
    emit(article(aid, f"Weekly threat digest {i + 1}", ts(2023, 5, 1 + i), ts(2023, 5, 2 + i), False,
                 ["Digest"], None, [], f"Digest number {i + 1} of the weekly series.", "text"))

# ---------------------------------------------------------------------------------------------------- intelProfiles
PROFILE_ACTOR = hashlib.sha256(b"Aqua Blizzard").hexdigest()
PROFILE_TOOL = "cobalt-strike"
IPI_BAD = b64(f"{PROFILE_ACTOR}$${BAD}")
IPI_IP2 = opaque(f"{PROFILE_ACTOR}$${IP2}", need="/=")
IPI_TOOL = b64(f"{PROFILE_TOOL}$${IP}")


def fc(content, fmt):
    return {"content": content, "format": fmt}


emit({"@odata.type": NS + "intelligenceProfile", "id": PROFILE_ACTOR, "kind": "actor", "title": "Aqua Blizzard",
      "firstActiveDateTime": ts(2020, 2, 24), "aliases": ["Primitive Bear", "ACTINIUM", "Gamaredon"],
      "targets": ["Government Agencies & Services: Defense", "Non-Government Organization: Human Rights Organization"],
      "countriesOrRegionsOfOrigin": [{"label": "Fabrikam", "code": "FB"}, {"label": "Tailspin", "code": "TS"}],
      "summary": fc("Aqua Blizzard is a nation-state activity group.", "text"),
      "description": fc("## Snapshot\r\nAqua Blizzard (ACTINIUM) is a nation-state activity group ...", "markdown"),
      "tradecraft": fc("<p>Spear phishing with remote template injection.</p>", "html"),
      "indicators": [
          {"@odata.type": NS + "intelligenceProfileIndicator", "id": IPI_BAD, "source": "microsoft",
           "firstSeenDateTime": ts(2022, 5, 2, 23, 9, 20), "lastSeenDateTime": ts(2023, 1, 1, 0, 0, 0),
           "artifact": ref("hostname", BAD)},
          {"@odata.type": NS + "intelligenceProfileIndicator", "id": IPI_IP2, "source": "osint",
           "firstSeenDateTime": ts(2021, 7, 7, 7, 7, 7), "lastSeenDateTime": ts(2022, 8, 8, 8, 8, 8),
           "artifact": ref("ipAddress", IP2)}]})
emit({"@odata.type": NS + "intelligenceProfile", "id": PROFILE_TOOL, "kind": "tool", "title": "Cobalt Strike",
      "firstActiveDateTime": ts(2012, 1, 1), "aliases": ["CS", "Beacon"], "targets": ["Any"],
      "countriesOrRegionsOfOrigin": [],
      "summary": fc("Commercial adversary simulation software abused by many actors.", "text"),
      "description": fc("Cobalt Strike is a commercial penetration testing tool ...", "markdown"),
      "tradecraft": fc("Beacon payloads over HTTP(S) and DNS.", "text"),
      "indicators": [
          {"@odata.type": NS + "intelligenceProfileIndicator", "id": IPI_TOOL, "source": "public",
           "firstSeenDateTime": ts(2023, 2, 2, 2, 2, 2), "lastSeenDateTime": None, "artifact": ref("ipAddress", IP)}]})

# -------------------------------------------------------------------------------------------------- vulnerabilities
CVE = "CVE-2021-44228"
VC_CORE = b64(f"{CVE.lower()}$$Apache Software Foundation Log4j 2.0")
VC_API = opaque(f"{CVE.lower()}$$log4j-api", need="+=")
emit({"@odata.type": NS + "vulnerability", "id": CVE, "createdDateTime": ts(2021, 11, 27, 13, 18, 28, 240),
      "lastModifiedDateTime": ts(2023, 2, 6, 18, 53), "publishedDateTime": ts(2021, 12, 10, 18, 15),
      "description": fc("Apache Log4j2 2.0-beta9 through 2.15.0 JNDI features do not protect against attacker "
                        "controlled LDAP endpoints.", "markdown"),
      "remediation": fc("##### Upgrade Apache Log4j to 2.17.1 or later.", "markdown"),
      "priorityScore": 100, "severity": "critical", "commonWeaknessEnumerationIds": ["CWE-20", "CWE-400", "CWE-502"],
      "cvss2Summary": {"score": 9.3, "severity": "high", "vectorString": "AV:N/AC:M/Au:N/C:C/I:C/A:C"},
      "cvss3Summary": {"score": 10.0, "severity": "critical",
                       "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"},
      "hasChatter": True, "exploitsAvailable": True, "activeExploitsObserved": True,
      "exploits": [{"name": "Packet Storm 165225", "url": "http://packetstormsecurity.com/files/165225/"}],
      "references": [{"name": "MSRC blog", "url": "https://msrc.example/2021/12/11/log4j/"},
                     {"name": "NVD", "url": "https://nvd.example/vuln/detail/CVE-2021-44228"}],
      "components": [{"@odata.type": NS + "vulnerabilityComponent", "id": VC_CORE,
                      "name": "Apache Software Foundation Log4j 2.0"},
                     {"@odata.type": NS + "vulnerabilityComponent", "id": VC_API, "name": "Apache Log4j API"}],
      "articles": [{"@odata.type": NS + "article", "id": ART_LOG4J}, {"@odata.type": NS + "article", "id": ART_PHISH}]})
emit({"@odata.type": NS + "vulnerability", "id": "CVE-2023-0001", "createdDateTime": ts(2023, 1, 2),
      "lastModifiedDateTime": ts(2023, 1, 3), "publishedDateTime": ts(2023, 1, 4),
      "description": fc("A low-severity example vulnerability.", "text"), "remediation": None,
      "priorityScore": 5, "severity": "low", "commonWeaknessEnumerationIds": [],
      "cvss2Summary": {"score": 2.1, "severity": "low", "vectorString": "AV:L/AC:H/Au:N/C:N/I:P/A:N"},
      "cvss3Summary": {"score": 3.3, "severity": "low", "vectorString": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:L/A:N"},
      "hasChatter": False, "exploitsAvailable": False, "activeExploitsObserved": False, "exploits": [],
      "references": [], "components": [], "articles": []})

# ------------------------------------------------------------------------------------------------------------ write
ids = [o.get("id", "") for o in lines] + [x["id"] for o in lines for x in (o["value"] if "@odata.context" in o else [])]
for c in "=+/":
    assert any(c in i for i in ids), f"no id contains {c!r}"
with open(OUT, "w") as f:
    for o in lines:
        f.write(json.dumps(o, ensure_ascii=False, separators=(",", ":")) + "\n")
print(f"wrote {len(lines)} lines to {OUT}", file=sys.stderr)
