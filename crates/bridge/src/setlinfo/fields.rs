//! Every money field of a 2207 / 2208 `setlinfo`, and where it goes on the
//! patient's screen: the one table behind the mapping, the balance checks
//! and the table in docs/his-bridge.md (a test keeps the guide equal to it).

/// Where a `setlinfo` amount goes in settle.notify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feeds {
    /// Sent as this notify field.
    Wire(&'static str),
    /// Added into this notify field with the other fields that feed it.
    Sum(&'static str),
    /// The source of this notify field, corrected as the note says.
    Derived(&'static str),
    /// Sent in no field of its own; the note says where it is counted.
    Inside,
}

/// One amount of the national 2207 / 2208 output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub his: &'static str,
    pub label: &'static str,
    pub feeds: Feeds,
    /// A fund whose payment is part of `fund_pay_sumamt`.
    pub fund: bool,
    pub note: &'static str,
}

const fn field(
    his: &'static str,
    label: &'static str,
    feeds: Feeds,
    fund: bool,
    note: &'static str,
) -> Field {
    Field {
        his,
        label,
        feeds,
        fund,
        note,
    }
}

use Feeds::{Derived, Inside, Sum, Wire};

/// In the order of the national 2207 output.
pub const FIELDS: &[Field] = &[
    field("medfee_sumamt", "医疗费总额", Wire("totalFee"), false, ""),
    field(
        "fulamt_ownpay_amt",
        "全自费金额",
        Inside,
        false,
        "个人负担（psn_part_amt）的一部分，已在 acct_pay、psn_cash_pay 中支付；终端没有单独一行",
    ),
    field(
        "overlmt_selfpay",
        "超限价自费费用",
        Wire("medOverLmtAmt"),
        false,
        "同时是个人负担（psn_part_amt）的一部分",
    ),
    field(
        "preselfpay_amt",
        "先行自付金额",
        Inside,
        false,
        "个人负担（psn_part_amt）的一部分，已在 acct_pay、psn_cash_pay 中支付",
    ),
    field(
        "inscp_scp_amt",
        "符合政策范围金额",
        Inside,
        false,
        "各基金据以计算的范围，不是一笔支付",
    ),
    field(
        "hifp_pay",
        "基本医疗保险统筹基金支出",
        Wire("hifpAmt"),
        true,
        "同时计入 hifAmt",
    ),
    field(
        "cvlserv_pay",
        "公务员医疗补助资金支出",
        Wire("cvlservAmt"),
        true,
        "同时计入 hifAmt",
    ),
    field(
        "hifes_pay",
        "企业补充医疗保险基金支出",
        Inside,
        true,
        "计入 hifAmt（终端没有单独一行）",
    ),
    field(
        "hifmi_pay",
        "居民大病保险资金支出",
        Sum("hifmiAmt"),
        true,
        "hifmiAmt = hifmi_pay + hifob_pay；同时计入 hifAmt",
    ),
    field(
        "hifob_pay",
        "职工大额医疗费用补助基金支出",
        Sum("hifmiAmt"),
        true,
        "居民大病与职工大额在患者屏幕上是同一行；同时计入 hifAmt",
    ),
    field(
        "maf_pay",
        "医疗救助基金支出",
        Wire("maAmt"),
        true,
        "同时计入 hifAmt",
    ),
    field(
        "oth_pay",
        "其他支出",
        Wire("mafAmt"),
        true,
        "扶贫救助等其他基金；同时计入 hifAmt",
    ),
    field(
        "hifdm_pay",
        "伤残人员医疗保障基金支出",
        Inside,
        true,
        "计入 hifAmt（部分省份返回）",
    ),
    field(
        "fund_pay_sumamt",
        "基金支付总额",
        Derived("hifAmt"),
        false,
        "金额显示其已含 acct_pay 时（部分省份）减去 acct_pay：患者看到的医保报销不含个人账户",
    ),
    field(
        "psn_part_amt",
        "个人负担总金额",
        Inside,
        false,
        "= acct_pay + psn_cash_pay，用于核对",
    ),
    field("acct_pay", "个人账户支出", Wire("acctAmt"), false, ""),
    field(
        "acct_mulaid_pay",
        "个人账户共济支付金额",
        Derived("acctAmt"),
        false,
        "家庭成员的个人账户代付：国家口径已含在 acct_pay 中；金额显示其在 acct_pay 之外时加入 acctAmt",
    ),
    field("psn_cash_pay", "个人现金支出", Wire("ownAmt"), false, ""),
    field(
        "hosp_part_amt",
        "医院负担金额",
        Wire("hosPreAmt"),
        false,
        "",
    ),
    field(
        "balc",
        "余额",
        Wire("balance"),
        false,
        "本次结算后的个人账户余额；2208 没有时不传",
    ),
];

/// 2207 output field → settle.notify field, for text.
pub const TEXTS: &[(&str, &str)] = &[("setl_id", "medicalSettleNo"), ("setl_time", "setlTime")];

/// The table as docs/his-bridge.md shows it.
pub fn markdown() -> String {
    let mut out =
        String::from("| 2207 `setlinfo` 字段 | 含义 | 通知字段 | 说明 |\n|---|---|---|---|\n");
    for f in FIELDS {
        let feeds = match f.feeds {
            Wire(w) | Sum(w) | Derived(w) => format!("`{w}`"),
            Inside => "—".to_owned(),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            f.his, f.label, feeds, f.note
        ));
    }
    out
}

