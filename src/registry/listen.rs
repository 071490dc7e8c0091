//! The registry's HTTP/1.1 listener: an accept loop over hyper that holds
//! every connection to the limits a public service needs.
//!
//! - A request head must arrive whole within [`Limits::header_read_timeout`],
//!   counted from the accept for the first request and from the first byte
//!   for later ones on a kept-alive connection.
//! - A connection with no request in hand, or one whose response the client
//!   stops reading, is closed after [`Limits::idle_timeout`] without a byte
//!   moving. A handler at work is bounded by the router's own timeout, not here.
//! - At most [`Limits::max_connections`] connections are served at once, and
//!   never more than the process's descriptor limit leaves room for. One over
//!   the cap gets a short 503 with `Retry-After` and is closed at once.
//! - On shutdown the listener stops accepting, lets requests in flight finish,
//!   and after [`Limits::shutdown_grace`] drops whatever is left.
//!
//! hyper's own `header_read_timeout` is not used: hyper starts that clock as
//! soon as a connection is ready for a request head, so the wait for a
//! keep-alive client's next request and the reading of its head share one
//! budget, and an idle timeout longer than the header timeout could not exist.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::Result;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt;

/// How long connections may take, and how many there may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest a request head may take to arrive whole.
    pub header_read_timeout: Duration,
    /// The longest a connection may sit with no byte moving while no handler is at work.
    pub idle_timeout: Duration,
    /// The most connections served at once (lowered to fit the descriptor limit).
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight before dropping them.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// At most this many over-the-cap connections are being answered 503 at once;
/// past that they are closed without an answer.
const REFUSALS: usize = 64;

/// How long a refusal waits for the client's request before answering, and
/// then for the answer to be written.
const REFUSAL_WAIT: Duration = Duration::from_millis(200);

/// Descriptors kept free of connections: the listener, the database pool,
/// the data files, standard streams and the refusals.
#[cfg(unix)]
const RESERVED_DESCRIPTORS: u64 = 64 + REFUSALS as u64;

/// How long the accept loop rests after an error such as `EMFILE`.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` within `limits` until `shutdown` resolves, then
/// drains the connections for at most [`Limits::shutdown_grace`].
///
/// # Errors
///
/// None at present: accept errors (`EMFILE` and the like) are logged and
/// retried after a pause, and a connection's errors end only that connection.
pub async fn run(listener: TcpListener, app: Router, limits: Limits, shutdown: impl Future<Output = ()>) -> Result<()> {
    let max_connections = fit_descriptor_limit(limits.max_connections);
    let slots = Arc::new(Semaphore::new(max_connections));
    let refusals = Arc::new(Semaphore::new(REFUSALS));
    let busy: Arc<[u8]> = busy_response().into();
    let graceful = GracefulShutdown::new();
    let mut tasks = JoinSet::new();
    let mut builder = http1::Builder::new();
    // The header timeout is ours (see the module documentation).
    builder.keep_alive(true).header_read_timeout(None);

    let mut shutdown = std::pin::pin!(shutdown);
    let mut failures = 0u64;
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        while tasks.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // The client gave up between its SYN and our accept: nothing to do.
            Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset) => {
                continue;
            }
            Err(e) => {
                if failures == 0 {
                    eprintln!("warning: accepting connections: {e}; retrying every {ACCEPT_BACKOFF:?}");
                }
                failures += 1;
                tokio::select! {
                    biased;
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        if failures > 0 {
            eprintln!("accepting connections again after {failures} failed attempts");
            failures = 0;
        }
        stream.set_nodelay(true).ok();
        match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                let conn = serve_connection(stream, app.clone(), builder.clone(), graceful.watcher(), limits, slot);
                tasks.spawn(conn);
            }
            Err(_) => match refusals.clone().try_acquire_owned() {
                Ok(permit) => {
                    tasks.spawn(refuse(stream, busy.clone(), permit));
                }
                Err(_) => drop(stream),
            },
        }
    }
    drop(listener);

    // Idle connections close at once; the others after their response.
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await.is_err() {
        while tasks.try_join_next().is_some() {}
        eprintln!("shutdown: {} connection(s) still open after {:?}; closing them", tasks.len(), limits.shutdown_grace);
    }
    tasks.shutdown().await;
    Ok(())
}

