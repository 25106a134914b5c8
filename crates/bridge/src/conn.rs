//! Connections, read as hostile before any handler sees them. A request
//! head must arrive whole within [`HEAD_TIMEOUT`] and [`MAX_HEAD`] bytes; a
//! malformed one gets the JSON error object like every other refusal. At
//! most [`MAX_OPEN`] connections are kept: past that, the oldest one still
//! sending its head is dropped for the newcomer, so a local process without
//! the token cannot hold every socket open and keep `/v1/health` from
//! answering. Each connection carries one request (`Connection: close`): a
//! HIS on the same machine pays nothing for a new one, and no idle
//! connection lingers.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;

use crate::error::{ApiCode, ErrorBody};

/// How long a client may take to send a request's head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest request head read.
pub const MAX_HEAD: usize = 16 * 1024;
/// Open connections kept before the oldest half-sent one is dropped.
pub const MAX_OPEN: usize = 512;

/// The connections open now, and which of them are still sending their head.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    state: Mutex<GateState>,
}

#[derive(Debug, Default)]
struct GateState {
    open: usize,
    next: u64,
    /// Oldest first.
    reading: VecDeque<(u64, Arc<Notify>)>,
}

/// A connection let in; dropping it lets the next one in.
#[derive(Debug)]
pub(crate) struct Ticket {
    gate: Arc<Gate>,
    id: u64,
    /// Notified when the connection is dropped for a newer one.
    pub evicted: Arc<Notify>,
}

impl Gate {
    fn state(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Let a new connection in, dropping the oldest one still sending its
    /// head when the gate is full. `None`: every open connection is serving
    /// a request (the newcomer is refused with 503).
    pub(crate) fn admit(self: &Arc<Self>) -> Option<Ticket> {
        let mut s = self.state();
        if s.open >= MAX_OPEN {
            let (_, oldest) = s.reading.pop_front()?;
            oldest.notify_one();
        }
        s.open += 1;
        s.next += 1;
        let id = s.next;
        let evicted = Arc::new(Notify::new());
        s.reading.push_back((id, Arc::clone(&evicted)));
        Some(Ticket {
            gate: Arc::clone(self),
            id,
            evicted,
        })
    }

    /// Drop every connection still sending its head (a stop: they asked
    /// nothing yet, and nothing of theirs is under way).
    pub(crate) fn evict_reading(&self) {
        for (_, reading) in self.state().reading.drain(..) {
            reading.notify_one();
        }
    }

    #[cfg(test)]
    fn open(&self) -> usize {
        self.state().open
    }
}

impl Ticket {
    /// The head arrived: from now on the connection serves a request and is
    /// never dropped for a newcomer.
    pub(crate) fn headed(&self) {
        self.gate.state().reading.retain(|(id, _)| *id != self.id);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut s = self.gate.state();
        s.open = s.open.saturating_sub(1);
        s.reading.retain(|(id, _)| *id != self.id);
    }
}

/// Why a head was not taken.
#[derive(Debug)]
pub(crate) enum HeadError {
    /// The peer closed, or the socket failed: nobody to answer.
    Gone,
    TooLarge,
    Malformed(String),
}

/// Read until a whole request head is in `buf` (the body's first bytes may
/// follow it there).
pub(crate) async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|_| HeadError::Gone)?;
        if n == 0 {
            return Err(HeadError::Gone);
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        match httparse::Request::new(&mut headers).parse(&buf) {
            Ok(httparse::Status::Complete(_)) => return Ok(buf),
            Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => {
                return Err(HeadError::TooLarge);
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
            Err(e) => return Err(HeadError::Malformed(e.to_string())),
        }
    }
}

/// Answer a refused connection with the error object, and close it.
pub(crate) async fn refuse(
    stream: &mut TcpStream,
    status: StatusCode,
    code: impl Into<ApiCode>,
    message: &str,
) {
    let code: ApiCode = code.into();
    let body = ErrorBody {
        code,
        message: message.to_owned(),
        field: None,
        advice: None,
        out_biz_no: None,
        settlement_id: None,
    };
    let body = serde_json::to_string(&body).unwrap_or_default();
    let head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nx-error-code: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        crate::JSON,
        body.len(),
        code.as_str()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), write).await;
}

/// A stream whose first bytes were already read (the head): they are read
/// again first, so the HTTP server sees the request whole.
#[derive(Debug)]
pub(crate) struct Rewind {
    read: Vec<u8>,
    at: usize,
    inner: TcpStream,
}

impl Rewind {
    pub(crate) fn new(read: Vec<u8>, inner: TcpStream) -> Self {
        Self { read, at: 0, inner }
    }
}

impl AsyncRead for Rewind {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.at < self.read.len() {
            let n = (self.read.len() - self.at).min(buf.remaining());
            let at = self.at;
            buf.put_slice(&self.read[at..at + n]);
            self.at += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
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
    fn a_full_gate_drops_the_oldest_half_sent_connection_for_a_newcomer() {
        let gate = Arc::new(Gate::default());
        let mut tickets: Vec<Ticket> = (0..MAX_OPEN).map(|_| gate.admit().unwrap()).collect();
        // One of them is serving a request: never dropped.
        tickets[0].headed();
        let newcomer = gate.admit().unwrap();
        // The oldest still sending its head (the second) was told to go.
        let told = Arc::clone(&tickets[1].evicted);
        assert!(
            futures_notified(&told),
            "the oldest half-sent connection is evicted"
        );
        drop(tickets.remove(1));
        assert_eq!(gate.open(), MAX_OPEN);
        drop(newcomer);
        drop(tickets);
        assert_eq!(gate.open(), 0);
    }

    #[test]
    fn a_gate_full_of_requests_being_served_refuses_the_newcomer() {
        let gate = Arc::new(Gate::default());
        let tickets: Vec<Ticket> = (0..MAX_OPEN).map(|_| gate.admit().unwrap()).collect();
        for t in &tickets {
            t.headed();
        }
        assert!(gate.admit().is_none());
    }

    /// Whether a permit is stored in `n` (a notify_one() before anyone waited).
    fn futures_notified(n: &Notify) -> bool {
        let notified = n.notified();
        let mut notified = std::pin::pin!(notified);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        notified.as_mut().poll(&mut cx).is_ready()
    }
}
