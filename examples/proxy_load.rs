//! A keep-alive HTTPS load generator for `bench/proxy`: authenticated `GET`s either straight to
//! tenantsim's HTTPS listener or through its proxy (`CONNECT graph.microsoft.com:443`, then TLS
//! for that name), so the two figures differ only by the proxy. wrk cannot tunnel through a
//! proxy, hence this client: one TLS session per connection, HTTP/1.1, one request in flight.
//!
//!     cargo build --release --example proxy_load
//!     target/release/examples/proxy_load MODE ADDR CA_FILE TOKEN CONNECTIONS SECONDS
//!
//! MODE is `direct` (ADDR is the HTTPS listener, the certificate names `localhost`) or `proxy`
//! (ADDR is the proxy). Prints one JSON line: `{"mode", "connections", "requests",
//! "requests_per_second", "p50_ms", "p99_ms", "errors"}`.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

const PATH: &str = "/v1.0/users/AdeleV@contoso.onmicrosoft.com";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, mode, addr, ca_file, token, connections, seconds] = args.as_slice() else {
        anyhow::bail!("usage: proxy_load direct|proxy ADDR CA_FILE TOKEN CONNECTIONS SECONDS");
    };
    let proxied = match mode.as_str() {
        "direct" => false,
        "proxy" => true,
        other => anyhow::bail!("unknown mode {other}"),
    };
    let connections: usize = connections.parse()?;
    let duration = Duration::from_secs_f64(seconds.parse()?);
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let pem = std::fs::read_to_string(ca_file)?;
    let der: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(
        base64::engine::general_purpose::STANDARD.decode(der)?,
    ))?;
    let config = Arc::new(
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );
    let host = if proxied {
        "graph.microsoft.com"
    } else {
        "localhost"
    };
    let request =
        format!("GET {PATH} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n");
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let config = config.clone();
        let request = request.clone();
        let addr = addr.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let connected = connect(&addr, proxied, host, config).await;
            let Ok(stream) = connected else {
                return (latencies, 1);
            };
            // Buffered both ways: the head is read a byte at a time from the buffer.
            let mut stream = tokio::io::BufStream::new(stream);
            while Instant::now() < deadline {
                let started = Instant::now();
                match exchange(&mut stream, request.as_bytes()).await {
                    Ok(200) => latencies.push(started.elapsed()),
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (mut own, own_errors) = task.await?;
        latencies.append(&mut own);
        errors += own_errors;
    }
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{{\"mode\":\"{mode}\",\"connections\":{connections},\"requests\":{},\"requests_per_second\":{:.0},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"errors\":{errors}}}",
        latencies.len(),
        latencies.len() as f64 / duration.as_secs_f64(),
        at(0.5),
        at(0.99)
    );
    Ok(())
}

/// A TLS session to tenantsim, straight or through a CONNECT tunnel.
async fn connect(
    addr: &str,
    proxied: bool,
    host: &'static str,
    config: Arc<rustls::ClientConfig>,
) -> io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    if proxied {
        tcp.write_all(
            format!("CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n").as_bytes(),
        )
        .await?;
        let head = read_head(&mut tcp).await?;
        if !head.starts_with(b"HTTP/1.1 200") {
            return Err(io::Error::other("the proxy refused the tunnel"));
        }
    }
    let name = ServerName::try_from(host).map_err(io::Error::other)?;
    tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
}

/// Sends one request and reads its response (Content-Length framing); returns the status.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &[u8],
) -> io::Result<u16> {
    stream.write_all(request).await?;
    stream.flush().await?;
    let head = read_head(stream).await?;
    let text = String::from_utf8_lossy(&head);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let length: usize = text
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .ok_or_else(|| io::Error::other("no Content-Length"))?;
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await?;
    Ok(status)
}

/// Reads a response head byte by byte (small heads; keeps the body in the stream).
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(512);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    Ok(head)
}
