//! A terminal bridge that answers every request and then closes the
//! connection without saying so (HTTP/1.1, no `Connection: close`), as many
//! embedded HTTP servers do, a moment after the reply (their idle timeout).
//! A client that keeps connections for reuse writes its next request into a
//! socket the bridge reads no more, and sees it closed under the request.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use nhsa_terminal::simulator::{SimOutcome, Simulator};

/// The closing bridge on a loopback port, answering as `sim` does.
#[derive(Debug)]
pub struct ClosingServer {
    pub addr: SocketAddr,
    pub sim: Arc<Simulator>,
    task: tokio::task::JoinHandle<()>,
}

/// How long after its reply the bridge closes the connection.
const CLOSE_AFTER: std::time::Duration = std::time::Duration::from_millis(50);

impl ClosingServer {
    pub async fn start(sim: Arc<Simulator>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let answering = Arc::clone(&sim);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, Arc::clone(&answering)));
            }
        });
        Ok(Self { addr, sim, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}/api/open", self.addr)
    }
}

impl Drop for ClosingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, sim: Arc<Simulator>) {
    let Ok(request) = crate::hostile::read_request(&mut stream).await else {
        return;
    };
    let body = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(&request[..], |end| &request[end + 4..]);
    let reply = sim.handle(&String::from_utf8_lossy(body));
    tokio::time::sleep(reply.delay).await;
    let SimOutcome::Reply { status, body } = reply.outcome else {
        return;
    };
    let head = format!(
        "HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    // One request per connection, though the head says nothing of it: what
    // comes next is not read, and the connection closes under it.
    tokio::time::sleep(CLOSE_AFTER).await;
    let _ = stream.shutdown().await;
}
