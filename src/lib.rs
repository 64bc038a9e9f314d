//! tenantsim: a simulated Microsoft 365 / Entra ID tenant — Microsoft Graph, the identity
//! platform and the Office 365 LinkedIn account-connections feature — for tests, demos and labs.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod error;
pub mod fixtures;
pub mod graph;
pub mod odata;
pub mod request_context;
pub mod roles;
pub mod store;

pub use app::{AppState, Settings, build_router};
