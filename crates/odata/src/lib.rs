//! tigr-odata (placeholder, filled in by its owner).
