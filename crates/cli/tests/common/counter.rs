//! The counter most tests run: a fresh journal in a folder of its own, the
//! simulator as its terminal.

use std::ops::Deref;

use facepay_sim::SimServer;

use super::{Cli, temp_db};

pub struct Counter {
    pub sim: SimServer,
    pub dir: tempfile::TempDir,
    cli: Cli,
}

impl Counter {
    pub async fn start() -> Self {
        let sim = SimServer::loopback().await.unwrap();
        let (dir, db) = temp_db();
        let cli = Cli::new(&db, &sim.url());
        Self { sim, dir, cli }
    }

    /// A counter whose first administrator is already created.
    pub async fn with_admin() -> Self {
        let counter = Self::start().await;
        counter.first_admin().await;
        counter
    }

    /// How many requests reached the terminal so far.
    pub fn sent(&self) -> usize {
        self.sim.sim.received().len()
    }
}

// A counter is driven like its `facepay`: `counter.run(…)`, `counter.db`.
impl Deref for Counter {
    type Target = Cli;

    fn deref(&self) -> &Cli {
        &self.cli
    }
}
