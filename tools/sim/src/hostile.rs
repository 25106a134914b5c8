//! A terminal bridge that misbehaves on purpose, byte for byte: wrong or
//! missing charsets, invalid bytes, redirects, oversized, endless and slow
//! bodies. Tests script its next answers and read back what reached it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One scripted answer to one request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A whole response: status, headers and body exactly as given
    /// (`Content-Length` is added).
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// 200 with a chunked body of `{"code":0,` then spaces that never ends;
    /// the server stops by itself after `max_bytes` (or when the reader leaves).
    Endless { max_bytes: u64 },
    /// No answer at all: the request is read and the connection closed,
    /// as a bridge that crashes or drops a stale connection does.
    Close,
    /// A 200 JSON body sent `chunk` bytes at a time, one chunk every `every`.
    Slow {
        body: Vec<u8>,
        chunk: usize,
        every: Duration,
    },
}

impl Answer {
    /// A 200 with `body` and this `Content-Type` (`None`: no header at all).
    pub fn body(content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        Answer::Raw {
            status: 200,
            headers: content_type
                .map(|ct| vec![("Content-Type".to_owned(), ct.to_owned())])
                .unwrap_or_default(),
            body: body.into(),
        }
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Answer::Raw {
            status,
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
struct Shared {
    answers: VecDeque<Answer>,
    requests: Vec<Vec<u8>>,
}

/// The hostile bridge on a loopback port, for the life of this value.
#[derive(Debug)]
pub struct HostileServer {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl HostileServer {
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let state = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&state)));
            }
        });
        Ok(Self { addr, shared, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}/api/open", self.addr)
    }

    /// Queue the answer to the next request (a 500 when none is queued).
    pub fn answer(&self, answer: Answer) {
        self.lock().answers.push_back(answer);
    }

    /// Every request received (head and body), in order.
    pub fn requests(&self) -> Vec<Vec<u8>> {
        self.lock().requests.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Read one request: the head, then as many body bytes as it announces.
pub(crate) async fn read_request(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(buf);
        }
        if buf.len() > 1 << 20 {
            return Ok(buf);
        }
    }
}

async fn serve(mut stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let Ok(request) = read_request(&mut stream).await else {
        return;
    };
    let answer = {
        let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
        s.requests.push(request);
        s.answers.pop_front()
    };
    let answer = answer.unwrap_or(Answer::Raw {
        status: 500,
        headers: Vec::new(),
        body: b"no answer scripted".to_vec(),
    });
    // The client may leave at any point (that is often the test): write errors end it.
    let _ = write_answer(&mut stream, answer).await;
}

async fn write_answer(stream: &mut TcpStream, answer: Answer) -> std::io::Result<()> {
    match answer {
        Answer::Close => return stream.shutdown().await,
        Answer::Raw {
            status,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} Scripted\r\nConnection: close\r\n");
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&body).await?;
        }
        Answer::Endless { max_bytes } => {
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                )
                .await?;
            let filler = vec![b' '; 64 * 1024];
            let mut sent = 0u64;
            let first = b"{\"code\":0,";
            stream
                .write_all(format!("{:x}\r\n", first.len()).as_bytes())
                .await?;
            stream.write_all(first).await?;
            stream.write_all(b"\r\n").await?;
            while sent < max_bytes {
                stream
                    .write_all(format!("{:x}\r\n", filler.len()).as_bytes())
                    .await?;
                stream.write_all(&filler).await?;
                stream.write_all(b"\r\n").await?;
                sent += filler.len() as u64;
            }
            stream.write_all(b"0\r\n\r\n").await?;
        }
        Answer::Slow { body, chunk, every } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).await?;
            for part in body.chunks(chunk.max(1)) {
                stream.write_all(part).await?;
                stream.flush().await?;
                tokio::time::sleep(every).await;
            }
        }
    }
    stream.flush().await
}
