//! `serve --proxy-port`: an HTTP proxy (RFC 9110 §9.3.6, `CONNECT`) for the host names of the
//! Microsoft cloud tenantsim emulates, so a client keeps its production configuration
//! (`https://login.microsoftonline.com`, `https://graph.microsoft.com`) and only sets
//! `HTTPS_PROXY` and the CA. The tunnel ends here: tenantsim terminates TLS with a leaf its CA
//! issues for those names and serves the same router, so every absolute URL it emits (issuer,
//! discovery, `@odata.context`, `nextLink`) carries the real host name. Nothing is forwarded:
//! another host, another port, or a plain-HTTP proxy request (`GET http://…`) is refused.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The hosts the proxy answers for (port 443), in the public cloud and US Government: each
/// reaches its own cloud's tenants (`crate::protocol::cloud`).
pub const HOSTS: &[&str] = &[
    "login.microsoftonline.com",
    "login.windows.net",
    "sts.windows.net",
    "graph.microsoft.com",
    "main.iam.ad.ext.azure.com",
    "login.microsoftonline.us",
    "graph.microsoft.us",
];

/// The longest proxy request head read (a CONNECT line and a few headers).
const HEAD_LIMIT: usize = 8 * 1024;

/// What the proxy does with a request head.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// `CONNECT` to an emulated host on 443: open the tunnel (TLS follows).
    Tunnel(&'static str),
    /// Refused with this status and message; the connection closes.
    Refuse(u16, String),
}

/// Reads a proxy request head from `stream` and answers it: for a tunnel, `200` and the stream
/// (its next bytes are the client's TLS handshake); otherwise the refusal, and `None`.
pub async fn open_tunnel(mut stream: TcpStream) -> io::Result<Option<TcpStream>> {
    let head = read_head(&mut stream).await?;
    match decide(&head) {
        Decision::Tunnel(_) => {
            stream
                .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                .await?;
            Ok(Some(stream))
        }
        Decision::Refuse(status, message) => {
            let reason = if status == 400 {
                "Bad Request"
            } else {
                "Forbidden"
            };
            let response = format!(
                "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{message}",
                message.len()
            );
            stream.write_all(response.as_bytes()).await?;
            let _ = stream.shutdown().await;
            Ok(None)
        }
    }
}

/// Reads up to the blank line ending the head, a byte at a time: the tunnel's TLS bytes that
/// follow must stay in the socket.
async fn read_head(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") {
        if head.len() >= HEAD_LIMIT || stream.read(&mut byte).await? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    Ok(head)
}

/// The decision for a request head (no I/O).
pub fn decide(head: &[u8]) -> Decision {
    let text = String::from_utf8_lossy(head);
    let line = text.lines().next().unwrap_or_default();
    let mut parts = line.split_ascii_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Decision::Refuse(400, "tenantsim's proxy: not an HTTP proxy request.".into());
    };
    if !version.starts_with("HTTP/1.") {
        return Decision::Refuse(400, "tenantsim's proxy speaks HTTP/1.1 only.".into());
    }
    let target: String = target.chars().take(300).collect();
    if !method.eq_ignore_ascii_case("CONNECT") {
        return Decision::Refuse(
            403,
            format!(
                "tenantsim's proxy opens HTTPS tunnels (CONNECT) to {} only; it never forwards \
                 a request ({method} {target}): tenantsim has no network of its own.",
                HOSTS.join(", ")
            ),
        );
    }
    let (host, port) = target.rsplit_once(':').unwrap_or((target.as_str(), ""));
    let emulated = HOSTS.iter().find(|h| h.eq_ignore_ascii_case(host));
    match emulated {
        Some(host) if port == "443" => Decision::Tunnel(host),
        _ => Decision::Refuse(
            403,
            format!(
                "tenantsim's proxy answers for {} on port 443 only, not for {target}; it never \
                 forwards elsewhere: tenantsim has no network of its own.",
                HOSTS.join(", ")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_serves_exactly_the_host_names_the_cloud_wall_knows() {
        use crate::protocol::cloud::{PUBLIC_HOSTS, US_GOV_HOSTS};
        let known: Vec<&str> = PUBLIC_HOSTS.iter().chain(US_GOV_HOSTS).copied().collect();
        assert_eq!(HOSTS, known.as_slice());
    }

    #[test]
    fn tunnels_open_to_emulated_hosts_on_443_only() {
        assert_eq!(
            decide(b"CONNECT graph.microsoft.com:443 HTTP/1.1\r\nHost: graph.microsoft.com:443\r\n\r\n"),
            Decision::Tunnel("graph.microsoft.com")
        );
        assert_eq!(
            decide(b"connect LOGIN.microsoftonline.US:443 HTTP/1.0\r\n\r\n"),
            Decision::Tunnel("login.microsoftonline.us")
        );
        for refused in [
            &b"CONNECT example.com:443 HTTP/1.1\r\n\r\n"[..],
            b"CONNECT graph.microsoft.com:80 HTTP/1.1\r\n\r\n",
            b"CONNECT graph.microsoft.com HTTP/1.1\r\n\r\n",
            b"CONNECT graph.microsoft.com.evil.test:443 HTTP/1.1\r\n\r\n",
            b"GET http://graph.microsoft.com/v1.0/users HTTP/1.1\r\n\r\n",
        ] {
            assert!(
                matches!(decide(refused), Decision::Refuse(403, _)),
                "{}",
                String::from_utf8_lossy(refused)
            );
        }
        assert!(matches!(decide(b"\r\n\r\n"), Decision::Refuse(400, _)));
        assert!(matches!(
            decide(b"CONNECT a:443 SPDY/3\r\n\r\n"),
            Decision::Refuse(400, _)
        ));
    }
}
