//! The accept loop both listeners share, with the limits that keep a misbehaving client from
//! holding the server: a header-read timeout (which also bounds the TLS handshake and the
//! protocol sniff), an idle timeout, a cap on open connections, and a bounded graceful
//! shutdown. Requests go straight from hyper to the router: nothing here runs per request on
//! HTTP/1 (hyper arms its header-read timer per request). The router is shared by reference
//! count: `axum::serve` rebuilt it for every connection (`with_state(())` re-boxes every
//! route), measured at about 160 KiB of the 300 KiB an idle connection cost (now 21–32 KiB).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::protocol::wire::ListenerScheme;

/// What a listener serves: `app::build_service`'s whole stack (every layer, then the routes).
/// Called by its concrete type: behind an `axum::Router` the request's future was boxed once
/// more than the front service boxes it (2.8 KB a request, a size that made glibc consolidate
/// its small free chunks) and the service cloned into a box as well.
pub trait AppService:
    tower::Service<
        hyper::Request<Body>,
        Response = Response,
        Error = Infallible,
        Future: Send + 'static,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> AppService for T where
    T: tower::Service<
            hyper::Request<Body>,
            Response = Response,
            Error = Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// Connection limits (`serve` flags; every one also `TENANTSIM_<FLAG>`).
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Seconds a client has to send a whole request head, counted from connect and, on an
    /// HTTP/1 keep-alive connection, from the previous response (so it is also HTTP/1's
    /// keep-alive idle timeout). The TLS handshake, and the plain listener's look at the first
    /// bytes for HTTP/2, each have the same bound before it.
    #[arg(long, env = "TENANTSIM_HEADER_READ_TIMEOUT", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=30))]
    pub header_read_timeout: u64,
    /// Seconds an HTTP/2 connection may stay open with no request in progress.
    #[arg(long, env = "TENANTSIM_IDLE_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout: u64,
    /// Open connections (both listeners together). At the cap each listener holds the one it
    /// accepted and stops accepting (the rest wait in the kernel's backlog) until one closes.
    #[arg(long, env = "TENANTSIM_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// Seconds SIGTERM/SIGINT waits for in-flight requests before closing every connection.
    #[arg(long, env = "TENANTSIM_SHUTDOWN_TIMEOUT", default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=10))]
    pub shutdown_timeout: u64,
}

/// The limits in force (see [`LimitArgs`] for what each means).
#[derive(Debug, Clone)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            shutdown_timeout: Duration::from_secs(5),
        }
    }
}

impl From<&LimitArgs> for Limits {
    fn from(args: &LimitArgs) -> Self {
        Self {
            header_read_timeout: Duration::from_secs(args.header_read_timeout),
            idle_timeout: Duration::from_secs(args.idle_timeout),
            max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
            shutdown_timeout: Duration::from_secs(args.shutdown_timeout),
        }
    }
}

/// What every connection of every listener shares: the limits, the connection slots and the
/// protocol builders (configured once, not per connection).
pub struct Shared {
    limits: Limits,
    slots: Arc<Semaphore>,
    /// When the cap was last reported, in ms since `started` (0: never), so a flood logs a
    /// line every few seconds rather than one per connection.
    full_logged_at: AtomicU64,
    started: Instant,
    http1: hyper::server::conn::http1::Builder,
    http2: hyper::server::conn::http2::Builder<TokioExecutor>,
}

impl Shared {
    pub fn new(limits: Limits) -> Arc<Self> {
        let mut http1 = hyper::server::conn::http1::Builder::new();
        http1
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .keep_alive(true)
            // Without it hyper reads the socket while each request is handled, to notice a
            // client leaving mid-request: one wasted `recvfrom` a request, and, as the request's
            // headers still share the read buffer, a fresh 8 KiB buffer each time. With it, a
            // request whose client leaves runs to its end (a write is not cut off halfway).
            .half_close(true);
        let mut http2 = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        http2
            .timer(TokioTimer::new())
            // Pings find dead peers; the idle watchdog below closes live but silent ones.
            .keep_alive_interval(limits.idle_timeout)
            .keep_alive_timeout(limits.header_read_timeout);
        Arc::new(Self {
            slots: Arc::new(Semaphore::new(limits.max_connections)),
            limits,
            full_logged_at: AtomicU64::new(0),
            started: Instant::now(),
            http1,
            http2,
        })
    }

    fn log_full(&self) {
        const EVERY_MS: u64 = 10_000;
        let now = self.started.elapsed().as_millis() as u64 + 1;
        let last = self.full_logged_at.load(Ordering::Relaxed);
        if (last == 0 || now.saturating_sub(last) >= EVERY_MS)
            && self
                .full_logged_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                "connection limit {} reached; new connections wait until one closes (--max-connections)",
                self.limits.max_connections
            );
        }
    }
}

