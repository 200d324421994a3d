-- tigr embedded store, schema version 4: a detected component keeps the id of the detection rule that found it, so
-- a detection can be explained (storage-only: the schema has no property for it).
ALTER TABLE "hostComponent" ADD COLUMN "detectedBy" TEXT;
