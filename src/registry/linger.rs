//! Closing a connection whose answer went out before its request's body was
//! read (a 413 on the Content-Length): what the client still sends is read and
//! discarded, for a bounded time and size, so that closing does not reset the
//! connection before the client has read the answer. Python's urllib, for one,
//! sends a whole body before it reads. A request whose handler answered without
//! reading its body (a route that does not exist, a refusal before the body's
//! extractor) is closed the same way, with `Connection: close` said.

use std::time::Duration;

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

use hyper::body::Incoming;

/// How long a closed connection is read after its answer, and how much of it.
pub const LINGER: Duration = Duration::from_secs(5);
/// The most read and discarded after an answer.
pub const LINGER_BYTES: usize = 16 << 20;

/// A duplicate of the socket's descriptor: the socket stays open when hyper
/// drops its handle, so that what the client still sends can be read.
fn duplicate(stream: &TcpStream) -> Option<TcpStream> {
    let std = socket2::SockRef::from(stream).try_clone().ok()?;
    let std: std::net::TcpStream = std.into();
    std.set_nonblocking(true).ok()?;
    TcpStream::from_std(std).ok()
}

/// Starts draining `stream`'s socket on a duplicate of its descriptor, so that
/// the socket outlives the handle being dropped.
pub fn drain_after_answer(stream: &TcpStream) {
    if let Some(rest) = duplicate(stream) {
        tokio::spawn(drain(rest));
    }
}

/// After hyper closed the connection (its answer written, the write side shut),
/// reads and discards what the client is still sending — an oversized body
/// refused on its length, say — for a bounded time and size, so that closing
/// does not reset the connection before the client has read the answer.
async fn drain(mut stream: TcpStream) {
    use tokio::io::AsyncReadExt as _;
    // The answer is out: say so (hyper may not have), then read what still comes.
    let _ = stream.shutdown().await;
    let mut buf = vec![0u8; 64 << 10];
    let mut read = 0usize;
    let _ = tokio::time::timeout(LINGER, async {
        while read < LINGER_BYTES {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => read += n,
            }
        }
    })
    .await;
}

/// A request body that says whether it was read to its end, so that a
/// connection whose handler answered without reading the body (a route that
/// does not exist, a refusal before the body's extractor) is closed rather
/// than kept alive with the rest of that body waiting in it.
pub struct Tracked {
    inner: Incoming,
    ended: Arc<std::sync::atomic::AtomicBool>,
}

impl Tracked {
    pub fn new(inner: Incoming) -> (Self, Arc<std::sync::atomic::AtomicBool>) {
        use hyper::body::Body as _;
        let ended = Arc::new(std::sync::atomic::AtomicBool::new(inner.is_end_stream()));
        (Tracked { inner, ended: ended.clone() }, ended)
    }
}

impl hyper::body::Body for Tracked {
    type Data = hyper::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.ended.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}
