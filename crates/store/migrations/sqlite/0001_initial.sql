-- tigr embedded store, schema version 1: one table per concrete entity type (both host types share "host").
-- Columns are named as the JSON properties; DateTimeOffsets are INTEGER microseconds since the epoch;
-- complex values and collections are JSON text. layout.rs derives the same column list from the schema (a test checks).

CREATE TABLE "host" (
    id TEXT PRIMARY KEY NOT NULL,
    "firstSeenDateTime" INTEGER,
    "lastSeenDateTime" INTEGER,
    "registrant" TEXT,
    "registrar" TEXT,
    "autonomousSystem" TEXT,
    "countryOrRegion" TEXT,
    "hostingProvider" TEXT,
    "netblock" TEXT,
    "type" TEXT
);
CREATE TABLE "hostReputation" (
    id TEXT PRIMARY KEY NOT NULL,
    "classification" TEXT,
    "rules" TEXT,
    "score" INTEGER,
    "host" TEXT
);
CREATE TABLE "passiveDnsRecord" (
    id TEXT PRIMARY KEY NOT NULL,
    "collectedDateTime" INTEGER,
    "firstSeenDateTime" INTEGER,
    "lastSeenDateTime" INTEGER,
    "recordType" TEXT,
    "artifact" TEXT,
    "artifactType" TEXT,
    "parentHost" TEXT,
    "observations" INTEGER
);
CREATE TABLE "subdomain" (
    id TEXT PRIMARY KEY NOT NULL,
    "firstSeenDateTime" INTEGER,
    "host" TEXT,
    "parent" TEXT
);
CREATE TABLE "hostPort" (
    id TEXT PRIMARY KEY NOT NULL,
    "banners" TEXT,
    "firstSeenDateTime" INTEGER,
    "lastScanDateTime" INTEGER,
    "lastSeenDateTime" INTEGER,
    "port" INTEGER,
    "protocol" TEXT,
    "services" TEXT,
    "status" TEXT,
    "timesObserved" INTEGER,
    "host" TEXT,
    "mostRecentSslCertificate" TEXT
);
CREATE TABLE "hostComponent" (
    id TEXT PRIMARY KEY NOT NULL,
    "category" TEXT,
    "firstSeenDateTime" INTEGER,
    "lastSeenDateTime" INTEGER,
    "name" TEXT,
    "version" TEXT,
    "host" TEXT
);
CREATE TABLE "hostCookie" (
    id TEXT PRIMARY KEY NOT NULL,
    "domain" TEXT,
    "firstSeenDateTime" INTEGER,
    "lastSeenDateTime" INTEGER,
    "name" TEXT,
    "host" TEXT
);
CREATE TABLE "hostTracker" (
    id TEXT PRIMARY KEY NOT NULL,
    "firstSeenDateTime" INTEGER,
    "kind" TEXT,
    "lastSeenDateTime" INTEGER,
    "value" TEXT,
    "host" TEXT
);
CREATE TABLE "hostPair" (
    id TEXT PRIMARY KEY NOT NULL,
    "firstSeenDateTime" INTEGER,
    "lastSeenDateTime" INTEGER,
    "linkKind" TEXT,
    "childHost" TEXT,
    "parentHost" TEXT
);
CREATE TABLE "sslCertificate" (
    id TEXT PRIMARY KEY NOT NULL,
    "expirationDateTime" INTEGER,
    "fingerprint" TEXT,
    "firstSeenDateTime" INTEGER,
    "issueDateTime" INTEGER,
    "issuer" TEXT,
    "lastSeenDateTime" INTEGER,
    "serialNumber" TEXT,
    "sha1" TEXT,
    "subject" TEXT
);
CREATE TABLE "hostSslCertificate" (
    id TEXT PRIMARY KEY NOT NULL,
    "firstSeenDateTime" INTEGER,
    "lastSeenDateTime" INTEGER,
    "ports" TEXT,
    "host" TEXT,
    "sslCertificate" TEXT
);
CREATE TABLE "whoisRecord" (
    id TEXT PRIMARY KEY NOT NULL,
    "abuse" TEXT,
    "admin" TEXT,
    "billing" TEXT,
    "domainStatus" TEXT,
    "expirationDateTime" INTEGER,
    "firstSeenDateTime" INTEGER,
    "lastSeenDateTime" INTEGER,
    "lastUpdateDateTime" INTEGER,
    "nameservers" TEXT,
    "noc" TEXT,
    "rawWhoisText" TEXT,
    "registrant" TEXT,
    "registrar" TEXT,
    "registrationDateTime" INTEGER,
    "technical" TEXT,
    "whoisServer" TEXT,
    "zone" TEXT,
    "host" TEXT
);
CREATE TABLE "whoisHistoryRecord" (
    id TEXT PRIMARY KEY NOT NULL,
    "abuse" TEXT,
    "admin" TEXT,
    "billing" TEXT,
    "domainStatus" TEXT,
    "expirationDateTime" INTEGER,
    "firstSeenDateTime" INTEGER,
    "lastSeenDateTime" INTEGER,
    "lastUpdateDateTime" INTEGER,
    "nameservers" TEXT,
    "noc" TEXT,
    "rawWhoisText" TEXT,
    "registrant" TEXT,
    "registrar" TEXT,
    "registrationDateTime" INTEGER,
    "technical" TEXT,
    "whoisServer" TEXT,
    "zone" TEXT,
    "host" TEXT
);
CREATE TABLE "article" (
    id TEXT PRIMARY KEY NOT NULL,
    "body" TEXT,
    "createdDateTime" INTEGER,
    "imageUrl" TEXT,
    "isFeatured" INTEGER,
    "lastUpdatedDateTime" INTEGER,
    "summary" TEXT,
    "tags" TEXT,
    "title" TEXT
);
CREATE TABLE "articleIndicator" (
    id TEXT PRIMARY KEY NOT NULL,
    "source" TEXT,
    "artifact" TEXT,
    "artifactType" TEXT
);
CREATE TABLE "intelligenceProfile" (
    id TEXT PRIMARY KEY NOT NULL,
    "aliases" TEXT,
    "countriesOrRegionsOfOrigin" TEXT,
    "description" TEXT,
    "firstActiveDateTime" INTEGER,
    "kind" TEXT,
    "summary" TEXT,
    "targets" TEXT,
    "title" TEXT,
    "tradecraft" TEXT
);
CREATE TABLE "intelligenceProfileIndicator" (
    id TEXT PRIMARY KEY NOT NULL,
    "source" TEXT,
    "firstSeenDateTime" INTEGER,
    "lastSeenDateTime" INTEGER,
    "artifact" TEXT,
    "artifactType" TEXT
);
CREATE TABLE "vulnerability" (
    id TEXT PRIMARY KEY NOT NULL,
    "activeExploitsObserved" INTEGER,
    "commonWeaknessEnumerationIds" TEXT,
    "createdDateTime" INTEGER,
    "cvss2Summary" TEXT,
    "cvss3Summary" TEXT,
    "description" TEXT,
    "exploits" TEXT,
    "exploitsAvailable" INTEGER,
    "hasChatter" INTEGER,
    "lastModifiedDateTime" INTEGER,
    "priorityScore" INTEGER,
    "publishedDateTime" INTEGER,
    "references" TEXT,
    "remediation" TEXT,
    "severity" TEXT
);
CREATE TABLE "vulnerabilityComponent" (
    id TEXT PRIMARY KEY NOT NULL,
    "name" TEXT,
    "vulnerability" TEXT
);
CREATE TABLE "unclassifiedArtifact" (
    id TEXT PRIMARY KEY NOT NULL,
    "kind" TEXT,
    "value" TEXT
);

