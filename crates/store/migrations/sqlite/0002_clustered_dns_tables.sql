-- tigr embedded store, schema version 2: the tables passive DNS ingest writes most (host, passiveDnsRecord,
-- subdomain, unclassifiedArtifact) become WITHOUT ROWID tables clustered on their id. Each upsert then updates one
-- B-tree fewer (no separate rowid table behind the id index), and a lookup by id reads the row where it finds it.
-- Columns and indexes are unchanged.

CREATE TABLE "host_v2" (
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
) WITHOUT ROWID;
INSERT INTO "host_v2" SELECT id, "firstSeenDateTime", "lastSeenDateTime", "registrant", "registrar",
    "autonomousSystem", "countryOrRegion", "hostingProvider", "netblock", "type" FROM "host";
DROP TABLE "host";
ALTER TABLE "host_v2" RENAME TO "host";
CREATE INDEX host_by_type ON "host" ("type", id);

CREATE TABLE "passiveDnsRecord_v2" (
    id TEXT PRIMARY KEY NOT NULL,
    "collectedDateTime" INTEGER,
    "firstSeenDateTime" INTEGER,
    "lastSeenDateTime" INTEGER,
    "recordType" TEXT,
    "artifact" TEXT,
    "artifactType" TEXT,
    "parentHost" TEXT,
    "observations" INTEGER
) WITHOUT ROWID;
INSERT INTO "passiveDnsRecord_v2" SELECT id, "collectedDateTime", "firstSeenDateTime", "lastSeenDateTime",
    "recordType", "artifact", "artifactType", "parentHost", "observations" FROM "passiveDnsRecord";
DROP TABLE "passiveDnsRecord";
ALTER TABLE "passiveDnsRecord_v2" RENAME TO "passiveDnsRecord";
CREATE INDEX pdns_by_name ON "passiveDnsRecord" ("parentHost", id);
CREATE INDEX pdns_by_name_last ON "passiveDnsRecord" ("parentHost", "lastSeenDateTime");
CREATE INDEX pdns_by_value ON "passiveDnsRecord" ("artifact", id);
CREATE INDEX pdns_by_value_last ON "passiveDnsRecord" ("artifact", "lastSeenDateTime");

CREATE TABLE "subdomain_v2" (
    id TEXT PRIMARY KEY NOT NULL,
    "firstSeenDateTime" INTEGER,
    "host" TEXT,
    "parent" TEXT
) WITHOUT ROWID;
INSERT INTO "subdomain_v2" SELECT id, "firstSeenDateTime", "host", "parent" FROM "subdomain";
DROP TABLE "subdomain";
ALTER TABLE "subdomain_v2" RENAME TO "subdomain";
CREATE INDEX subdomain_by_parent ON "subdomain" ("parent", id);

CREATE TABLE "unclassifiedArtifact_v2" (
    id TEXT PRIMARY KEY NOT NULL,
    "kind" TEXT,
    "value" TEXT
) WITHOUT ROWID;
INSERT INTO "unclassifiedArtifact_v2" SELECT id, "kind", "value" FROM "unclassifiedArtifact";
DROP TABLE "unclassifiedArtifact";
ALTER TABLE "unclassifiedArtifact_v2" RENAME TO "unclassifiedArtifact";
