//! tigr-auth (placeholder, filled in by its owner).
