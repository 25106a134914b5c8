//! The hospital's central server, shared by the suites that drive it.

use serde_json::Value;

use super::{Cli, Counter, refund_json};

pub const DAY: &str = "2026-11-25";

/// Counter `id` of the hospital, configured for the server at `url`.
pub async fn counter(id: &str, url: &str) -> (Counter, Cli) {
    let t = Counter::with_admin().await;
    let cli = t
        .env("FACEPAY_COUNTER_ID", id)
        .env("FACEPAY_CENTRAL_URL", url);
    (t, cli)
}

/// `visits` settled at 09:mm on [`DAY`], the first one refunded.
pub async fn a_morning(cli: &Cli, visits: usize) {
    let mut first = None;
    for i in 0..visits {
        let visit = cli.new_visit().await;
        let paid = cli
            .settle(&visit, &format!("{DAY} 09:{:02}:00", i % 60))
            .await;
        assert!(paid.ok, "{} {}", paid.json, paid.stderr);
        first.get_or_insert(visit);
    }
    if let Some(visit) = first {
        let refund = cli
            .notify(refund_json(&visit, &format!("{DAY} 11:00:00")))
            .await;
        assert!(refund.ok, "{} {}", refund.json, refund.stderr);
    }
}

/// The counter's own 日结 net of [`DAY`], in 分, every operator.
pub async fn local_net_fen(cli: &Cli) -> i64 {
    let summary = cli.run(&["summary", "--date", DAY]).await;
    assert!(summary.ok, "{}", summary.json);
    summary
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|day| fen(&day["net"]["totalFee"]))
        .sum()
}

/// Money as the CLI prints it (`"-12.50"`), in 分.
pub fn fen(v: &Value) -> i64 {
    let text = v.as_str().unwrap_or_else(|| panic!("not money: {v}"));
    let (negative, text) = text
        .strip_prefix('-')
        .map_or((false, text), |rest| (true, rest));
    let (yuan, cents) = text.split_once('.').unwrap();
    let value = yuan.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap();
    if negative { -value } else { value }
}

/// Enroll the hospital's identity key from `from` onto `to`.
pub async fn enroll(from: &Cli, to: &Cli) {
    let key = from.run(&["central", "identity-key", "--show"]).await;
    assert!(key.ok, "{} {}", key.json, key.stderr);
    // What --show printed, piped as it is.
    let enrolled = to
        .run_with(&["central", "identity-key", "--enroll"], key.stdout.clone())
        .await;
    assert!(enrolled.ok, "{} {}", enrolled.json, enrolled.stderr);
}
