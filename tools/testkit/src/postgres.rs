//! A real PostgreSQL server of the test's own: a fresh cluster in a
//! temporary folder on a free loopback port, with password authentication
//! over TCP, the `facepay` role and database. It can be crashed
//! (`pg_ctl -m immediate`) and started again on the same port. PostgreSQL
//! refuses to run as root: as root the server runs as the `postgres` user
//! (Debian's package creates it).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `facepay` role's password in every test cluster.
pub const PASSWORD: &str = "facepay-test-pw";
const SUPERUSER_PASSWORD: &str = "postgres-test-pw";

#[derive(Debug)]
pub struct PgServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    as_root: bool,
}

fn server_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (scripts/install-deps.sh)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().expect("initdb under /usr/lib/postgresql/*/bin")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

impl PgServer {
    pub fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("facepay-pg")
            .tempdir()
            .unwrap();
        let as_root = is_root();
        let server = Self {
            bin: server_bin(),
            port: free_port(),
            as_root,
            dir,
        };
        std::fs::create_dir(server.sockets()).unwrap();
        std::fs::write(server.dir.path().join("pw"), SUPERUSER_PASSWORD).unwrap();
        if as_root {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(server.dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown the cluster's folder to postgres");
        }
        server.run(
            "initdb",
            &[
                "-D",
                &server.data().display().to_string(),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                &format!("--pwfile={}", server.dir.path().join("pw").display()),
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        server.start_again();
        server.psql(&format!("CREATE ROLE facepay LOGIN PASSWORD '{PASSWORD}'"));
        server.psql("CREATE DATABASE facepay OWNER facepay");
        server
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn sockets(&self) -> PathBuf {
        self.dir.path().join("sock")
    }

    fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd.args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Start (again) on the same port and data.
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on",
            self.port,
            self.sockets().display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-o",
                &options,
                "-l",
                &self.dir.path().join("log").display().to_string(),
                "-w",
                "start",
            ],
        );
    }

    /// Stop it as a crash would: no shutdown checkpoint, connections cut.
    pub fn crash(&self) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    /// `postgres://facepay:…@127.0.0.1:PORT/facepay`.
    pub fn url(&self) -> String {
        format!(
            "postgres://facepay:{PASSWORD}@127.0.0.1:{}/facepay",
            self.port
        )
    }

    /// The same without the password (as `[central] url` is written).
    pub fn url_without_password(&self) -> String {
        format!("postgres://facepay@127.0.0.1:{}/facepay", self.port)
    }

    /// Run SQL as the superuser on the `facepay` database when it exists;
    /// unaligned, tuples only.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_on("postgres", sql)
    }

    pub fn psql_on(&self, db: &str, sql: &str) -> String {
        let out = Command::new("psql")
            .env("PGPASSWORD", SUPERUSER_PASSWORD)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .args(["-d", db, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let exe = self.bin.join("pg_ctl");
        let data = self.data();
        let mut cmd = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let _ = cmd
            .args(["-D"])
            .arg(&data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}
