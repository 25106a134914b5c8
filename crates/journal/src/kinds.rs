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

macro_rules! column_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
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
    };
}

column_enum!(
    /// Where a settlement's notification stands.
    DeliveryStatus {
        /// Pushed by the HIS, shown in the panel, sent when the cashier presses F4.
        Held = "held",
        /// A retry is scheduled.
        Pending = "pending",
        Delivered = "delivered",
        /// Retries are exhausted: a person must re-send (历史 → 重发).
        GaveUp = "gave_up",
    }
);

column_enum!(
    /// How a terminal call ended (or that it has not).
    CallStatus {
        InFlight = "in_flight",
        Ok = "ok",
        Failed = "failed",
        /// The terminal may have acted: 待确认.
        Unknown = "unknown",
    }
);

column_enum!(
    /// What was decided about an unknown outcome.
    Resolution {
        /// The terminal did act (e.g. the result is on its screen).
        ConfirmedOk = "confirmed_ok",
        /// It did not.
        ConfirmedFailed = "confirmed_failed",
        /// A later delivery of the same notification succeeded.
        Superseded = "superseded",
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

column_enum!(
    /// Who started a visit or recorded a settlement.
    Source {
        /// The cashier, in the panel.
        Panel = "panel",
        /// A script, through the `facepay` command line.
        Cli = "cli",
        /// The HIS, through the bridge.
        His = "his",
    }
);

column_enum!(
    /// How the patient's identity was obtained (凭证方式).
    Credential {
        /// 刷脸: ec.auth then auth.check.
        Face = "face",
        /// 医保码: the terminal scanned the 医保电子凭证 (cn.nhsa.qrcode.get).
        QrCode = "qrcode",
    }
);

impl Credential {
    pub fn label(self) -> &'static str {
        match self {
            Credential::Face => "刷脸",
            Credential::QrCode => "医保码",
        }
    }
}

column_enum!(
    /// What a signed-in operator may do.
    Role {
        /// 收款员: scans, settles, refunds, looks back; no settings, no unmasked export.
        Cashier = "cashier",
        /// 管理员: everything, including settings, operators, the audit log and purges.
        Admin = "admin",
    }
);

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Cashier => "收款员",
            Role::Admin => "管理员",
        }
    }
}
