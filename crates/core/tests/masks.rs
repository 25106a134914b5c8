//! Masks that cannot be combined back into the 证件号. Everything the masked
//! views show of one person, taken together — the identity card after a scan,
//! 历史, the visit, a masked export and the HIS's view once its window has
//! closed — must leave at least 100 valid 18-digit numbers. The test plays
//! the one who collects those views: it assumes the region is known (参保地
//! is often the number's first six digits), reads every digit shown, the
//! gender and every age, and counts the numbers that fit.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{Datelike, NaiveDate};
use common::{harness, never, success};
use facepay_core::api::{ExportFormat, ExportRequest, HistoryFilter, TransType};
use facepay_sim::{Behaviour, Script};
use nhsa_terminal::protocol::id_card::id_check_char;

const NOW: &str = "2026-11-25 09:30:00";
const TODAY: (i32, u32, u32) = (2026, 11, 25);
/// The bound the issue sets: what stays possible for every person.
const AT_LEAST: usize = 100;

/// What one person's masked views showed.
#[derive(Debug, Default)]
struct Seen {
    id_nos: Vec<String>,
    genders: Vec<String>,
    ages: Vec<u32>,
    age_labels: Vec<String>,
    birthdays: Vec<String>,
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).unwrap()
}

/// Whole months and years from `born` to today, as a calendar counts them.
fn months_old(born: NaiveDate) -> Option<u32> {
    let t = today();
    let months = (t.year() * 12 + t.month() as i32) - (born.year() * 12 + born.month() as i32);
    let months = if t.day() < born.day() {
        months - 1
    } else {
        months
    };
    u32::try_from(months).ok()
}

/// Does a birth date agree with an age label the screen showed? Every form
/// the panel has ever used is read, months included, so a label that says
/// more narrows more.
fn fits_label(label: &str, born: NaiveDate) -> bool {
    let Some(months) = months_old(born) else {
        return false;
    };
    let num = |s: &str| s.parse::<u32>().unwrap();
    if label == "未满1个月" {
        return months == 0;
    }
    if label == "未满1岁" {
        return months < 12;
    }
    if let Some(rest) = label.strip_suffix("个月") {
        return match rest.split_once('岁') {
            Some((y, m)) => months == num(y) * 12 + num(m),
            None => months == num(rest),
        };
    }
    if let Some(y) = label.strip_suffix('岁') {
        return months / 12 == num(y);
    }
    panic!("an age label this test cannot read: {label}");
}

/// A masked number fits a candidate if every character it shows is the
/// candidate's at the same place (aligned on the right).
fn fits_mask(masked: &str, candidate: &str) -> bool {
    let shown: Vec<char> = masked.chars().collect();
    let full: Vec<char> = candidate.chars().collect();
    if shown.len() > full.len() {
        return false;
    }
    let offset = full.len() - shown.len();
    shown
        .iter()
        .enumerate()
        .all(|(i, c)| *c == '*' || c.eq_ignore_ascii_case(&full[offset + i]))
}

/// Every valid 18-digit number of `region` that agrees with all that was seen.
fn candidates(region: &str, seen: &Seen) -> Vec<String> {
    assert!(
        seen.birthdays.is_empty(),
        "a masked view showed a birthday: {:?}",
        seen.birthdays
    );
    let mut out = Vec::new();
    let mut day = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    while day <= today() {
        let born = day;
        day = day.succ_opt().unwrap();
        let old = months_old(born).unwrap();
        if !seen.ages.iter().all(|a| old / 12 == *a)
            || !seen.age_labels.iter().all(|l| fits_label(l, born))
        {
            continue;
        }
        for seq in 0..1000u32 {
            let male = seq % 2 == 1;
            if !seen.genders.iter().all(|g| (g == "男") == male) {
                continue;
            }
            let first17 = format!("{region}{}{seq:03}", born.format("%Y%m%d"));
            let id = format!("{first17}{}", id_check_char(&first17).unwrap());
            if seen.id_nos.iter().all(|m| fits_mask(m, &id)) {
                out.push(id);
            }
        }
    }
    out
}

/// The masked export's 证件号码 column of the row for `out_biz_no`.
fn exported_id(csv: &str, out_biz_no: &str) -> String {
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "证件号码").unwrap();
    let row = lines.find(|l| l.contains(out_biz_no)).unwrap();
    row.split(',').nth(col).unwrap().to_owned()
}

