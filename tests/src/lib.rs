//! End-to-end tests across crates and processes live in tests/; this crate's
//! binaries are the helper processes they start.
