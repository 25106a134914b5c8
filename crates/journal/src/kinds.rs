//! The journal's closed sets and ids, typed: what a column may hold is an
//! enum, what a row is called is a newtype, so neither can be mixed up.

use rusqlite::Row;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(v).map($name)
            }
        }
    };
}

id!(
    /// A visit: one patient at the counter.
    VisitId
);
id!(
    /// A recorded settlement (or refund).
    SettlementId
);
id!(
    /// One terminal call.
    CallId
);

/// A counter's 窗口编号 (`W01`): letters and digits only, as it stands inside
/// every outBizNo the counter makes. `new` is the only door.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CounterId(String);

impl CounterId {
    /// `None` unless `text` is one or more ASCII letters and digits.
    pub fn new(text: &str) -> Option<Self> {
        (!text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric()))
            .then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CounterId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl ToSql for CounterId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

/// Closed sets stored as text: each variant with its text (in the column,
/// on the wire, in TypeScript) and its Chinese label (on screen, in exports),
/// declared together once. `ALL` lists them in the order they are shown.
macro_rules! column_enums {
    ($($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal => $label:literal,)+ })+) => {$(
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The Chinese name shown to staff.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        // By hand: the derive does not see the renames through the macro.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = v.as_str()?;
                Self::parse(text).ok_or_else(|| FromSqlError::Other(
                    format!("{} 不认识“{text}”", stringify!($name)).into(),
                ))
            }
        }
    )+};
}

column_enums!(
    /// Where a settlement's notification stands.
    DeliveryStatus {
        /// Pushed by the HIS, shown in the panel, sent when the cashier presses F4.
        Held = "held" => "待收款员确认（按 F4 通知终端）",
        /// A retry is scheduled.
        Pending = "pending" => "待重发",
        Delivered = "delivered" => "已送达",
        /// Retries are exhausted: a person must re-send (历史 → 重发).
        GaveUp = "gave_up" => "未送达",
    }

    /// How a terminal call ended (or that it has not).
    CallStatus {
        InFlight = "in_flight" => "进行中",
        Ok = "ok" => "成功",
        Failed = "failed" => "失败",
        /// The terminal may have acted: 待确认.
        Unknown = "unknown" => "结果未知",
    }

    /// What was decided about an unknown outcome.
    Resolution {
        /// The terminal did act (e.g. the result is on its screen).
        ConfirmedOk = "confirmed_ok" => "确认终端已处理",
        /// It did not.
        ConfirmedFailed = "confirmed_failed" => "确认终端未处理",
        /// A later delivery of the same notification succeeded.
        Superseded = "superseded" => "已被后续调用取代",
    }

    /// Who started a visit or recorded a settlement.
    Source {
        /// The cashier, in the panel.
        Panel = "panel" => "收银台",
        /// A script, through the `facepay` command line.
        Cli = "cli" => "脚本",
        /// The HIS, through the bridge.
        His = "his" => "HIS",
    }

    /// How the patient's identity was obtained (凭证方式).
    Credential {
        /// 刷脸: ec.auth then auth.check.
        Face = "face" => "刷脸",
        /// 医保码: the terminal scanned the 医保电子凭证 (cn.nhsa.qrcode.get).
        QrCode = "qrcode" => "医保码",
    }

    /// What a signed-in operator may do.
    Role {
        /// 收款员: scans, settles, refunds, looks back; no settings, no unmasked export.
        Cashier = "cashier" => "收款员",
        /// 管理员: everything, including settings, operators, the audit log and purges.
        Admin = "admin" => "管理员",
        /// 财务/信息科: the hospital's views (全院), 对账 and its explanations; no
        /// payments, no settings.
        Finance = "finance" => "财务/信息科",
    }

    /// What the audit log records: every action staff, the HIS or the
    /// counter itself took that someone may have to answer for.
    AuditAction {
        SignIn = "sign_in" => "登录",
        SignInFailed = "sign_in_failed" => "登录失败",
        PinLocked = "pin_locked" => "PIN 锁定",
        Lock = "lock" => "锁定",
        Unlock = "unlock" => "解锁",
        HandOver = "hand_over" => "交班",
        ChangePin = "change_pin" => "修改 PIN",
        CreateOperator = "create_operator" => "新增操作员",
        UpdateOperator = "update_operator" => "修改操作员",
        Forbidden = "forbidden" => "越权被拒",
        RevealIdentity = "reveal_identity" => "显示身份",
        SearchByName = "search_by_name" => "按姓名查询历史",
        Export = "export" => "导出",
        ResolveUnknown = "resolve_unknown" => "待确认处理",
        Notify = "notify" => "结算通知",
        Refund = "refund" => "退费",
        ResendNotify = "resend_notify" => "重发通知",
        ReleaseNotify = "release_notify" => "F4 通知终端",
        CloseDay = "close_day" => "日结",
        SaveSettings = "save_settings" => "保存设置",
        PurgeIdentities = "purge_identities" => "清除过期身份",
        BridgeTokenCopied = "bridge_token_copied" => "复制接口令牌",
        BridgeTokenRotated = "bridge_token_rotated" => "重新生成接口令牌",
        BridgeTokenShown = "bridge_token_shown" => "显示接口令牌",
        BridgeUnauthorized = "bridge_unauthorized" => "接口拒绝访问",
        HisDisclosure = "his_disclosure" => "HIS 获取身份",
        ClockJump = "clock_jump" => "时钟跳变",
        JournalRekeyed = "journal_rekeyed" => "记录库换密钥",
        IdentityMismatch = "identity_mismatch" => "身份与就诊不符被拒",
        KeyFileModeFixed = "key_file_mode_fixed" => "密钥文件权限已收紧",
        TokenFileModeFixed = "token_file_mode_fixed" => "令牌文件权限已收紧",
        JournalKeyIntoKeyring = "journal_key_into_keyring" => "记录库密钥移入系统钥匙串",
        CentralRestore = "central_restore" => "换机恢复",
    }
);

/// Read a column holding a code of a table defined elsewhere (the protocol's
/// enums), refusing what the table does not know.
pub(crate) fn code<T>(
    r: &Row<'_>,
    i: usize,
    parse: impl Fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("“{text}”不在代码表中").into(),
        )
    })
}
