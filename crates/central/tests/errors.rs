//! How the server's failures are named: a connection that went away
//! mid-way is "unreachable" (try again later), not "the server went wrong"
//! (call the DBA).

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

use facepay_central::CentralError;
use facepay_testkit::postgres::{PASSWORD, PgServer};
use facepay_testkit::proxy::TcpProxy;

#[test]
fn a_connection_cut_mid_way_is_unreachable_and_the_servers_own_refusal_is_the_servers() {
    let pg = PgServer::start();
    let proxy = TcpProxy::start(pg.port);
    let mut client = postgres::Client::connect(
        &format!(
            "postgres://facepay:{PASSWORD}@127.0.0.1:{}/facepay",
            proxy.port
        ),
        postgres::NoTls,
    )
    .unwrap();
    client.simple_query("SELECT 1").unwrap();
    assert!(proxy.cut() > 0, "the proxy held the connection");
    let cut: CentralError = client.simple_query("SELECT 1").unwrap_err().into();
    assert!(matches!(cut, CentralError::Unreachable { .. }), "{cut:?}");
    assert!(cut.is_transient());
    assert!(cut.to_string().contains("连接中途断开"), "{cut}");

    let mut direct = postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap();
    let refused: CentralError = direct
        .simple_query("SELECT * FROM no_such_table")
        .unwrap_err()
        .into();
    assert!(matches!(refused, CentralError::Server(_)), "{refused:?}");
}
