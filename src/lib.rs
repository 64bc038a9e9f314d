//! tenantsim: a simulated Microsoft 365 / Entra ID tenant — Microsoft Graph, the identity
//! platform and the Office 365 LinkedIn account-connections feature — for tests, demos and labs.

pub mod admin;
pub mod app;
pub mod app_objects;
pub mod auth;
pub mod body_shape;
pub mod builtin;
pub mod c_math;
pub mod cli;
pub mod clock;
pub mod consent;
pub mod control;
pub mod directory_extensions;
pub mod entities;
pub mod error;
pub mod fixtures;
pub mod graph;
pub mod graph_permissions;
pub mod linkedin;
pub mod listener;
pub mod memory;
pub mod odata;
pub mod policy;
pub mod portal;
pub mod protocol;
pub mod proxy;
pub mod request_context;
pub mod roles;
pub mod server;
pub mod settings;
pub mod state;
pub mod store;
pub mod sts;
pub mod testing;
pub mod tls;
pub mod ui;

pub use app::build_router;
pub use settings::Settings;
pub use state::AppState;
