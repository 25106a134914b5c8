//! Realistic insured persons of Yangjiang for the simulator: random adults
//! for face scans, and a fixed roster of children for the 医保码 path of a
//! maternal and child hospital (阳江市妇幼保健院), whose ages stay right
//! because their birth dates are counted back from the simulator's today.

use fastrand::Rng;
use serde::Serialize;

use crate::protocol::id_card::id_check_char;

const SURNAMES: &[&str] = &[
    "陈", "李", "黄", "张", "梁", "林", "刘", "吴", "谭", "冯", "关", "邓", "欧阳", "司徒", "何",
    "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "嘉欣", "子豪", "梓涵", "浩然", "雨桐",
];
/// 阳江 districts: 江城区, 阳东区, 阳西县, 阳春市.
pub const YANGJIANG_REGIONS: &[&str] = &["441702", "441704", "441721", "441781"];

/// One insured person as the simulator reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// The roster key of a fixed person (`child-1y5m`); `None` for a
    /// generated one. Scripts name people by it ([`super::Behaviour::AsPerson`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'static str>,
    pub name: String,
    /// A valid 居民身份证号: region, birth date, sequence, check character.
    pub id_no: String,
    pub gender: &'static str,
    /// `yyyy.MM.dd`, the same date as inside `id_no`.
    pub birthday: String,
    pub insu_org: &'static str,
    /// Set for a child whose 医保码 a guardian shows from a 亲情账户.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardian: Option<Guardian>,
}

/// The guardian holding a child's 亲情账户.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Guardian {
    pub name: &'static str,
    /// e.g. `母亲`, as the cashier would ask it.
    pub relation: &'static str,
}

/// (key, name, region, years, months, sequence, guardian, relation). The
/// sequence's last digit is odd for boys, as in a real number.
type ChildSpec = (
    &'static str,
    &'static str,
    &'static str,
    u32,
    u32,
    u32,
    &'static str,
    &'static str,
);

/// The children of the roster, from a newborn to a teenager. Ages are
/// kept exact on every day: see [`birth_date_for_age`].
const CHILDREN: &[ChildSpec] = &[
    // Born this month: the 妇幼 hospital's youngest, whose age alone would
    // narrow the birth date most.
    ("child-0m", "冯小满", "441702", 0, 0, 52, "冯嘉欣", "母亲"),
    ("child-5m", "陈思妤", "441702", 0, 5, 24, "林晓敏", "母亲"),
    ("child-1y5m", "黄子轩", "441704", 1, 5, 13, "黄志强", "父亲"),
    (
        "child-2y11m",
        "梁若汐",
        "441721",
        2,
        11,
        46,
        "梁家豪",
        "父亲",
    ),
    ("child-6y3m", "谭浩宇", "441781", 6, 3, 31, "何丽华", "母亲"),
    (
        "child-13y8m",
        "欧阳雨桐",
        "441702",
        13,
        8,
        62,
        "欧阳建国",
        "祖父",
    ),
];

/// The birth date of someone `years` and `months` old on `today`. The day is
/// never past the 28th and never past today's day of the month, so the age
/// in whole months is exactly `12 * years + months` on `today`.
pub fn birth_date_for_age(today: (u32, u32, u32), years: u32, months: u32) -> (u32, u32, u32) {
    let (y, m, d) = today;
    let total = (y * 12 + (m - 1)).saturating_sub(years * 12 + months);
    (total / 12, total % 12 + 1, d.min(28))
}

/// A valid 居民身份证号 for a region, a birth date and a 3-digit sequence.
fn id_number(region: &str, (y, m, d): (u32, u32, u32), seq: u32) -> String {
    let first17 = format!("{region}{y:04}{m:02}{d:02}{seq:03}");
    let check = id_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// The fixed roster on `today`: every child, with birth dates counted back from it.
pub fn roster(today: (u32, u32, u32)) -> Vec<Person> {
    CHILDREN
        .iter()
        .map(
            |&(key, name, region, years, months, seq, guardian, relation)| {
                let born = birth_date_for_age(today, years, months);
                Person {
                    key: Some(key),
                    name: name.to_owned(),
                    id_no: id_number(region, born, seq),
                    gender: if seq % 2 == 1 { "男" } else { "女" },
                    birthday: format!("{:04}.{:02}.{:02}", born.0, born.1, born.2),
                    insu_org: YANGJIANG_REGIONS
                        .iter()
                        .copied()
                        .find(|r| *r == region)
                        .unwrap_or(YANGJIANG_REGIONS[0]),
                    guardian: Some(Guardian {
                        name: guardian,
                        relation,
                    }),
                }
            },
        )
        .collect()
}

/// Today's date in China (UTC+8, no daylight saving), from the system clock.
pub fn today_in_china() -> (u32, u32, u32) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_from_days(((secs + 8 * 3600) / 86_400) as i64)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's algorithm), for dates after 1970.
fn civil_from_days(days: i64) -> (u32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as u32, m as u32, d as u32)
}

