use facepay_journal::JournalError;
use facepay_keystore::KeyError;

/// Why the central server could not be used. The counter keeps working
/// locally whatever this says: nothing here stops a visit.
#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    #[error("未配置全院库：请在配置文件 [central] 中设置 url（或 FACEPAY_CENTRAL_URL）")]
    NotConfigured,
    #[error("{field}：{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("无法连接全院库 {server}：{cause}")]
    Unreachable { server: String, cause: String },
    /// The server answered and refused us (password, role, database): no
    /// retry helps until IT changes something.
    #[error(
        "全院库 {server} 拒绝连接：{cause}。请信息科检查用户名、密码（facepay central password）和库名"
    )]
    LoginRefused { server: String, cause: String },
    #[error("全院库尚未初始化：请信息科运行 facepay central init")]
    NotInitialised,
    #[error(
        "全院库的结构版本 {server} 比本机支持的 {supported} 新：请升级本机的 FacePay Desk。\
         本机照常收费，记录会在升级后补传"
    )]
    SchemaTooNew { server: i64, supported: i64 },
    #[error(
        "全院库的结构版本 {server} 比本机的 {supported} 旧：请信息科运行 facepay central init 升级全院库。\
         本机照常收费，记录会在升级后补传"
    )]
    SchemaTooOld { server: i64, supported: i64 },
    #[error(
        "全院库的结构版本 {server} 比本机的 {supported} 旧，收银台 {counters} 还不能使用新结构：\
         请先升级这些收银台（之后本机自动升级全院库），或由信息科运行 facepay central init。\
         本机照常收费，记录会在升级后补传"
    )]
    UpgradeWaits {
        server: i64,
        supported: i64,
        counters: String,
    },
    #[error(
        "本机未登记全院身份密钥：请信息科在已初始化的电脑上运行 facepay central identity-key --show，\
         再在本机运行 facepay central identity-key --enroll"
    )]
    NoIdentityKey,
    #[error(
        "本机登记的全院身份密钥与全院库不符：证件号无法跨收银台检索，已停止上传。\
         请信息科用 facepay central identity-key --enroll --replace 登记全院的那一把"
    )]
    WrongIdentityKey,
    #[error("{0}")]
    Key(#[from] KeyError),
    #[error("{0}")]
    Journal(#[from] JournalError),
    #[error(
        "全院库中收银台 {counter_id} 的记录来自另一份记录库（另一台电脑用过这个编号，或复制过本机的记录库）：\
         本机不会上传，以免两份记录互相覆盖。请信息科核对 [counter] id（每台收银台应有自己的编号）"
    )]
    CounterTaken { counter_id: String },
    #[error(
        "换机恢复尚未完成：全院库已把收银台 {counter_id} 交给本机，但本机还没有写入原来的记录。\
         请在收费之前再运行 facepay central restore --counter {counter_id}"
    )]
    RestoreUnfinished { counter_id: String },
    /// An operator change while the directory (on the server) cannot be reached.
    #[error("操作员由全院统一管理，连不上全院库时不能修改：{cause}")]
    DirectoryOffline { cause: String },
    /// Whoever asked is not, in the directory itself, allowed to (disabled,
    /// demoted, or never there): the counter's copy was behind.
    #[error(
        "工号 {0} 在全院操作员目录中不是在用的管理员：不能修改操作员（本机的操作员列表可能尚未同步）"
    )]
    ActorRefused(String),
    #[error(
        "全院库中没有收银台 {0} 的记录：请核对收银台编号（facepay central status 列出全院的收银台）"
    )]
    UnknownCounter(String),
    #[error("全院操作员目录中没有工号 {0}")]
    UnknownOperator(String),
    #[error("全院库出错：{0}")]
    Server(String),
    /// The server refused the data itself (a constraint, a type): trying
    /// again sends the same rows and is refused the same way.
    #[error("全院库拒绝了本机的记录：{0}。请联系信息科（本机记录不受影响）")]
    Rejected(String),
}

impl CentralError {
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CentralError::Invalid { field, .. } => Some(field),
            CentralError::NotConfigured => Some("central.url"),
            _ => None,
        }
    }

    /// Whether trying again later may succeed (the server or the network).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            CentralError::Unreachable { .. } | CentralError::Server(_)
        )
    }
}

impl From<postgres::Error> for CentralError {
    fn from(e: postgres::Error) -> Self {
        // The server's own words when it gave some (a constraint, a
        // permission); the driver's otherwise (a dropped connection).
        match e.as_db_error() {
            Some(db) => {
                let text = format!("{} ({})", db.message(), db.code().code());
                // SQLSTATE classes 22 (data) and 23 (integrity): the rows, not the moment.
                if matches!(&db.code().code()[..2], "22" | "23") {
                    CentralError::Rejected(text)
                } else {
                    CentralError::Server(text)
                }
            }
            // The connection went away mid-way (the network, a restart):
            // the server did not go wrong, it was not there.
            None if e.is_closed()
                || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) =>
            {
                CentralError::Unreachable {
                    server: "（连接中途断开）".into(),
                    cause: format!("网络断开或服务器重启：{}", crate::url::with_causes(&e)),
                }
            }
            None => CentralError::Server(crate::url::with_causes(&e)),
        }
    }
}
