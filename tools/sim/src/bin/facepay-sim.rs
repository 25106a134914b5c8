//! `facepay-sim --listen 127.0.0.1:4301`: a terminal stand-in on loopback.

use std::net::SocketAddr;
use std::sync::Arc;

use clap::Parser;
use facepay_sim::{SimServer, Simulator};

#[derive(Debug, Parser)]
#[command(
    name = "facepay-sim",
    about = "医保刷脸终端模拟器：在本机回环地址上以 HTTP 应答终端报文"
)]
struct Args {
    /// Address to listen on. Loopback only is the point: this is not a real terminal.
    #[arg(long, default_value = "127.0.0.1:4301")]
    listen: SocketAddr,
    /// Seed for the generated people and numbers (reproducible training sessions).
    #[arg(long)]
    seed: Option<u64>,
    /// The day the children's ages are counted on (`YYYY-MM-DD`), for
    /// reproducible screenshots; today in China by default.
    #[arg(long, value_parser = parse_day)]
    today: Option<(u32, u32, u32)>,
}

fn parse_day(s: &str) -> Result<(u32, u32, u32), String> {
    let bad = || format!("日期应为 YYYY-MM-DD：{s}");
    let mut parts = s.split('-').map(|p| p.parse::<u32>().map_err(|_| bad()));
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let (y, m, d) = (y?, m?, d?);
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    Ok((y, m, d))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let sim = Arc::new(args.seed.map_or_else(Simulator::new, Simulator::with_seed));
    sim.set_today(args.today);
    let server = match SimServer::start(args.listen, sim).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("facepay-sim: 无法监听 {}：{e}", args.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    // Scripts that pass port 0 read the real address from this line.
    println!("facepay-sim listening on http://{}", server.addr);
    let _ = tokio::signal::ctrl_c().await;
    std::process::ExitCode::SUCCESS
}
