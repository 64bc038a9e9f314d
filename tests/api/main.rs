//! tenantsim's integration tests: one binary, in-process requests, a fresh database per test.

mod binary;
mod common;
mod users;