/// The cap on connections, lowered if the descriptor limit (raised first, up
/// to its hard maximum, if it can be) would run out before the cap is reached.
#[cfg(unix)]
fn fit_descriptor_limit(wanted: usize) -> usize {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let need = wanted as u64 + RESERVED_DESCRIPTORS;
    let limit = getrlimit(Resource::Nofile);
    let Some(soft) = limit.current else { return wanted };
    if soft >= need {
        return wanted;
    }
    let raised = limit.maximum.map_or(need, |hard| hard.min(need));
    let soft = match setrlimit(Resource::Nofile, Rlimit { current: Some(raised), maximum: limit.maximum }) {
        Ok(()) => raised,
        Err(_) => soft,
    };
    let fits = usize::try_from(soft.saturating_sub(RESERVED_DESCRIPTORS)).unwrap_or(usize::MAX).max(1);
    if fits < wanted {
        eprintln!(
            "warning: --max-connections {wanted} lowered to {fits} to fit the open-file limit of {soft} descriptors"
        );
    }
    fits.min(wanted)
}

#[cfg(not(unix))]
fn fit_descriptor_limit(wanted: usize) -> usize {
    wanted
}

/// The whole answer to a connection over the cap.
fn busy_response() -> Vec<u8> {
    let body =
        super::problem::document(StatusCode::SERVICE_UNAVAILABLE, super::problem::Code::OverCapacity, None).to_string();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    [head.into_bytes(), body.into_bytes()].concat()
}

/// Answers a connection over the cap with a 503 and closes it, in bounded time.
async fn refuse(mut stream: TcpStream, answer: Arc<[u8]>, _permit: OwnedSemaphorePermit) {
    // Read what the client has sent so far: closing a socket with unread data
    // resets the connection, and the reset can destroy the answer before the
    // client reads it.
    tokio::time::timeout(REFUSAL_WAIT, stream.readable()).await.ok();
    let mut buf = [0u8; 4096];
    for _ in 0..16 {
        match stream.try_read(&mut buf) {
            Ok(n) if n > 0 => continue,
            _ => break,
        }
    }
    tokio::time::timeout(REFUSAL_WAIT, async {
        stream.write_all(&answer).await?;
        stream.shutdown().await
    })
    .await
    .ok();
}

/// Serves one connection until it ends, its timeouts expire or shutdown's
/// grace runs out (the task is then dropped, and the socket with it).
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    builder: http1::Builder,
    watcher: Watcher,
    limits: Limits,
    _slot: OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity::new());
    let peer = stream.peer_addr().ok().map(|a| Peer(a.ip()));
    let io = TokioIo::new(Watched { inner: stream, activity: activity.clone() });
    let for_service = activity.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let app = app.clone();
        let activity = for_service.clone();
        async move {
            activity.set(Phase::Handling);
            let (mut parts, body) = req.into_parts();
            if let Some(p) = peer {
                parts.extensions.insert(p);
            }
            let (body, read_whole) = super::linger::Tracked::new(body);
            let req = Request::from_parts(parts, Body::new(body));
            let mut resp = app.oneshot(req).await.unwrap_or_else(|never: Infallible| match never {});
            let unread = !read_whole.load(std::sync::atomic::Ordering::SeqCst);
            if unread || resp.status() == StatusCode::PAYLOAD_TOO_LARGE {
                // The rest of the body is still on its way: this connection
                // cannot carry another request. Say so, so that the client
                // does not send its next request on it, and drain what still
                // comes before closing.
                resp.headers_mut()
                    .insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
                activity.linger.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            activity.set(Phase::Responding);
            let done = ResponseDone(activity);
            // The closure owns `done`, so the phase goes back to idle when
            // hyper drops the body: written out, or the connection gone.
            Ok::<_, Infallible>(resp.map(move |body| {
                Body::new(body.map_frame(move |frame| {
                    let _ = &done;
                    frame
                }))
            }))
        }
    });
    let conn = watcher.watch(builder.serve_connection(io, service));
    tokio::select! {
        // A connection's errors (a client gone mid-request, a malformed head)
        // are the client's and end only this connection.
        _ = conn => {}
        () = activity.expired(limits) => {}
    }
}

