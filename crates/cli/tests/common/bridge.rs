//! `facepay serve` as a process of its own, on a loopback port it picks.

use std::io::{BufRead, BufReader};
use std::process::{Child, ExitStatus, Stdio};
use std::thread::JoinHandle;

use serde_json::Value;

use super::Cli;

pub struct Bridge {
    /// Where the HIS reaches it, e.g. `http://127.0.0.1:40123`.
    pub base: String,
    child: Child,
    output: JoinHandle<Vec<String>>,
}

impl Bridge {
    /// Starts it and waits for the line that says where it listens.
    pub async fn start(cli: &Cli) -> Self {
        let mut cmd = cli.cmd(&["serve", "--listen", "127.0.0.1:0"]);
        cmd.stdout(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (ready, output) = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines();
            let ready: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
            // Keep reading so the process never blocks on a full pipe; what
            // it says on the way out is kept for `stop`.
            let output = std::thread::spawn(move || lines.map_while(Result::ok).collect());
            (ready, output)
        })
        .await
        .unwrap();
        Self {
            base: format!("http://{}", ready["listening"].as_str().unwrap()),
            child,
            output,
        }
    }

    /// SIGKILL, as a crash would end it.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, as a service manager stops it: how it exited, and what it
    /// printed after the line that said where it listened.
    pub async fn stop(self) -> (ExitStatus, String) {
        let Self {
            mut child, output, ..
        } = self;
        let pid = child.id().to_string();
        assert!(
            std::process::Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        tokio::task::spawn_blocking(move || {
            let status = child.wait().unwrap();
            (status, output.join().unwrap().join("\n"))
        })
        .await
        .unwrap()
    }
}
