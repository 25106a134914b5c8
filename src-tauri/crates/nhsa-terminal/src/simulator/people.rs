//! Realistic insured persons of Yangjiang for the simulator.

use fastrand::Rng;

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

#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub id_no: String,
    pub gender: &'static str,
    pub birthday: String,
    pub insu_org: &'static str,
}

pub fn random_person(rng: &mut Rng) -> Person {
    let surname = SURNAMES[rng.usize(..SURNAMES.len())];
    let given = GIVEN[rng.usize(..GIVEN.len())];
    let region = YANGJIANG_REGIONS[rng.usize(..YANGJIANG_REGIONS.len())];
    let (y, m) = (rng.u32(1940..=2023), rng.u32(1..=12));
    let d = rng.u32(1..=28);
    let seq = rng.u32(0..1000);
    let first17 = format!("{region}{y:04}{m:02}{d:02}{seq:03}");
    let check = id_check_char(&first17).unwrap_or('0');
    Person {
        name: format!("{surname}{given}"),
        id_no: format!("{first17}{check}"),
        // The 17th digit is odd for men.
        gender: if seq % 2 == 1 { "男" } else { "女" },
        birthday: format!("{y:04}.{m:02}.{d:02}"),
        insu_org: region,
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
}