/// What a listener's connections are before HTTP: plain (h2c sniffed), TLS, or a proxy tunnel
/// (`CONNECT` to a Microsoft host name, then TLS: `crate::proxy`).
#[derive(Clone)]
pub enum Front {
    Plain,
    Tls(TlsAcceptor),
    Proxy(TlsAcceptor),
}

/// Accepts on `listener` until `stop` turns true, then stops accepting, lets in-flight requests
/// finish, closes idle connections at once and every other one after the shutdown timeout.
/// With `tls`, each connection is a TLS session (HTTP/2 when ALPN says so); without, HTTP/2 is
/// spoken on prior knowledge (h2c).
pub async fn run<S: AppService>(
    listener: TcpListener,
    front: Front,
    router: Served<S>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            biased;
            () = stopped(&mut stop) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // A slot is taken after accept, so no listener holds one in reserve; at the
                    // cap this connection waits, and no other is accepted meanwhile.
                    let permit = match shared.slots.clone().try_acquire_owned() {
                        Ok(permit) => permit,
                        Err(_) => {
                            shared.log_full();
                            tokio::select! {
                                biased;
                                () = stopped(&mut stop) => break,
                                permit = shared.slots.clone().acquire_owned() => match permit {
                                    Ok(permit) => permit,
                                    Err(_) => break,
                                },
                            }
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let connection = serve_connection(
                        stream,
                        front.clone(),
                        router.clone(),
                        shared.clone(),
                        stop.clone(),
                    );
                    connections.spawn(async move {
                        connection.await;
                        drop(permit);
                    });
                }
                // Out of file descriptors, or a connection reset before it was accepted: keep
                // listening, after a pause so a persistent error does not spin.
                Err(error) => {
                    tracing::warn!("accepting a connection failed: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(shared.limits.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "{} connections still busy after the {:?} shutdown timeout; closing them",
            connections.len(),
            shared.limits.shutdown_timeout
        );
        connections.shutdown().await;
    }
    Ok(())
}

/// The protocol a connection speaks once set up.
enum Protocol {
    Http1,
    Http2,
}

/// Sets up one connection (TLS handshake or h2c sniff, within the header-read timeout) and
/// serves it until it closes, times out, or shutdown completes.
async fn serve_connection<S: AppService>(
    stream: TcpStream,
    front: Front,
    router: Served<S>,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
) {
    match front {
        Front::Tls(acceptor) => serve_tls(stream, acceptor, router, shared, stop).await,
        Front::Proxy(acceptor) => {
            // The proxy request head has the same bound as a request head.
            let opened = set_up(&shared, &stop, crate::proxy::open_tunnel(stream)).await;
            let Some(Ok(Some(stream))) = opened else {
                return;
            };
            serve_tls(stream, acceptor, router, shared, stop).await;
        }
        Front::Plain => {
            let Some(Ok((stream, protocol))) = set_up(&shared, &stop, Sniffed::read(stream)).await
            else {
                return;
            };
            serve_protocol(stream, protocol, router, &shared, stop).await;
        }
    }
}

/// A connection's set-up step (proxy head, TLS handshake, h2c sniff) within the header-read
/// timeout; `None` on timeout or shutdown.
async fn set_up<T>(
    shared: &Shared,
    stop: &watch::Receiver<bool>,
    step: impl Future<Output = T>,
) -> Option<T> {
    let mut stop = stop.clone();
    tokio::select! {
        biased;
        () = stopped(&mut stop) => None,
        done = tokio::time::timeout(shared.limits.header_read_timeout, step) => done.ok(),
    }
}

/// The TLS handshake (within the header-read timeout), then HTTP/2 or HTTP/1 as ALPN says.
async fn serve_tls<S: AppService>(
    stream: TcpStream,
    acceptor: TlsAcceptor,
    router: Served<S>,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
) {
    let Some(Ok(stream)) = set_up(&shared, &stop, acceptor.accept(stream)).await else {
        return;
    };
    let protocol = match stream.get_ref().1.alpn_protocol() {
        Some(b"h2") => Protocol::Http2,
        _ => Protocol::Http1,
    };
    serve_protocol(stream, protocol, router, &shared, stop).await;
}

async fn serve_protocol<I, S: AppService>(
    io: I,
    protocol: Protocol,
    router: Served<S>,
    shared: &Shared,
    stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    match protocol {
        Protocol::Http1 => {
            let connection = shared.http1.serve_connection(TokioIo::new(io), router);
            drive(connection, stop, None).await;
        }
        Protocol::Http2 => {
            let activity = Arc::new(Activity::new());
            let service = Counted {
                router,
                activity: activity.clone(),
            };
            let connection = shared.http2.serve_connection(TokioIo::new(io), service);
            drive(
                connection,
                stop,
                Some((activity, shared.limits.idle_timeout)),
            )
            .await;
        }
    }
}

/// A hyper connection that can be asked to finish gracefully.
trait Graceful: Future {
    fn graceful(self: Pin<&mut Self>);
}

impl<I, S: AppService> Graceful for hyper::server::conn::http1::Connection<TokioIo<I>, Served<S>>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    fn graceful(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

impl<I, S: AppService> Graceful
    for hyper::server::conn::http2::Connection<TokioIo<I>, Counted<S>, TokioExecutor>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    fn graceful(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

/// Completes once `stop` turns true (the guard `wait_for` returns is not `Send`).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Polls `connection` to its end: on shutdown it finishes the requests in progress and closes
/// (the accept loop aborts it after the shutdown timeout); with `idle`, a connection without a
/// request in progress for the idle timeout is closed.
async fn drive<C: Graceful>(
    connection: C,
    mut stop: watch::Receiver<bool>,
    idle: Option<(Arc<Activity>, Duration)>,
) {
    let mut connection = std::pin::pin!(connection);
    let mut closing = false;
    loop {
        let idle_check = async {
            match &idle {
                Some((activity, timeout)) => {
                    tokio::time::sleep_until(activity.idle_deadline(*timeout).into()).await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = connection.as_mut() => return,
            () = stopped(&mut stop), if !closing => {
                closing = true;
                connection.as_mut().graceful();
            }
            () = idle_check, if !closing => {
                let Some((activity, timeout)) = &idle else { continue };
                if activity.in_flight.load(Ordering::Acquire) == 0
                    && Instant::now() >= activity.idle_deadline(*timeout)
                {
                    connection.as_mut().graceful();
                    // Nothing is in progress: give the GOAWAY a moment, then close.
                    let _ = tokio::time::timeout(Duration::from_secs(1), connection.as_mut()).await;
                    return;
                }
            }
        }
    }
}

/// Requests in progress on an HTTP/2 connection, and since when it has had none (ms after
/// the connection opened).
#[derive(Debug)]
struct Activity {
    in_flight: AtomicUsize,
    idle_since_ms: AtomicU64,
    opened: Instant,
}

impl Activity {
    fn new() -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(0),
            opened: Instant::now(),
        }
    }

    /// When the connection counts as idle for `timeout`, if no request starts before.
    fn idle_deadline(&self, timeout: Duration) -> Instant {
        let idle_since = Duration::from_millis(self.idle_since_ms.load(Ordering::Relaxed));
        self.opened + idle_since + timeout
    }
}

/// Ends a request in [`Activity`] when dropped (the response is built, or the stream reset).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            let ms = self.0.opened.elapsed().as_millis() as u64;
            self.0.idle_since_ms.store(ms, Ordering::Relaxed);
        }
    }
}

