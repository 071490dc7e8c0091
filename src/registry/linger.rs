//! Closing a connection whose answer went out before its request's body was
//! read (a 413 on the Content-Length): what the client still sends is read and
//! discarded, for a bounded time and size, so that closing does not reset the
//! connection before the client has read the answer. Python's urllib, for one,
//! sends a whole body before it reads.

use std::time::Duration;

use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

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
