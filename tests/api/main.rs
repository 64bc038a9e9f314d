//! tenantsim's integration tests: one binary, in-process requests, a fresh database per test.

mod auth;
mod binary;
mod common;
mod errors;
mod groups;
mod identity;
mod isolation;
mod members;
mod odata;
mod readme;
mod users;
