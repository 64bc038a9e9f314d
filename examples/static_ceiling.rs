//! The machine's ceiling for `bench/compare`: a minimal axum server that answers
//! `GET /v1.0/users/{id}` with fixed JSON bytes and does nothing else (no auth, no store, no
//! middleware), on the same runtime and HTTP stack as tenantsim.
//!
//!     cargo build --release --example static_ceiling
//!     target/release/examples/static_ceiling BODY_FILE [PORT]
//!
//! Serves the bytes of BODY_FILE on 127.0.0.1:PORT (default 0, a free port) and prints
//! `listening on http://ADDR` once bound.

use axum::{Router, body::Bytes, http::header, routing::get};

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
    let app = Router::new().route(
        "/v1.0/users/{id}",
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
