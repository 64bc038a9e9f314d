//! Running tenantsim: the plain HTTP listener and the HTTPS listener (rustls) over one router,
//! stopped together. Used by `tenantsim serve` and by in-process test harnesses.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use axum::Extension;
use axum_server::tls_rustls::RustlsConfig;
use tokio::sync::watch;

use crate::app::{self, AppState};
use crate::graph::wire::ListenerScheme;
use crate::tls::TlsMaterial;

/// Where to listen.
#[derive(Debug, Clone)]
pub struct Listen {
    pub http: SocketAddr,
    /// `None` serves plain HTTP only.
    pub https: Option<(SocketAddr, TlsMaterial)>,
}

/// Running listeners; dropping this does not stop them, `shutdown` does.
#[derive(Debug)]
pub struct Running {
    pub http: SocketAddr,
    pub https: Option<SocketAddr>,
    pub ca_path: Option<PathBuf>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// `http://…` of the plain listener.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http)
    }

    /// `https://localhost:…` of the TLS listener (the certificate names `localhost`).
    pub fn https_url(&self) -> Option<String> {
        self.https.map(|addr| {
            let host = if addr.ip().is_loopback() || addr.ip().is_unspecified() {
                "localhost".to_owned()
            } else {
                addr.ip().to_string()
            };
            format!("https://{host}:{}", addr.port())
        })
    }

    /// Asks both listeners to stop and waits until in-flight requests are done.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        for task in self.tasks {
            task.await.context("listener task")??;
        }
        Ok(())
    }

    /// Completes once the listeners have stopped (after `stop_on` fired).
    pub async fn wait(self) -> anyhow::Result<()> {
        for task in self.tasks {
            task.await.context("listener task")??;
        }
        Ok(())
    }

    /// A handle that stops the listeners when sent `true`.
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.stop.clone()
    }
}

/// Binds both listeners and starts serving `state`.
pub async fn start(state: AppState, listen: Listen) -> anyhow::Result<Running> {
    let router = app::build_router(state);
    let (stop, stopped) = watch::channel(false);
    let listener = tokio::net::TcpListener::bind(listen.http)
        .await
        .with_context(|| format!("binding {}", listen.http))?;
    let http = listener.local_addr()?;
    let mut tasks = Vec::new();
    let mut http_stopped = stopped.clone();
    let http_router = router.clone();
    tasks.push(tokio::spawn(async move {
        app::serve(listener, http_router, async move {
            let _ = http_stopped.wait_for(|stop| *stop).await;
        })
        .await
    }));
    let (https, ca_path) = match listen.https {
        None => (None, None),
        Some((addr, material)) => {
            let config =
                RustlsConfig::from_pem(material.chain_pem.clone(), material.key_pem.clone())
                    .await
                    .context("loading the TLS certificate and key")?;
            let handle = axum_server::Handle::new();
            let tls_router = router.layer(Extension(ListenerScheme("https")));
            let server = axum_server::bind_rustls(addr, config).handle(handle.clone());
            tasks.push(tokio::spawn(async move {
                server.serve(tls_router.into_make_service()).await
            }));
            let mut tls_stopped = stopped.clone();
            let stop_handle = handle.clone();
            tokio::spawn(async move {
                let _ = tls_stopped.wait_for(|stop| *stop).await;
                stop_handle.graceful_shutdown(Some(Duration::from_secs(10)));
            });
            let bound = handle
                .listening()
                .await
                .with_context(|| format!("binding {addr}"))?;
            (Some(bound), Some(material.ca_path))
        }
    };
    Ok(Running {
        http,
        https,
        ca_path,
        stop,
        tasks,
    })
}