/// The setlinfo name of a settle.notify field, to name it in an error as
/// the HIS knows it (the first field that feeds it).
pub fn his_name(wire: &str) -> Option<&'static str> {
    let amount = FIELDS.iter().find(|f| match f.feeds {
        Wire(w) | Sum(w) => w == wire,
        Derived(w) => w == wire && f.his != "acct_mulaid_pay",
        Inside => false,
    });
    amount
        .map(|f| f.his)
        .or_else(|| TEXTS.iter().find(|(_, w)| *w == wire).map(|(h, _)| *h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_the_national_output_pays_with_is_accounted_for() {
        for his in [
            "medfee_sumamt",
            "fulamt_ownpay_amt",
            "overlmt_selfpay",
            "preselfpay_amt",
            "inscp_scp_amt",
            "hifp_pay",
            "cvlserv_pay",
            "hifes_pay",
            "hifmi_pay",
            "hifob_pay",
            "maf_pay",
            "oth_pay",
            "fund_pay_sumamt",
            "psn_part_amt",
            "acct_pay",
            "psn_cash_pay",
            "hosp_part_amt",
            "balc",
            "acct_mulaid_pay",
        ] {
            assert!(FIELDS.iter().any(|f| f.his == his), "{his} missing");
        }
        for f in FIELDS {
            assert!(
                f.feeds != Inside || !f.note.is_empty(),
                "{} feeds nothing and says not why",
                f.his
            );
        }
    }

    #[test]
    fn errors_name_the_field_the_his_sent() {
        assert_eq!(his_name("hifAmt"), Some("fund_pay_sumamt"));
        assert_eq!(his_name("acctAmt"), Some("acct_pay"));
        assert_eq!(his_name("hifmiAmt"), Some("hifmi_pay"));
        assert_eq!(his_name("ownAmt"), Some("psn_cash_pay"));
        assert_eq!(his_name("medicalSettleNo"), Some("setl_id"));
        assert_eq!(his_name("doctorName"), None);
    }

    #[test]
    fn the_guide_shows_this_table() {
        let guide = include_str!("../../../../docs/his-bridge.md");
        assert!(
            guide.contains(&markdown()),
            "docs/his-bridge.md must hold the setlinfo table exactly as fields::markdown() prints it:\n{}",
            markdown()
        );
    }
}
