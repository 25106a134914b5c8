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
    tls: bool,
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

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA of the test's own (`ca.crt`) in `dir`, and, when `server`, a
/// certificate it signed for `localhost` and 127.0.0.1.
fn make_ca(dir: &Path, server: bool) {
    std::fs::create_dir_all(dir).unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "3",
        "-subj",
        "/CN=FacePay test CA",
    ]);
    openssl(dir, &ca);
    if server {
        let mut req = vec!["req"];
        req.extend(ec);
        req.extend([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        openssl(dir, &req);
        std::fs::write(
            dir.join("ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
        )
        .unwrap();
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.crt",
                "-days",
                "3",
                "-extfile",
                "ext",
            ],
        );
    }
}

impl PgServer {
    /// A server that takes the `facepay` role over TLS only (its certificate
    /// signed by [`PgServer::ca_file`]'s CA); plain connections are rejected.
    pub fn start_tls() -> Self {
        Self::start_with(true)
    }

    /// The CA that signed the server's certificate (TLS servers only).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("tls").join("ca.crt")
    }

    /// Another CA, which signed nothing the server shows.
    pub fn other_ca_file(&self) -> PathBuf {
        let dir = self.dir.path().join("other-ca");
        if !dir.join("ca.crt").exists() {
            make_ca(&dir, false);
        }
        dir.join("ca.crt")
    }

    pub fn start() -> Self {
        Self::start_with(false)
    }

    fn start_with(tls: bool) -> Self {
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
            tls,
        };
        if tls {
            make_ca(&server.dir.path().join("tls"), true);
        }
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
        if tls {
            std::fs::write(
                server.data().join("pg_hba.conf"),
                "local all all trust\n\
                 host all postgres 127.0.0.1/32 scram-sha-256\n\
                 hostssl all facepay 127.0.0.1/32 scram-sha-256\n\
                 host all facepay 127.0.0.1/32 reject\n",
            )
            .unwrap();
            if as_root {
                let status = Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(server.dir.path())
                    .status()
                    .unwrap();
                assert!(status.success());
            }
        }
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
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on",
            self.port,
            self.sockets().display()
        );
        if self.tls {
            let tls = self.dir.path().join("tls");
            options.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                tls.join("server.crt").display(),
                tls.join("server.key").display()
            ));
        }
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
