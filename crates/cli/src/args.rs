//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "facepay",
    version,
    about = "医保刷脸收银台命令行：刷脸、结算通知、历史、日结与导出"
)]
pub struct Cli {
    /// Configuration file (TOML). Also FACEPAY_CONFIG; FACEPAY_* variables override it.
    #[arg(long, global = true, env = "FACEPAY_CONFIG")]
    pub config: Option<PathBuf>,
    /// 管理员工号 for the commands that need one (resolve, export --unmasked,
    /// operators, audit, purge, bridge-token, rekey, central init …); a
    /// 财务/信息科 工号 does for reconcile and central differences, explain and
    /// person. The PIN comes from FACEPAY_ADMIN_PIN, else it is asked for on
    /// the terminal.
    #[arg(long, global = true, env = "FACEPAY_ADMIN_ID")]
    pub admin: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// What `facepay` does: rotate the journal's key, or work on the journal
/// (the rotation closes the journal for its rewrite, so it is apart).
#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(flatten)]
    Journal(JournalCommand),
    /// Re-encrypt the journal under a new key. Refused while the panel or any
    /// other facepay process has the journal open (and none opens it until
    /// the rotation is done). Crash-safe: a kill leaves it usable.
    Rekey,
}

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// 刷脸: start face authorization on the terminal and fetch the identity.
    Auth,
    /// 扫码: read the patient's 医保码 on the terminal (infants, a face that
    /// cannot be scanned); the same output as `auth`.
    Qrcode,
    /// Fetch the identity of a visit again (after auth.check failed), without a second scan.
    Identity {
        /// The visit's (ec.auth) outBizNo.
        #[arg(long)]
        visit: String,
    },
    /// 结算通知: record a settlement and notify the terminal. JSON with the wire field names.
    Notify {
        /// A file, or - for standard input.
        #[arg(long)]
        json: PathBuf,
    },
    /// 退费: refund a SUCCESS from the history under its own visit, linked to it.
    /// Without --json a full refund of what is left; the JSON (wire names)
    /// changes it: totalFee and the amounts for a partial refund, setlTime,
    /// medicalSettleState REFUND_FAIL with failReason; "" leaves a field out.
    Refund {
        /// The settlement's id (历史 / `facepay history`).
        #[arg(long)]
        settlement: i64,
        /// A file, or - for standard input.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Search settlements.
    History(Box<HistoryArgs>),
    /// One visit with all its terminal calls (raw copies masked).
    Visit {
        /// The visit's (ec.auth) outBizNo.
        out_biz_no: String,
    },
    /// 日结 of a day: per operator, per state, refunds netted.
    Summary {
        #[arg(long)]
        date: String,
        #[arg(long)]
        operator: Option<String>,
    },
    /// Close this counter operator's day: its totals are frozen.
    CloseDay {
        #[arg(long)]
        date: String,
    },
    /// Export settlements of a date range.
    Export {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long, value_enum)]
        format: Format,
        #[arg(long)]
        out: PathBuf,
        /// Full names and 证件号 (audited). Masked otherwise.
        #[arg(long)]
        unmasked: bool,
    },
    /// Notifications not yet delivered; --deliver sends those whose retry is due.
    Outbox {
        #[arg(long)]
        deliver: bool,
    },
    /// Send an undelivered notification again now.
    Resend {
        #[arg(long)]
        settlement: i64,
    },
    /// 待确认: calls whose outcome is unknown.
    Pending,
    /// 对账 (财务/信息科 or 管理员): the HIS's list of a day's settlements (CSV with the
    /// columns setl_id, outBizNo, totalFee, state) against every counter's
    /// records on the central server (docs/central.md). The differences are
    /// kept there until explained (`facepay central explain`).
    Reconcile {
        /// The HIS's CSV, or - for standard input.
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        date: String,
        /// The file's text encoding: utf-8 (default), gbk or gb18030.
        #[arg(long, default_value = "utf-8")]
        charset: String,
    },
    /// The HIS bridge without the panel (docs/his-bridge.md), on the same
    /// journal, until Ctrl-C or SIGTERM. Prints one JSON line when listening.
    /// A token from FACEPAY_BRIDGE_TOKEN needs an administrator credential.
    Serve {
        /// Loopback address; default `[bridge] listen`, else 127.0.0.1:17321.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Print the HIS bridge's bearer token (for the HIS configuration);
    /// --rotate replaces it (the old one stops working at once). An
    /// administrator only (--admin, or FACEPAY_ADMIN_ID and FACEPAY_ADMIN_PIN);
    /// errors go to stderr, the exit is non-zero.
    BridgeToken {
        #[arg(long)]
        rotate: bool,
        /// Print the token alone, for `TOKEN=$(facepay bridge-token --raw)`.
        #[arg(long)]
        raw: bool,
    },
    /// 操作员: list, add, change (管理员). The first operator, added while
    /// there is none, must be an administrator and needs no credential.
    #[command(subcommand)]
    Operators(OperatorsCommand),
    /// 全院库: the hospital's central PostgreSQL (docs/central.md).
    #[command(subcommand)]
    Central(CentralCommand),
    /// 审计: the audit log, newest first (管理员).
    Audit {
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
        /// Last day (YYYY-MM-DD).
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        operator: Option<String>,
        /// An exact action, e.g. sign_in_failed, export, reveal_identity.
        #[arg(long)]
        action: Option<String>,
        /// At most this many (1–500).
        #[arg(long)]
        limit: Option<u32>,
    },
    /// 清除: purge names and 证件号 older than the retention now (管理员).
    Purge {
        /// Instead of `[journal] retention_days`.
        #[arg(long)]
        older_than_days: Option<u32>,
    },
    /// Resolve a 待确认 call (audited).
    Resolve {
        #[arg(long)]
        call: i64,
        #[arg(long, value_enum)]
        outcome: Outcome,
        #[arg(long)]
        reason: String,
    },
}

