//! tenantsim's integration tests: one binary, in-process requests, a fresh database per test.

mod auth;
mod authorization_policy;
mod bad_input;
mod batch;
mod binary;
mod common;
mod concurrency;
mod control;
mod delta;
mod errors;
mod golden;
mod grants;
mod groups;
mod identity;
mod isolation;
mod limits;
mod linkedin;
mod members;
mod odata;
mod readme;
mod security;
mod service_principals;
mod tenants_admin;
mod testing_helper;
mod ui;
mod users;
