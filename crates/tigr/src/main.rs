//! The tigr command-line binary.
fn main() {}
