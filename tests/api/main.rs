//! tenantsim's integration tests: one binary, in-process requests, a fresh database per test.

mod common;
mod users;