/// The router for an HTTP/2 connection, counting its requests in progress for the idle
/// watchdog.
#[derive(Clone)]
struct Counted<S> {
    router: Served<S>,
    activity: Arc<Activity>,
}

impl<S: AppService> hyper::service::Service<hyper::Request<Incoming>> for Counted<S> {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        self.activity.in_flight.fetch_add(1, Ordering::AcqRel);
        let guard = InFlight(self.activity.clone());
        let call = hyper::service::Service::call(&self.router, request);
        Box::pin(async move {
            let response = call.await;
            drop(guard);
            response
        })
    }
}

/// The service as one listener serves it: each request carries the listener's scheme (for
/// absolute links). Marked here rather than with `Router::layer`, which wrapped each of the ~900
/// routes in an extension layer, once per listener, at start (part of the 5 ms between the
/// fixtures and the ready line) and added a boxed service to every request.
#[derive(Clone)]
pub struct Served<S> {
    pub service: S,
    pub scheme: ListenerScheme,
}

impl<S: AppService> hyper::service::Service<hyper::Request<Incoming>> for Served<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = tower::util::Oneshot<S, hyper::Request<Body>>;

    fn call(&self, request: hyper::Request<Incoming>) -> Self::Future {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(self.scheme);
        tower::ServiceExt::oneshot(self.service.clone(), request)
    }
}

/// A plain connection whose first bytes were read to tell HTTP/2's preface from HTTP/1; they
/// are replayed before the socket's.
struct Sniffed {
    stream: TcpStream,
    head: [u8; 24],
    len: u8,
    pos: u8,
}

const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

impl Sniffed {
    /// Reads until the bytes are, or cannot be, HTTP/2's preface.
    async fn read(mut stream: TcpStream) -> io::Result<(Self, Protocol)> {
        let mut head = [0u8; 24];
        let mut len = 0;
        let protocol = loop {
            let n = stream.read(&mut head[len..]).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            len += n;
            if head[..len] != H2_PREFACE[..len] {
                break Protocol::Http1;
            }
            if len == H2_PREFACE.len() {
                break Protocol::Http2;
            }
        };
        let sniffed = Self {
            stream,
            head,
            len: len as u8,
            pos: 0,
        };
        Ok((sniffed, protocol))
    }
}

impl AsyncRead for Sniffed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.pos < self.len {
            let (pos, len) = (usize::from(self.pos), usize::from(self.len));
            let n = buf.remaining().min(len - pos);
            buf.put_slice(&self.head[pos..pos + n]);
            self.pos += n as u8;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Sniffed {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