pub fn random_person(rng: &mut Rng) -> Person {
    let surname = SURNAMES[rng.usize(..SURNAMES.len())];
    let given = GIVEN[rng.usize(..GIVEN.len())];
    let region = YANGJIANG_REGIONS[rng.usize(..YANGJIANG_REGIONS.len())];
    let (y, m) = (rng.u32(1940..=2023), rng.u32(1..=12));
    let d = rng.u32(1..=28);
    let seq = rng.u32(0..1000);
    Person {
        key: None,
        name: format!("{surname}{given}"),
        id_no: id_number(region, (y, m, d), seq),
        // The 17th digit is odd for men.
        gender: if seq % 2 == 1 { "男" } else { "女" },
        birthday: format!("{y:04}.{m:02}.{d:02}"),
        insu_org: region,
        guardian: None,
    }
}

pub fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| rng.digit(10)).collect()
}

pub fn hex_upper(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| rng.digit(16).to_ascii_uppercase()).collect()
}

pub fn alnum_lower(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| rng.digit(36)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::id_card::is_valid_resident_id;

    #[test]
    fn check_char_matches_the_national_standard() {
        // GB 11643 worked example.
        assert_eq!(id_check_char("11010519491231002"), Some('X'));
        assert!(is_valid_resident_id("11010519491231002X"));
        assert!(!is_valid_resident_id("110105194912310021"));
    }

    #[test]
    fn generated_people_are_valid_yangjiang_residents() {
        let mut rng = Rng::with_seed(7);
        for _ in 0..500 {
            let p = random_person(&mut rng);
            assert!(is_valid_resident_id(&p.id_no), "{}", p.id_no);
            assert!(p.id_no.starts_with("4417"));
            assert_eq!(&p.id_no[..6], p.insu_org);
            let odd = p.id_no.as_bytes()[16] % 2 == 1;
            assert_eq!(p.gender, if odd { "男" } else { "女" });
            assert_eq!(p.birthday.replace('.', ""), p.id_no[6..14]);
        }
    }

    #[test]
    fn the_clock_reads_dates_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_782), (2026, 11, 25));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        let (y, m, d) = today_in_china();
        assert!(y >= 2025 && (1..=12).contains(&m) && (1..=31).contains(&d));
    }

    #[test]
    fn ages_are_exact_on_any_day_of_the_year() {
        // Every day of a leap and a common year, month ends included.
        for days in 20_454..21_185 {
            let today = civil_from_days(days);
            for (years, months) in [(0, 5), (1, 5), (2, 11), (13, 8), (0, 0)] {
                let (by, bm, bd) = birth_date_for_age(today, years, months);
                assert!(bd <= today.2 && bd <= 28, "{today:?}");
                let got = (today.0 * 12 + today.1) - (by * 12 + bm);
                assert_eq!(got, years * 12 + months, "{today:?}");
            }
        }
    }

    #[test]
    fn the_roster_children_are_valid_and_consistent() {
        for today in [(2026, 11, 25), (2027, 3, 31), (2028, 2, 29)] {
            let kids = roster(today);
            assert!(kids.len() >= 5);
            for p in &kids {
                assert!(is_valid_resident_id(&p.id_no), "{}", p.id_no);
                assert_eq!(&p.id_no[..6], p.insu_org);
                assert_eq!(p.birthday.replace('.', ""), p.id_no[6..14]);
                let odd = p.id_no.as_bytes()[16] % 2 == 1;
                assert_eq!(p.gender, if odd { "男" } else { "女" });
                assert!(p.guardian.is_some());
            }
            let key = |k: &str| kids.iter().find(|p| p.key == Some(k)).unwrap();
            let infant = key("child-5m");
            let (y, m, d) = today;
            let by: u32 = infant.birthday[..4].parse().unwrap();
            let bm: u32 = infant.birthday[5..7].parse().unwrap();
            assert_eq!((y * 12 + m) - (by * 12 + bm), 5);
            assert!(infant.birthday[8..].parse::<u32>().unwrap() <= d);
        }
        assert_eq!(
            roster((2026, 11, 25))
                .iter()
                .find(|p| p.key == Some("child-1y5m"))
                .unwrap()
                .birthday,
            "2025.06.25"
        );
    }
}
