//! The journal on a small disk that fills during the day, then turns
//! read-only: what was recorded stays readable, new work is refused with the
//! reason and what to do. A real size-limited tmpfs: mounting needs root (CI
//! runs as root); without it the test fails rather than pass unrun.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Cli, export};
use facepay_sim::SimServer;

/// A 4 MiB tmpfs, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(dir: &Path) -> Option<Self> {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| SmallDisk(dir.to_owned()))
    }

    fn remount(&self, mode: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success(), "remount {mode}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Write until the disk says it is full.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = vec![0u8; 64 * 1024];
    while file
        .write_all(&block)
        .and_then(|()| file.sync_all())
        .is_ok()
    {}
    path
}

#[tokio::test]
async fn a_full_then_read_only_disk_keeps_history_and_refuses_new_work_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    // A test that passed without running would say nothing: without root it fails.
    let disk =
        SmallDisk::mount(dir.path()).expect("mounting a small tmpfs needs root (CI runs as root)");
    let sim = SimServer::loopback().await.unwrap();
    let cli = Cli::new(&dir.path().join("facepay.db"), &sim.url());

    cli.first_admin().await;
    let visit = cli.new_visit().await;
    let paid = cli.settle(&visit, "2026-11-25 09:30:00").await;
    assert!(paid.ok, "{}", paid.json);

    // The disk fills up.
    let filler = fill(dir.path());
    let refused = cli.run(&["auth"]).await;
    assert_eq!(refused.code, Some(1));
    assert_eq!(refused.json["code"], "disk_full", "{}", refused.json);
    assert!(
        refused.json["message"]
            .as_str()
            .unwrap()
            .contains("磁盘空间不足")
    );
    assert!(
        refused.json["advice"]
            .as_str()
            .unwrap()
            .contains("清理磁盘")
    );
    for args in [
        &["pending"][..],
        &["history", "--out-biz-no", &visit],
        &["summary", "--date", "2026-11-25"],
    ] {
        let read = cli.run(args).await;
        assert!(read.ok, "{args:?} while the disk is full: {}", read.json);
    }
    let history = cli.run(&["history", "--out-biz-no", &visit]).await;
    assert_eq!(history.json["rows"].as_array().unwrap().len(), 1);

    // Space again: work goes on.
    std::fs::remove_file(filler).unwrap();
    let again = cli.run(&["auth"]).await;
    assert!(again.ok, "{}", again.json);

    // The disk turns read-only (a failing drive, a bad mount).
    disk.remount("ro");
    let refused = cli.settle(&visit, "2026-11-25 10:00:00").await;
    assert_eq!(
        refused.json["code"], "journal_read_only",
        "{}",
        refused.json
    );
    assert!(
        refused.json["advice"]
            .as_str()
            .unwrap()
            .contains("仍可查看")
    );
    let history = cli.run(&["history", "--out-biz-no", &visit]).await;
    assert!(history.ok, "{}", history.json);
    let pending = cli.run(&["pending"]).await;
    assert!(pending.ok, "{}", pending.json);
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("export.csv");
    let masked = export("2026-11-25", "2026-11-25", "csv", &csv);
    let exported = cli.run(&masked).await;
    assert!(exported.ok, "{}", exported.json);
    assert_eq!(exported.json["rows"], 1);
    let unmasked = cli.run(&[&masked[..], &["--unmasked"]].concat()).await;
    assert!(
        !unmasked.ok,
        "an unmasked export that cannot be audited: {}",
        unmasked.json
    );
    // Refused for want of an audit row, not for want of a credential: the
    // administrator signs in on a read-only journal too.
    assert_eq!(unmasked.json["field"], "unmasked", "{}", unmasked.json);
    disk.remount("rw");
}
