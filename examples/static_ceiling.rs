//! The machine's limits for `bench/compare`: a minimal axum server on the same runtime and HTTP
//! stack as tenantsim, with no auth, no store and no middleware. `GET /v1.0/users/{id}` answers
//! fixed JSON bytes (the limit for reads); `POST /v1.0/users` keeps the posted JSON object, with
//! a new `id`, in an in-memory map and answers it with 201, and a GET of that id answers it back
//! (the stateful limit for create-then-read pairs).
//!
//!     cargo build --release --example static_ceiling
//!     target/release/examples/static_ceiling BODY_FILE [PORT]
//!
//! Serves the bytes of BODY_FILE on 127.0.0.1:PORT (default 0, a free port) and prints
//! `listening on http://ADDR` once bound.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Router, body::Bytes, http::header, routing::get};

#[derive(Clone)]
struct Limits {
    body: Bytes,
    created: Arc<RwLock<HashMap<String, Bytes>>>,
}

async fn read(
    State(limits): State<Limits>,
    Path(id): Path<String>,
) -> impl axum::response::IntoResponse {
    let body = limits
        .created
        .read()
        .expect("lock")
        .get(&id)
        .cloned()
        .unwrap_or_else(|| limits.body.clone());
    ([(header::CONTENT_TYPE, "application/json")], body)
}

async fn create(State(limits): State<Limits>, body: Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let id = uuid::Uuid::new_v4().to_string();
    object.insert("id".into(), serde_json::Value::String(id.clone()));
    let stored = Bytes::from(serde_json::to_vec(&object).expect("json"));
    limits
        .created
        .write()
        .expect("lock")
        .insert(id, stored.clone());
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        stored,
    )
        .into_response()
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: static_ceiling BODY_FILE [PORT]");
        std::process::exit(2);
    };
    let port: u16 = match args.next().map(|p| p.parse()) {
        None => 0,
        Some(Ok(port)) => port,
        Some(Err(e)) => {
            eprintln!("bad port: {e}");
            std::process::exit(2);
        }
    };
    let body = Bytes::from(std::fs::read(&path)?);
    // Fail early if the bytes are not JSON: the ceiling must serve what tenantsim serves.
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(&body) {
        eprintln!("{path} is not JSON: {e}");
        std::process::exit(2);
    }
    let limits = Limits {
        body,
        created: Arc::default(),
    };
    let app = Router::new()
        .route("/v1.0/users/{id}", get(read))
        .route("/v1.0/users", axum::routing::post(create))
        .with_state(limits);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
