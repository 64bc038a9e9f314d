//! Running tenantsim: the plain HTTP listener and the HTTPS listener (rustls) over one router,
//! under one set of connection limits, stopped together. Used by `tenantsim serve` and by
//! in-process test harnesses.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use axum_server::tls_rustls::RustlsConfig;
use tokio::sync::watch;

use crate::app;
use crate::listener::{self, Limits};
use crate::protocol::wire::ListenerScheme;
use crate::state::AppState;
use crate::tls::TlsMaterial;

/// Where to listen.
#[derive(Debug, Clone)]
pub struct Listen {
    pub http: SocketAddr,
    /// `None` serves plain HTTP only.
    pub https: Option<(SocketAddr, TlsMaterial)>,
    /// The proxy for the Microsoft host names (`crate::proxy`) and its certificate, if any.
    pub proxy: Option<(SocketAddr, TlsMaterial)>,
    /// Timeouts, the connection cap and the shutdown bound, shared by both listeners.
    pub limits: Limits,
}

/// Running listeners; dropping this does not stop them, `shutdown` does.
#[derive(Debug)]
pub struct Running {
    pub http: SocketAddr,
    pub https: Option<SocketAddr>,
    pub proxy: Option<SocketAddr>,
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

    /// `http://127.0.0.1:…` of the proxy, the value of `HTTPS_PROXY`.
    pub fn proxy_url(&self) -> Option<String> {
        self.proxy.map(|addr| format!("http://{addr}"))
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
    start_service(app::build_service(state), listen).await
}

/// Binds both listeners and starts serving a service `app::build_service` made.
pub async fn start_service(
    service: impl listener::AppService,
    listen: Listen,
) -> anyhow::Result<Running> {
    let shared = listener::Shared::new(listen.limits);
    let (stop, stopped) = watch::channel(false);
    let plain = tokio::net::TcpListener::bind(listen.http)
        .await
        .with_context(|| format!("binding {}", listen.http))?;
    let http = plain.local_addr()?;
    let mut tasks = Vec::new();
    let http_router = listener::Served {
        service: service.clone(),
        scheme: ListenerScheme("http"),
    };
    tasks.push(tokio::spawn(listener::run(
        plain,
        listener::Front::Plain,
        http_router,
        shared.clone(),
        stopped.clone(),
    )));
    let secure_router = listener::Served {
        service,
        scheme: ListenerScheme("https"),
    };
    let proxy = match listen.proxy {
        None => None,
        Some((addr, material)) => {
            let (listener, acceptor) = bind_tls(addr, &material).await?;
            let bound = listener.local_addr()?;
            tasks.push(tokio::spawn(listener::run(
                listener,
                listener::Front::Proxy(acceptor),
                secure_router.clone(),
                shared.clone(),
                stopped.clone(),
            )));
            Some(bound)
        }
    };
    let (https, ca_path) = match listen.https {
        None => (None, None),
        Some((addr, material)) => {
            let (secure, acceptor) = bind_tls(addr, &material).await?;
            let bound = secure.local_addr()?;
            tasks.push(tokio::spawn(listener::run(
                secure,
                listener::Front::Tls(acceptor),
                secure_router,
                shared,
                stopped,
            )));
            (Some(bound), Some(material.ca_path))
        }
    };
    Ok(Running {
        http,
        https,
        proxy,
        ca_path,
        stop,
        tasks,
    })
}

/// Binds `addr` and builds its TLS acceptor (axum-server makes the rustls configuration, with
/// ALPN h2 and http/1.1).
async fn bind_tls(
    addr: SocketAddr,
    material: &TlsMaterial,
) -> anyhow::Result<(tokio::net::TcpListener, tokio_rustls::TlsAcceptor)> {
    let config = RustlsConfig::from_pem(material.chain_pem.clone(), material.key_pem.clone())
        .await
        .context("loading the TLS certificate and key")?;
    let acceptor = tokio_rustls::TlsAcceptor::from(config.get_inner());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    Ok((listener, acceptor))
}
