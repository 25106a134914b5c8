//! `facepay rekey` raced against every other kind of command — reads,
//! a face scan, the HIS bridge — with random delays and random kills of
//! either side, 200 times: the journal always opens afterwards with the key
//! on disk, and what was recorded is still there.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{Cli, temp_db};
use facepay_sim::SimServer;

const ROUNDS: usize = 200;
const LANES: usize = 4;

/// The command raced against the rotation.
const OTHERS: &[&[&str]] = &[
    &["history", "--limit", "5"],
    &["summary", "--date", "2026-11-25"],
    &["pending"],
    &["auth"],
    &["serve", "--listen", "127.0.0.1:0"],
];

fn spawn(cli: &Cli, args: &[&str]) -> Child {
    let mut cmd = cli.cmd(args);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd.spawn().unwrap()
}

/// Kill `child` after `after` unless it ended by then; whether it was
/// killed (else whether it succeeded).
fn end(mut child: Child, after: Option<Duration>) -> bool {
    end_with(&mut child, after).0
}

fn end_with(child: &mut Child, after: Option<Duration>) -> (bool, bool) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (false, status.success());
        }
        match after {
            Some(limit) if started.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                return (true, false);
            }
            // A bridge runs until stopped: stop it once the race is over.
            None if started.elapsed() > Duration::from_secs(20) => {
                let _ = child.kill();
                let _ = child.wait();
                return (true, false);
            }
            _ => std::thread::sleep(Duration::from_millis(2)),
        }
    }
}

fn lane(cli: &Cli, rounds: usize, seed: u64) -> (usize, usize, usize) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut rekeys_killed, mut others_killed, mut rotated) = (0, 0, 0);
    for round in 0..rounds {
        // Three other commands at random moments around the rotation, which
        // takes a few hundred milliseconds on this journal.
        let others: Vec<(&[&str], Duration)> = (0..3)
            .map(|_| {
                (
                    OTHERS[rng.usize(..OTHERS.len())],
                    Duration::from_millis(rng.u64(0..400)),
                )
            })
            .collect();
        // Kill the rotation in a third of the rounds, an other in another third.
        let roll = rng.u8(0..3);
        let kill_rekey = (roll == 0).then(|| Duration::from_millis(rng.u64(0..400)));
        let mut rekey = spawn(cli, &["rekey"]);
        let waiters: Vec<_> = others
            .iter()
            .map(|(args, at)| {
                let cli = cli.clone();
                let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
                let at = *at;
                let kill = (roll == 1 || args[0] == "serve")
                    .then(|| Duration::from_millis(rng.u64(0..400)));
                std::thread::spawn(move || {
                    std::thread::sleep(at);
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    end(spawn(&cli, &args), kill)
                })
            })
            .collect();
        let (killed, done) = end_with(&mut rekey, kill_rekey);
        rekeys_killed += usize::from(killed);
        rotated += usize::from(done);
        for w in waiters {
            others_killed += usize::from(w.join().unwrap());
        }
        // Whatever happened, the journal opens with the key on disk.
        let out = cli.cmd(&["history", "--limit", "1"]).output().unwrap();
        assert!(
            out.status.success(),
            "round {round} ({others:?}, rekey killed at {kill_rekey:?}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            rows["rows"][0]["outBizNo"], "V-RACE",
            "round {round}: the recorded settlement is still there"
        );
    }
    (rekeys_killed, others_killed, rotated)
}

/// Some thousands of rows, so a rotation takes long enough to be raced.
fn bulk(db: &Path) {
    let key = common::journal_key(db);
    let clock = std::sync::Arc::new(facepay_journal::FixedClock::at("2026-11-24 09:00:00"));
    let mut j = facepay_journal::Journal::open(db, &key, "test", clock).unwrap();
    j.write(|tx| {
        for i in 0..3000 {
            tx.execute(
                "INSERT INTO audit (at, operator_id, action, subject, detail)
                 VALUES ('2026-11-24 09:00:00.000', '0107', 'export', ?1, 'bulk row for the race')",
                [format!("row-{i}")],
            )?;
        }
        Ok::<_, facepay_journal::JournalError>(())
    })
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rekey_raced_against_every_command_never_loses_the_journal() {
    let sim = SimServer::loopback().await.unwrap();
    let url = sim.url();
    let mut lanes = Vec::new();
    let mut dirs = Vec::new();
    for lane_no in 0..LANES {
        let (dir, db) = temp_db();
        let cli = Cli::new(&db, &url);
        cli.first_admin().await;
        let settled = cli.settle("V-RACE", "2026-11-25 09:30:00").await;
        assert!(settled.ok, "{}", settled.json);
        bulk(&db);
        let seed = 0x5eed + lane_no as u64;
        lanes.push(tokio::task::spawn_blocking(move || {
            lane(&cli, ROUNDS / LANES, seed)
        }));
        dirs.push(dir);
    }
    let (mut rekeys_killed, mut others_killed, mut rotated) = (0, 0, 0);
    for l in lanes {
        let (r, o, done) = l.await.unwrap();
        rekeys_killed += r;
        others_killed += o;
        rotated += done;
    }
    eprintln!(
        "{ROUNDS} rounds: {rotated} rotations done, {rekeys_killed} killed midway, {others_killed} other commands killed; every journal readable"
    );
    // The race was run: rotations went through, and rotations and other
    // commands were killed midway.
    assert!(
        rekeys_killed > 0 && others_killed > 0 && rotated > 10,
        "killed {rekeys_killed} rotations and {others_killed} others; {rotated} rotations done"
    );
}
