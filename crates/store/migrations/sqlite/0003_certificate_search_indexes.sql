-- tigr embedded store, schema version 3: the certificate $search forms are answered from indexes instead of a scan
-- of every certificate (seconds on a million). Each index is on exactly the expression query.rs writes for its form:
-- SQLite uses an expression index only for an identical expression (a test in sqlite.rs checks the plans).
CREATE INDEX cert_search_sha1 ON "sslCertificate" (replace(lower("sha1"), ':', ''));
CREATE INDEX cert_search_fingerprint ON "sslCertificate" (replace(lower("fingerprint"), ':', ''));
CREATE INDEX cert_search_serial ON "sslCertificate" (lower("serialNumber"));
CREATE INDEX cert_search_subject_cn ON "sslCertificate" (lower(json_extract("subject", '$.commonName')));
CREATE INDEX cert_search_issuer_cn ON "sslCertificate" (lower(json_extract("issuer", '$.commonName')));
