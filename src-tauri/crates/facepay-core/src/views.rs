//! What the panel and the CLI show: masked by default.

use serde::Serialize;

use nhsa_terminal::protocol::Identity;

/// The insured person as the cashier sees them.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityView {
    pub user_name: String,
    pub id_no: String,
    pub id_type: Option<String>,
    pub gender: Option<String>,
    pub birthday: Option<String>,
    pub age: Option<u32>,
    /// 参保地医保区划, e.g. `441702`.
    pub insu_org: Option<String>,
}

impl IdentityView {
    pub fn of(who: &Identity, today: chrono::NaiveDate) -> Self {
        use chrono::Datelike;
        Self {
            user_name: who.user_name.masked(),
            id_no: who.id_no.masked(),
            id_type: who.id_type_label(),
            gender: who.gender.clone(),
            birthday: who.birthday.clone(),
            age: who.age_on((today.year().unsigned_abs(), today.month(), today.day())),
            insu_org: who.insu_org.clone(),
        }
    }
}