/// The address a request came from (the TCP peer: behind a proxy, the proxy's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub std::net::IpAddr);

impl Drop for Watched {
    /// A connection that answered before reading its request's body (413 on
    /// the Content-Length) is drained before it closes; any other closes at once.
    fn drop(&mut self) {
        if self.activity.linger.load(std::sync::atomic::Ordering::SeqCst) {
            super::linger::drain_after_answer(&self.inner);
        }
    }
}

/// Where a connection is in its request/response cycle.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Kept alive after a response; no byte of the next request yet.
    Idle,
    /// A request head is being read; it began at this instant.
    Head(Instant),
    /// A handler has the request.
    Handling,
    /// The response is being written.
    Responding,
}

/// A connection's phase and last I/O, shared by its socket, its service and its timer.
struct Activity {
    state: Mutex<(Phase, Instant)>,
    changed: Notify,
    /// The answer went out before the request's body was read: drain before closing.
    linger: std::sync::atomic::AtomicBool,
}

impl Activity {
    fn new() -> Self {
        let now = Instant::now();
        // The first request's head is timed from the accept: a client that
        // connects and sends nothing is holding a slot for nothing.
        Activity {
            state: Mutex::new((Phase::Head(now), now)),
            changed: Notify::new(),
            linger: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Phase, Instant)> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, phase: Phase) {
        *self.lock() = (phase, Instant::now());
        self.changed.notify_one();
    }

    /// Bytes moved on the socket.
    fn io(&self, read: bool) {
        let mut state = self.lock();
        let now = Instant::now();
        state.1 = now;
        if read && matches!(state.0, Phase::Idle) {
            state.0 = Phase::Head(now);
            drop(state);
            // The deadline moved closer: the header timeout replaces the idle one.
            self.changed.notify_one();
        }
    }

    /// When the connection must close, if nothing moves before then.
    fn deadline(&self, limits: Limits) -> Option<Instant> {
        match *self.lock() {
            (Phase::Head(began), _) => Some(began + limits.header_read_timeout),
            (Phase::Idle | Phase::Responding, last) => Some(last + limits.idle_timeout),
            (Phase::Handling, _) => None,
        }
    }

    /// Resolves when a deadline passes.
    async fn expired(&self, limits: Limits) {
        loop {
            // Made before the deadline is read, so a change in between is not missed.
            let changed = self.changed.notified();
            match self.deadline(limits) {
                Some(at) if at <= Instant::now() => return,
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = changed => {}
                    }
                }
                None => changed.await,
            }
        }
    }
}

/// Puts a connection back to idle when its response body is dropped.
struct ResponseDone(Arc<Activity>);

impl Drop for ResponseDone {
    fn drop(&mut self) {
        self.0.set(Phase::Idle);
    }
}

/// A socket that reports its reads and writes to the connection's [`Activity`].
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.io(true);
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.io(false);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.io(false);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_response_is_a_whole_http_answer() {
        let bytes = busy_response();
        let text = String::from_utf8(bytes).expect("utf-8");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        assert!(head.starts_with("HTTP/1.1 503 "), "{head}");
        assert!(head.contains("\r\nretry-after: 1"), "{head}");
        assert!(head.contains("\r\nconnection: close"), "{head}");
        assert!(head.contains(&format!("\r\ncontent-length: {}", body.len())), "{head}");
        let v: serde_json::Value = serde_json::from_str(body).expect("problem+json");
        assert_eq!(v["code"], "over_capacity");
        assert_eq!(v["status"], 503);
    }
}
