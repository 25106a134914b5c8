//! The simulator in-process: no socket, same behaviours (delays, hangs, errors).

use std::sync::Arc;
use std::time::Duration;

use crate::error::{RawText, TransportError};
use crate::protocol::TransType;
use crate::simulator::{SimOutcome, Simulator};

#[derive(Debug, Clone)]
pub struct SimulatorTransport {
    sim: Arc<Simulator>,
}

impl SimulatorTransport {
    pub fn new(sim: Arc<Simulator>) -> Self {
        Self { sim }
    }

    pub fn simulator(&self) -> &Arc<Simulator> {
        &self.sim
    }
}

#[async_trait::async_trait]
impl super::Transport for SimulatorTransport {
    async fn exchange(
        &self,
        _trans_type: TransType,
        envelope: &str,
        timeout: Duration,
    ) -> Result<String, TransportError> {
        let reply = self.sim.handle(envelope);
        let answer = async {
            tokio::time::sleep(reply.delay).await;
            match reply.outcome {
                SimOutcome::Hang => std::future::pending().await,
                SimOutcome::Reply { status, body } if (200..300).contains(&status) => Ok(body),
                SimOutcome::Reply { status, body } => Err(TransportError::HttpStatus {
                    status,
                    body: RawText(body),
                }),
            }
        };
        tokio::time::timeout(timeout, answer)
            .await
            .unwrap_or(Err(TransportError::Timeout { after: timeout }))
    }

    fn describe(&self) -> String {
        "模拟终端（演示模式）".to_owned()
    }

    fn is_simulated(&self) -> bool {
        true
    }
}
