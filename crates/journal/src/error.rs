use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("数据库错误：{0}")]
    Sqlite(rusqlite::Error),
    /// The file or its disk cannot be written: what is recorded can be read.
    #[error("记录库只读，不能记录新的操作（{0}）")]
    ReadOnly(String),
    #[error("磁盘空间不足，不能记录新的操作（{0}）")]
    DiskFull(String),
    #[error("数据库升级失败：{0}")]
    Migration(String),
    #[error("数据库由更新版本的程序创建（结构版本 {found}，本程序支持 {supported}），请升级本程序")]
    TooNew { found: i64, supported: i64 },
    /// The file is encrypted under another key (or is not a journal at all).
    #[error(
        "记录库 {0} 无法用本机的密钥打开：密钥不对，或文件不是收银台的记录库。未做任何改动，请联系信息科"
    )]
    WrongKey(PathBuf),
    #[error("密钥无效：{0}")]
    KeyInvalid(String),
    #[error("数据库文件 {path} 已损坏（{detail}），请联系信息科从备份恢复")]
    Corrupt { path: PathBuf, detail: String },
    /// The same action is already under way: a double click, a second window.
    #[error("{0}")]
    Busy(String),
    /// The same settlement was submitted before.
    #[error("{0}")]
    Duplicate(String),
    /// A SUCCESS under a 医保单据流水号 (2207 setl_id) already recorded:
    /// `settlement_id`, on the visit `out_biz_no`.
    #[error("{message}")]
    DuplicateSettlement {
        message: String,
        settlement_id: crate::SettlementId,
        out_biz_no: String,
    },
    #[error("{0}")]
    NotFound(String),
    /// `facepay central restore` began here and has not finished: a payment
    /// now could be neither restored over nor shipped.
    #[error(
        "换机恢复尚未完成（{since} 开始）：恢复完成前本机不能收费。请信息科再运行 \
         facepay central restore --counter {counter_id}"
    )]
    RestoreUnfinished { counter_id: String, since: String },
    #[error("字段 {field}：{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("文件操作失败：{0}")]
    Io(std::io::Error),
    #[error("导出失败：{0}")]
    Export(String),
    /// A value of ours that would not serialise: a bug, never the user's doing.
    #[error("内部错误：{0}")]
    Internal(String),
}

impl JournalError {
    pub fn code(&self) -> &'static str {
        match self {
            JournalError::Sqlite(_) => "journal",
            JournalError::ReadOnly(_) => "journal_read_only",
            JournalError::DiskFull(_) => "disk_full",
            JournalError::Migration(_) => "journal_migration",
            JournalError::TooNew { .. } => "journal_too_new",
            JournalError::Corrupt { .. } => "journal_corrupt",
            JournalError::WrongKey(_) => "journal_wrong_key",
            JournalError::KeyInvalid(_) => "journal_key_invalid",
            JournalError::Busy(_) => "busy",
            JournalError::Duplicate(_) | JournalError::DuplicateSettlement { .. } => "duplicate",
            JournalError::NotFound(_) => "not_found",
            JournalError::RestoreUnfinished { .. } => "restore_unfinished",
            JournalError::Invalid { .. } => "invalid_input",
            JournalError::Io(_) => "io",
            JournalError::Export(_) => "export",
            JournalError::Internal(_) => "internal",
        }
    }
}

impl From<rusqlite::Error> for JournalError {
    /// A full disk and a read-only file are the counter's to fix, not bugs:
    /// they get their own kinds, with their own advice.
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => JournalError::DiskFull(e.to_string()),
            Some(rusqlite::ErrorCode::ReadOnly) => JournalError::ReadOnly(e.to_string()),
            _ => JournalError::Sqlite(e),
        }
    }
}

impl From<std::io::Error> for JournalError {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::StorageFull => JournalError::DiskFull(e.to_string()),
            std::io::ErrorKind::ReadOnlyFilesystem => JournalError::ReadOnly(e.to_string()),
            _ => JournalError::Io(e),
        }
    }
}

/// The message naming the UNIQUE index (or primary key) a write tripped, if that is what
/// failed. Other constraint failures (a CHECK, a foreign key) are not
/// duplicates and must never be reported as "already submitted".
pub(crate) fn violated_index(e: &rusqlite::Error) -> Option<&str> {
    match e {
        rusqlite::Error::SqliteFailure(f, Some(msg))
            if matches!(
                f.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ) =>
        {
            Some(msg.as_str())
        }
        _ => None,
    }
}

impl JournalError {
    /// SQLCipher reports a full disk as a plain I/O error: when the disk the
    /// journal lives on has (almost) no room left, that is what it is.
    pub fn on_disk_of(self, path: &std::path::Path) -> Self {
        match &self {
            JournalError::Sqlite(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::SystemIoFailure)
                    && nearly_full(path) =>
            {
                JournalError::DiskFull(e.to_string())
            }
            _ => self,
        }
    }
}

/// Whether the file system holding `path` has under 1 MiB free.
fn nearly_full(path: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
            return false;
        };
        let mut st = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
        // SAFETY: a valid NUL-terminated path and a buffer of the right type.
        if unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) } != 0 {
            return false;
        }
        // SAFETY: statvfs succeeded and filled it.
        let st = unsafe { st.assume_init() };
        // The field types differ between platforms (u32 on some 32-bit ones).
        #[allow(clippy::useless_conversion)]
        let free = u64::from(st.f_bavail).saturating_mul(u64::from(st.f_frsize));
        free < 1024 * 1024
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}