impl JournalCommand {
    /// Whether the command may call the terminal, and so connects it. The
    /// others only read or keep the journal: they run without loading the
    /// vendor library or starting a `nation-ec-host` beside the panel's, and
    /// work while the terminal's configuration is broken.
    pub fn calls_the_terminal(&self) -> bool {
        match self {
            JournalCommand::Auth
            | JournalCommand::Qrcode
            | JournalCommand::Identity { .. }
            | JournalCommand::Notify { .. }
            | JournalCommand::Refund { .. }
            | JournalCommand::Resend { .. }
            | JournalCommand::Serve { .. } => true,
            JournalCommand::Outbox { deliver } => *deliver,
            JournalCommand::History(_)
            | JournalCommand::Visit { .. }
            | JournalCommand::Summary { .. }
            | JournalCommand::CloseDay { .. }
            | JournalCommand::Export { .. }
            | JournalCommand::Pending
            | JournalCommand::BridgeToken { .. }
            | JournalCommand::Operators(_)
            | JournalCommand::Central(_)
            | JournalCommand::Reconcile { .. }
            | JournalCommand::Audit { .. }
            | JournalCommand::Purge { .. }
            | JournalCommand::Resolve { .. } => false,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CentralCommand {
    /// Create or upgrade the central schema (管理员). On the first counter it
    /// also makes the hospital's identity key; other counters enroll it.
    Init,
    /// The hospital's identity key (管理员): --show prints it for another
    /// counter, --enroll reads it from standard input and keeps it here.
    IdentityKey {
        #[arg(long, conflicts_with = "enroll", required_unless_present = "enroll")]
        show: bool,
        #[arg(long)]
        enroll: bool,
        /// With --enroll: replace a key enrolled here by mistake.
        #[arg(long, requires = "enroll")]
        replace: bool,
    },
    /// Keep the database password in this machine's keystore (管理员); read
    /// from standard input, or asked for at a terminal.
    Password,
    /// Ship this counter's records. With --wait: until everything committed
    /// before the command started is on the server (retrying a server that
    /// is restarting); without: one attempt.
    Sync {
        #[arg(long)]
        wait: bool,
    },
    /// The hospital's 日结 of a day: net totals per counter, 医保 and 自费 apart.
    Summary {
        #[arg(long)]
        date: String,
        /// The output is JSON (always; accepted for scripts that say so).
        #[arg(long)]
        json: bool,
    },
    /// The hospital's 日结 from --from to --to (at most 366 days), by counter,
    /// 收款员 (operator), office or day, 医保 and 自费 apart, refunds netted.
    /// JSON, or with --csv the spreadsheet (UTF-8 with BOM) on standard output.
    Report {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long, value_enum, default_value_t = ByArg::Counter)]
        by: ByArg,
        #[arg(long)]
        csv: bool,
    },
    /// A person's settlements at every counter, newest first, masked (财务/信息科 or 管理员).
    /// The 证件号 is read from standard input (never an argument, which
    /// other users of the machine can see) and only its keyed hash is sent.
    Person {
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// 对账 differences of a day still waiting for an explanation (财务/信息科 or 管理员).
    Differences {
        #[arg(long)]
        date: String,
    },
    /// Explain one 对账 difference (财务/信息科 or 管理员); audited on the server.
    Explain {
        /// The difference's id (`facepay reconcile`, `central differences`).
        #[arg(long)]
        difference: i64,
        #[arg(long)]
        note: String,
    },
    /// A replaced counter PC (管理员): rebuild counter `--counter`'s history
    /// (masked) from the server into this fresh journal, configured as that
    /// counter, and make the server take that counter's rows from here only.
    Restore {
        #[arg(long)]
        counter: String,
    },
    /// Every counter's heartbeat and position, and this counter's backlog.
    Status {
        /// The output is JSON (always; accepted for scripts that say so).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OperatorsCommand {
    List,
    /// The new operator's PIN comes from FACEPAY_NEW_PIN, else it is asked for twice.
    Add {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Change an operator; --reset-pin takes the new PIN like `add`.
    Update {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        #[arg(long)]
        disable: bool,
        #[arg(long)]
        reset_pin: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// 收款员
    Cashier,
    /// 管理员
    Admin,
    /// 财务/信息科: the hospital's views and 对账 (reconcile, central
    /// differences, explain, person); no payments, no settings
    Finance,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ByArg {
    Counter,
    Operator,
    Office,
    Day,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Outcome {
    /// The terminal did act.
    Ok,
    /// It did not.
    Failed,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// First business day (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Last business day (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long)]
    pub operator: Option<String>,
    #[arg(long)]
    pub office: Option<String>,
    /// SUCCESS, FAIL, REFUND_SUCCESS, REFUND_FAIL.
    #[arg(long)]
    pub state: Option<String>,
    /// register, settle, drugStore.
    #[arg(long)]
    pub biz_type: Option<String>,
    /// The first character of the patient's name, as masked rows show it
    /// (a whole name is searched in the panel's 历史, audited).
    #[arg(long)]
    pub name: Option<String>,
    /// The last 4 characters of the 证件号 (matched on the 3 shown; the check
    /// digit, masked everywhere, is not compared).
    #[arg(long)]
    pub id_last4: Option<String>,
    #[arg(long)]
    pub out_biz_no: Option<String>,
    #[arg(long)]
    pub auth_no: Option<String>,
    #[arg(long)]
    pub settle_no: Option<String>,
    /// 凭证方式: face (刷脸) or qrcode (医保码).
    #[arg(long)]
    pub credential: Option<String>,
    /// Rows per page (1–500).
    #[arg(long)]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    #[arg(long)]
    pub before: Option<String>,
}
