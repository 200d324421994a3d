//! tigr-ingest (placeholder, filled in by its owner).
