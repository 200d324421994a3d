//! What each collection lets a query do, for `tigr_odata` validation (filled in once the odata AST lands).