-- Navigations that neither side can hold in a column (article/intelProfile indicators, vulnerability articles,
-- certificate related hosts): kind is "<parentType>.<nav>".
CREATE TABLE "link" (
    kind TEXT NOT NULL,
    src TEXT NOT NULL,
    dst TEXT NOT NULL,
    "dstType" TEXT NOT NULL,
    PRIMARY KEY (kind, src, dst)
) WITHOUT ROWID;
CREATE INDEX link_by_dst ON "link" (kind, dst);

-- Every lookup the API makes has an index: forward and reverse passive DNS, host -> everything, certificate ->
-- hosts, whois history, indicators by artifact, vulnerability -> components.
CREATE INDEX host_by_type ON "host" ("type", id);
CREATE INDEX pdns_by_name ON "passiveDnsRecord" ("parentHost", id);
CREATE INDEX pdns_by_name_last ON "passiveDnsRecord" ("parentHost", "lastSeenDateTime");
CREATE INDEX pdns_by_value ON "passiveDnsRecord" ("artifact", id);
CREATE INDEX pdns_by_value_last ON "passiveDnsRecord" ("artifact", "lastSeenDateTime");
CREATE INDEX reputation_by_host ON "hostReputation" ("host");
CREATE INDEX subdomain_by_parent ON "subdomain" ("parent", id);
CREATE INDEX port_by_host ON "hostPort" ("host", id);
CREATE INDEX component_by_host ON "hostComponent" ("host", id);
CREATE INDEX cookie_by_host ON "hostCookie" ("host", id);
CREATE INDEX tracker_by_host ON "hostTracker" ("host", id);
CREATE INDEX pair_by_parent ON "hostPair" ("parentHost", id);
CREATE INDEX pair_by_child ON "hostPair" ("childHost", id);
CREATE INDEX cert_by_sha1 ON "sslCertificate" ("sha1");
CREATE INDEX hostcert_by_host ON "hostSslCertificate" ("host", id);
CREATE INDEX hostcert_by_cert ON "hostSslCertificate" ("sslCertificate", id);
CREATE INDEX whois_by_host ON "whoisRecord" ("host", id);
CREATE INDEX whois_history_by_host ON "whoisHistoryRecord" ("host", id);
CREATE INDEX article_indicator_by_artifact ON "articleIndicator" ("artifact", id);
CREATE INDEX profile_indicator_by_artifact ON "intelligenceProfileIndicator" ("artifact", id);
CREATE INDEX vuln_component_by_vuln ON "vulnerabilityComponent" ("vulnerability", id);