#[tokio::test]
async fn every_person_shown_masked_remains_one_of_at_least_100_numbers() {
    let h = harness(NOW).await;
    h.sim
        .sim
        .set_today(Some((TODAY.0.unsigned_abs(), TODAY.1, TODAY.2)));
    // The roster's children, a newborn and a 5-month-old among them, and
    // adults the simulator makes up.
    let children: Vec<String> = h
        .sim
        .sim
        .roster()
        .into_iter()
        .filter_map(|p| p.key.map(str::to_owned))
        .collect();
    assert!(children.iter().any(|k| k == "child-0m") && children.len() >= 6);
    let mut people: Vec<Option<String>> = children.into_iter().map(Some).collect();
    people.extend(std::iter::repeat_n(None, 30));

    let mut scanned = Vec::new();
    for person in &people {
        if let Some(key) = person {
            h.sim.sim.push_script(Script::for_trans(
                TransType::AuthCheck,
                Behaviour::AsPerson {
                    person: key.clone(),
                },
            ));
        }
        let visit = h.desk.face_auth(never()).await.unwrap();
        h.desk.notify(success(&visit.out_biz_no)).await.unwrap();
        let truth = h.desk.reveal(visit.visit_id).unwrap().id_no;
        let mut seen = Seen::default();
        let card = &visit.identity;
        seen.id_nos.push(card.id_no.clone());
        seen.genders.extend(card.gender.clone());
        seen.ages.extend(card.age);
        seen.age_labels.extend(card.age_label.clone());
        scanned.push((person.clone(), visit.out_biz_no.clone(), truth, seen));
    }

    // Later: the HIS's window has closed, 历史 and an export are looked at.
    h.clock.set("2026-11-25 10:30:00");
    let export = h.dir.path().join("masked.csv");
    let request = ExportRequest {
        from: "2026-11-25".into(),
        to: "2026-11-25".into(),
        format: ExportFormat::Csv,
        unmasked: false,
    };
    h.desk.export(&request, &export, |_| {}, None).unwrap();
    let csv = std::fs::read_to_string(&export).unwrap();

    let mut fewest = usize::MAX;
    for (person, out_biz_no, truth, mut seen) in scanned {
        let rows = h
            .desk
            .history(&HistoryFilter {
                out_biz_no: Some(out_biz_no.clone()),
                ..Default::default()
            })
            .unwrap()
            .rows;
        seen.id_nos
            .extend(rows.iter().filter_map(|r| r.id_no.clone()));
        let detail = h.desk.visit(&out_biz_no).unwrap();
        seen.id_nos.extend(detail.visit.id_no.clone());
        seen.genders.extend(detail.visit.gender.clone());
        let his = h.desk.disclose_visit(&out_biz_no, "test").unwrap();
        assert!(his.identity_masked, "the window has closed");
        let his_id = his.identity.unwrap();
        seen.id_nos.push(his_id.id_no.clone());
        seen.genders.extend(his_id.gender.clone());
        seen.birthdays.extend(his_id.birthday.clone());
        seen.id_nos.push(exported_id(&csv, &out_biz_no));

        let region = &truth[..6];
        let left = candidates(region, &seen);
        assert!(
            left.contains(&truth),
            "the count must include the real number ({person:?}, seen {seen:?})"
        );
        assert!(
            left.len() >= AT_LEAST,
            "{person:?}: only {} numbers fit {seen:?}",
            left.len()
        );
        fewest = fewest.min(left.len());
    }
    // A year of birth dates, each with one check digit: the fewest is a
    // year's days, not a month's.
    assert!(fewest >= 365, "{fewest}");
}

#[tokio::test]
async fn the_months_of_a_small_childs_age_come_with_the_revealed_number_only() {
    let h = harness(NOW).await;
    h.sim
        .sim
        .set_today(Some((TODAY.0.unsigned_abs(), TODAY.1, TODAY.2)));
    for (key, masked, full) in [
        ("child-0m", "未满1岁", "未满1个月"),
        ("child-5m", "未满1岁", "5个月"),
        ("child-1y5m", "1岁", "1岁5个月"),
        ("child-6y3m", "6岁", "6岁"),
    ] {
        h.sim.sim.push_script(Script::for_trans(
            TransType::AuthCheck,
            Behaviour::AsPerson { person: key.into() },
        ));
        let visit = h.desk.face_auth(never()).await.unwrap();
        assert_eq!(visit.identity.age_label.as_deref(), Some(masked), "{key}");
        let revealed = h.desk.reveal(visit.visit_id).unwrap();
        assert_eq!(revealed.age_label.as_deref(), Some(full), "{key}");
    }
}
