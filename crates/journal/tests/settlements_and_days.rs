//! Settlements, the outbox, 日结 and closed days, history and exports.

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

use common::{csv_export, journal_at, notify, record, settle};
use facepay_journal::VisitId;
use facepay_journal::clock::{parse, stamp};
use facepay_journal::export::{ExportFormat, export};
use facepay_journal::history::{HistoryFilter, search};
use facepay_journal::{CounterId, DeliveryStatus, JournalError, outbox, settlements, summary};
use nhsa_protocol::{BizType, MedicalSettleState};

#[test]
fn a_settlement_and_its_outbox_row_are_recorded_together() {
    let mut f = journal_at("2026-11-25 09:30:05");
    let n = notify("V-1", "SUCCESS", "2026-11-25 09:30:00");
    let rec = record(&mut f.journal, &n);
    assert_eq!(rec.business_day, "2026-11-25");
    let now = f.journal.clock().now();
    let owed = outbox::due(
        f.journal.conn(),
        now,
        std::time::Duration::from_secs(300),
        10,
    )
    .unwrap();
    assert_eq!(owed.len(), 1);
    assert_eq!(
        (owed[0].settlement_id, owed[0].status.as_str()),
        (rec.settlement_id, "pending")
    );
    // The payload re-sends the notification; the person is not in it (a
    // settlement without a visit is re-sent without them).
    let kept = settlements::payload(f.journal.conn(), rec.settlement_id).unwrap();
    assert!(kept.id_no().is_none() && kept.user_name().is_none());
    let mut expected = n.to_draft();
    expected.id_no = None;
    expected.user_name = None;
    assert_eq!(kept.to_draft(), expected);
    let raw: String = f
        .journal
        .conn()
        .query_row("SELECT payload FROM settlements", [], |r| r.get(0))
        .unwrap();
    assert!(!raw.contains("123X") && !raw.contains("欧阳"), "{raw}");
}

#[test]
fn the_same_notification_twice_is_refused_not_recorded_twice() {
    let mut f = journal_at("2026-11-25 09:30:05");
    let n = notify("V-1", "SUCCESS", "2026-11-25 09:30:00");
    record(&mut f.journal, &n);
    let now = f.journal.now();
    let again = f
        .journal
        .write(|tx| settlements::record(tx, &n, None, None, &now));
    match again {
        // Its 医保单据流水号 is recorded already: refused naming the first.
        Err(JournalError::DuplicateSettlement {
            settlement_id,
            out_biz_no,
            ..
        }) => assert_eq!((settlement_id.get(), out_biz_no.as_str()), (1, "V-1")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        common::count(f.journal.conn(), "SELECT count(*) FROM outbox"),
        1
    );
}

#[test]
fn settlements_are_never_edited_or_deleted() {
    let mut f = journal_at("2026-11-25 09:30:05");
    settle(&mut f.journal, "V-1", "SUCCESS", "2026-11-25 09:30:00");
    let c = f.journal.conn();
    assert!(
        c.execute("UPDATE settlements SET total_fee_fen = 1", [])
            .is_err()
    );
    assert!(c.execute("DELETE FROM settlements", []).is_err());
}

#[test]
fn a_refund_is_a_new_row_linked_to_its_original() {
    let mut f = journal_at("2026-11-25 10:00:00");
    let paid = settle(&mut f.journal, "V-1", "SUCCESS", "2026-11-25 09:30:00");
    let refund = settle(
        &mut f.journal,
        "V-1",
        "REFUND_SUCCESS",
        "2026-11-25 09:55:00",
    );
    assert_eq!(refund.original_id, Some(paid.settlement_id));
    let s = &summary::day(f.journal.conn(), "2026-11-25", Some("0107")).unwrap()[0];
    assert_eq!(s.net.total_fee, "0.00", "refunds are netted");
    assert_eq!((s.net.count, s.net.refund_count), (1, 1));
    assert_eq!(s.by_state.len(), 2);
}

#[test]
fn day_totals_per_state_and_net() {
    let mut f = journal_at("2026-11-25 18:00:00");
    // Two settlements, a failure, and a refund of the first.
    for (i, (visit, state)) in [
        ("V-0", "SUCCESS"),
        ("V-1", "SUCCESS"),
        ("V-2", "FAIL"),
        ("V-0", "REFUND_SUCCESS"),
    ]
    .iter()
    .enumerate()
    {
        settle(
            &mut f.journal,
            visit,
            state,
            &format!("2026-11-25 1{i}:00:00"),
        );
    }
    // Another operator's settlement does not count in 0107's day.
    let mut other = common::draft("V-9", "SUCCESS", "2026-11-25 11:00:00");
    other.operator_id = "0201".into();
    let other = nhsa_protocol::SettleNotify::try_from(other).unwrap();
    record(&mut f.journal, &other);

    let days = summary::day(f.journal.conn(), "2026-11-25", None).unwrap();
    assert_eq!(days.len(), 2);
    let mine = days.iter().find(|d| d.operator_id == "0107").unwrap();
    let success = mine
        .by_state
        .iter()
        .find(|s| s.state == MedicalSettleState::Success)
        .unwrap();
    assert_eq!(success.totals.count, 2);
    assert_eq!(success.totals.total_fee, "241.00");
    assert_eq!(success.totals.hif_amt, "160.00");
    assert_eq!(success.totals.acct_amt, "40.00");
    assert_eq!(success.totals.own_amt, "41.00");
    let fail = mine
        .by_state
        .iter()
        .find(|s| s.state == MedicalSettleState::Fail)
        .unwrap();
    assert_eq!(
        (fail.totals.count, fail.totals.hif_amt.as_str()),
        (1, "0.00")
    );
    // Two 收款 and one 退费, counted apart; the money netted.
    assert_eq!((mine.net.count, mine.net.refund_count), (2, 1));
    assert_eq!(mine.net.total_fee, "120.50");
    assert_eq!(mine.net.hif_amt, "80.00");
}

#[test]
fn a_closed_day_never_changes_and_a_late_refund_lands_the_next_day() {
    let mut f = journal_at("2026-11-25 18:00:00");
    settle(&mut f.journal, "V-1", "SUCCESS", "2026-11-25 09:30:00");
    let now = f.journal.now();
    let closed = f
        .journal
        .write(|tx| summary::close_day(tx, "0107", "2026-11-25", "0107", &now))
        .unwrap();
    assert_eq!(closed.net.total_fee, "120.50");
    let again = f
        .journal
        .write(|tx| summary::close_day(tx, "0107", "2026-11-25", "0107", &now));
    assert!(matches!(again, Err(JournalError::Duplicate(_))));

    // The refund of that settlement arrives after closing, still dated the 25th.
    f.clock.set("2026-11-26 08:10:00");
    let refund = settle(
        &mut f.journal,
        "V-1",
        "REFUND_SUCCESS",
        "2026-11-25 17:59:00",
    );
    assert_eq!(refund.business_day, "2026-11-26");

    let day25 = summary::day(f.journal.conn(), "2026-11-25", Some("0107")).unwrap();
    assert_eq!(
        day25[0].net.total_fee, "120.50",
        "the closed day is unchanged"
    );
    assert_eq!(day25[0].closed_by.as_deref(), Some("0107"));
    assert_eq!(
        summary::closed_totals(f.journal.conn(), "0107", "2026-11-25")
            .unwrap()
            .unwrap()
            .net,
        day25[0].net
    );
    let day26 = summary::day(f.journal.conn(), "2026-11-26", Some("0107")).unwrap();
    assert_eq!(day26[0].net.total_fee, "-120.50");
    let future = f.journal.write(|tx| {
        summary::close_day(
            tx,
            "0107",
            "2026-11-27",
            "0107",
            &stamp(parse("2026-11-26 09:00:00.000").unwrap()),
        )
    });
    assert!(matches!(
        future,
        Err(JournalError::Invalid { field: "date", .. })
    ));
}

#[test]
fn a_visit_across_midnight_counts_on_the_day_it_settled() {
    let mut f = journal_at("2026-11-25 23:59:50");
    f.clock.set("2026-11-26 00:00:20");
    let rec = settle(&mut f.journal, "V-1", "SUCCESS", "2026-11-26 00:00:10");
    assert_eq!(rec.business_day, "2026-11-26");
    assert!(
        summary::day(f.journal.conn(), "2026-11-25", None)
            .unwrap()
            .is_empty()
    );
}

/// A journal holding [`seed_history`], and the filter of its five days.
fn seeded_week() -> (common::Fixture, HistoryFilter) {
    let mut f = journal_at("2026-11-25 18:00:00");
    seed_history(&mut f);
    let filter = HistoryFilter {
        from: Some("2026-11-20".into()),
        to: Some("2026-11-24".into()),
        ..Default::default()
    };
    (f, filter)
}

fn seed_history(f: &mut common::Fixture) {
    for i in 0..30 {
        let mut d = common::draft(
            &format!("V-{i:02}"),
            if i % 3 == 0 { "FAIL" } else { "SUCCESS" },
            &format!("2026-11-{:02} 10:00:00", 20 + i % 5),
        );
        d.operator_id = if i % 2 == 0 {
            "0107".into()
        } else {
            "0201".into()
        };
        d.office_id = Some(if i % 4 == 0 {
            "0301".into()
        } else {
            "0402".into()
        });
        d.biz_type = if i % 5 == 0 {
            "drugStore".into()
        } else {
            "register".into()
        };
        d.user_name = Some(format!("{}{}", ["陈", "李", "黄"][i % 3], "伟"));
        d.id_no = Some(format!("44170219900101{:04}", 1000 + i));
        if d.medical_settle_no.is_some() {
            d.medical_settle_no = Some(format!("SETL{i:04}"));
        }
        // The person is kept by the visit, not the settlement's payload.
        let who = nhsa_protocol::Identity::stored(
            d.user_name.as_deref().unwrap(),
            d.id_no.as_deref().unwrap(),
            Some("01".into()),
            None,
            None,
            None,
        );
        let n = nhsa_protocol::SettleNotify::try_from(d).unwrap();
        let now = f.journal.now();
        f.journal
            .write(|tx| {
                let visit = facepay_journal::visits::insert(
                    tx,
                    &facepay_journal::visits::NewVisit {
                        out_biz_no: n.out_biz_no.as_str(),
                        counter_id: &CounterId::new("W01").unwrap(),
                        operator_id: n.operator_id.as_str(),
                        operator_name: n.operator_name.as_str(),
                        office_id: "0301",
                        office_name: "挂号收费处",
                        business_type: "01101",
                        source: facepay_journal::Source::Panel,
                        // Every third patient showed a 医保码 instead of a face.
                        credential: if i % 3 == 2 {
                            facepay_journal::Credential::QrCode
                        } else {
                            facepay_journal::Credential::Face
                        },
                    },
                    &now,
                )?;
                facepay_journal::visits::set_identity(tx, VisitId(visit.get()), &who, &now)?;
                settlements::record(
                    tx,
                    &n,
                    Some(facepay_journal::VisitId(visit.get())),
                    None,
                    &now,
                )
            })
            .unwrap();
    }
}

/// A filter narrowed one way, as the history screen narrows it.
type Narrow = fn(&mut HistoryFilter);

#[test]
fn history_filters_each_narrow_the_result() {
    let mut f = journal_at("2026-11-25 18:00:00");
    seed_history(&mut f);
    let c = f.journal.conn();
    let count = |filter: HistoryFilter| {
        search(
            c,
            &HistoryFilter {
                limit: Some(500),
                ..filter
            },
        )
        .unwrap()
        .rows
        .len()
    };
    let s = |v: &str| Some(v.to_owned());
    let cases: &[(&str, Narrow, usize)] = &[
        ("no filter", |_| {}, 30),
        ("operator", |f| f.operator_id = Some("0107".into()), 15),
        ("office", |f| f.office_id = Some("0301".into()), 8),
        ("state", |f| f.state = Some(MedicalSettleState::Fail), 10),
        ("biz type", |f| f.biz_type = Some(BizType::DrugStore), 6),
        ("whole name", |f| f.user_name = Some("黄伟".into()), 10),
        (
            "a surname alone is a prefix",
            |f| f.user_name = Some("黄".into()),
            10,
        ),
        (
            "a whole name matches exactly",
            |f| f.user_name = Some("黄伟伟".into()),
            0,
        ),
        // The last 4 are matched on the 3 the screen shows, never the check
        // digit (a search that told it apart would tell it): the numbers here
        // end 1000 … 1029, so 1007 finds the ten shown as 100*.
        ("1007", |f| f.id_last4 = Some("1007".into()), 10),
        ("1000", |f| f.id_last4 = Some("1000".into()), 10),
        ("100X", |f| f.id_last4 = Some("100X".into()), 10),
        ("100x", |f| f.id_last4 = Some("100x".into()), 10),
        ("no such last 4", |f| f.id_last4 = Some("1037".into()), 0),
        ("outBizNo", |f| f.out_biz_no = Some("V-07".into()), 1),
        (
            "setl_id",
            |f| f.medical_settle_no = Some("SETL0007".into()),
            1,
        ),
        (
            "setl_id in other letters' case",
            |f| f.medical_settle_no = Some("setl0007".into()),
            1,
        ),
        (
            "authNo",
            |f| f.auth_no = Some("ano3728680187894374401630000".into()),
            30,
        ),
        (
            "dates",
            |f| (f.from, f.to) = (Some("2026-11-21".into()), Some("2026-11-22".into())),
            12,
        ),
        (
            "all at once",
            |f| {
                f.operator_id = Some("0107".into());
                f.state = Some(MedicalSettleState::Success);
                (f.from, f.to) = (Some("2026-11-20".into()), Some("2026-11-20".into()));
            },
            2,
        ),
    ];
    for (what, narrow, expected) in cases {
        let mut filter = HistoryFilter::default();
        narrow(&mut filter);
        assert_eq!(count(filter), *expected, "{what}");
    }
    let bad = search(
        c,
        &HistoryFilter {
            from: s("25/11/2026"),
            ..Default::default()
        },
    );
    assert!(matches!(
        bad,
        Err(JournalError::Invalid { field: "from", .. })
    ));
    let bad = search(
        c,
        &HistoryFilter {
            id_last4: s("12"),
            ..Default::default()
        },
    );
    assert!(matches!(
        bad,
        Err(JournalError::Invalid {
            field: "idLast4",
            ..
        })
    ));
}

#[test]
fn keyset_pages_cover_everything_once_newest_first() {
    let mut f = journal_at("2026-11-25 18:00:00");
    seed_history(&mut f);
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = search(
            f.journal.conn(),
            &HistoryFilter {
                limit: Some(7),
                before: cursor,
                ..Default::default()
            },
        )
        .unwrap();
        seen.extend(page.rows.iter().map(|r| r.id.get()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut expected: Vec<i64> = (1..=30).collect();
    expected.reverse();
    assert_eq!(seen, expected);
    // With a date range the order is by business day, then id; pages still cover it once.
    let (mut by_day, mut cursor) = (Vec::new(), None);
    loop {
        let range = HistoryFilter {
            from: Some("2026-11-20".into()),
            to: Some("2026-11-23".into()),
            limit: Some(4),
            before: cursor,
            ..Default::default()
        };
        let page = search(f.journal.conn(), &range).unwrap();
        by_day.extend(page.rows.iter().map(|r| (r.business_day.clone(), r.id)));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(by_day.len(), 24);
    let mut sorted = by_day.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(by_day, sorted);
    let bad = search(
        f.journal.conn(),
        &HistoryFilter {
            before: Some("x".into()),
            ..Default::default()
        },
    );
    assert!(matches!(
        bad,
        Err(JournalError::Invalid {
            field: "before",
            ..
        })
    ));
}

#[test]
fn listed_rows_are_masked() {
    let mut f = journal_at("2026-11-25 18:00:00");
    settle(&mut f.journal, "V-1", "SUCCESS", "2026-11-25 09:30:00");
    let row = &search(f.journal.conn(), &HistoryFilter::default())
        .unwrap()
        .rows[0];
    assert_eq!(row.user_name.as_deref(), Some("欧***"));
    assert_eq!(row.id_no.as_deref(), Some("**************123*"));
    assert_eq!(row.total_fee, "120.50");
    assert_eq!(row.delivery, DeliveryStatus::Pending);
}

#[test]
fn csv_export_opens_in_excel_and_is_masked_by_default() {
    let mut f = journal_at("2026-11-25 18:00:00");
    seed_history(&mut f);
    let out = f.dir.path().join("日结.csv");
    let filter = HistoryFilter {
        from: Some("2026-11-20".into()),
        to: Some("2026-11-24".into()),
        ..Default::default()
    };
    let mut heard = Vec::new();
    let n = export(
        f.journal.conn(),
        &filter,
        ExportFormat::Csv,
        false,
        &out,
        |k| heard.push(k),
    )
    .unwrap();
    assert_eq!(n, 30);
    assert_eq!(heard.last(), Some(&30));
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "UTF-8 BOM for Excel/WPS"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("结算ID,业务日期,结算时间,结算状态"));
    assert!(text.contains("结算成功") && text.contains("挂号窗口"));
    assert!(
        !text.contains("441702199001011007"),
        "no full 证件号 in a masked export"
    );
    assert!(text.contains("**************100*"));
    assert!(!text.contains("陈伟") && text.contains("陈*"));
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(reader.records().count(), 30);
    assert!(!f.dir.path().join("日结.partial").exists());
}

#[cfg(unix)]
#[test]
fn an_export_never_replaces_a_link_a_folder_or_a_device() {
    use std::os::unix::fs::FileTypeExt;
    use std::path::Path;

    let (f, filter) = seeded_week();
    let kept = f.dir.path().join("kept.txt");
    std::fs::write(&kept, "the link's target").unwrap();
    let link = f.dir.path().join("link.csv");
    std::os::unix::fs::symlink(&kept, &link).unwrap();
    let folder = f.dir.path().join("folder.csv");
    std::fs::create_dir(&folder).unwrap();
    for out in [link.as_path(), folder.as_path(), Path::new("/dev/null")] {
        let e = export(
            f.journal.conn(),
            &filter,
            ExportFormat::Csv,
            false,
            out,
            |_| {},
        )
        .unwrap_err();
        assert!(
            matches!(e, JournalError::Invalid { field: "out", .. }),
            "{}: {e}",
            out.display()
        );
    }
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "the link's target");
    assert!(folder.is_dir());
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device(),
        "the device stays a device"
    );
    let leftovers: Vec<_> = std::fs::read_dir(f.dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn unmasked_and_xlsx_exports() {
    let (f, filter) = seeded_week();
    let text = csv_export(&f.journal, &filter, true, &f.dir.path().join("full.csv"));
    assert!(text.contains("441702199001011007") && text.contains("陈伟"));

    let xlsx = f.dir.path().join("日结.xlsx");
    let n = export(
        f.journal.conn(),
        &filter,
        ExportFormat::Xlsx,
        false,
        &xlsx,
        |_| {},
    )
    .unwrap();
    assert_eq!(n, 30);
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
    assert!(bytes.len() > 4000);
    assert!("pdf".parse::<ExportFormat>().is_err());
}

#[test]
fn history_and_exports_show_and_filter_the_credential() {
    let mut f = journal_at("2026-11-25 18:00:00");
    seed_history(&mut f);
    let all = search(
        f.journal.conn(),
        &HistoryFilter {
            limit: Some(500),
            ..Default::default()
        },
    )
    .unwrap();
    let qr = search(
        f.journal.conn(),
        &HistoryFilter {
            credential: Some(facepay_journal::Credential::QrCode),
            limit: Some(500),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!qr.rows.is_empty() && qr.rows.len() < all.rows.len());
    assert!(
        qr.rows
            .iter()
            .all(|r| r.credential == facepay_journal::Credential::QrCode)
    );
    let face = all
        .rows
        .iter()
        .filter(|r| r.credential == facepay_journal::Credential::Face)
        .count();
    assert_eq!(face + qr.rows.len(), all.rows.len());
    let out = f.dir.path().join("凭证.csv");
    let text = csv_export(&f.journal, &HistoryFilter::default(), false, &out);
    assert!(text.lines().next().unwrap().ends_with("凭证方式"), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.ends_with(",医保码")).count(),
        qr.rows.len()
    );
}

#[test]
fn every_history_filter_and_the_refund_lookup_use_an_index() {
    let f = journal_at("2026-11-25 18:00:00");
    let c = f.journal.conn();
    let plan = |sql: &str| -> String {
        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.join(" | ")
    };
    for column in [
        "s.out_biz_no",
        "s.auth_no",
        // a setl_id whatever its letters' case
        "upper(s.medical_settle_no)",
        "s.operator_id",
        "s.office_id",
        "s.state",
        "s.biz_type",
        "s.user_name",
        "s.id_no_last4",
        "s.credential",
    ] {
        let p = plan(&format!(
            "SELECT id FROM settlements s WHERE {column} = 'x' ORDER BY s.id DESC LIMIT 51"
        ));
        assert!(
            p.contains("USING INDEX") || p.contains("USING COVERING INDEX"),
            "{column}: {p}"
        );
        assert!(!p.contains("TEMP B-TREE"), "{column} sorts: {p}");
    }
    let p = plan(
        "SELECT id FROM settlements s WHERE s.business_day = '2026-11-25' ORDER BY s.business_day DESC, s.id DESC LIMIT 51",
    );
    assert!(
        p.contains("INDEX") && !p.contains("TEMP B-TREE"),
        "one day: {p}"
    );
    let p = plan(
        "SELECT id FROM settlements s WHERE s.business_day >= '2026-11-01' AND s.business_day <= '2026-11-25' ORDER BY s.business_day DESC, s.id DESC LIMIT 51",
    );
    assert!(
        p.contains("INDEX") && !p.contains("TEMP B-TREE"),
        "a range: {p}"
    );
    let p = plan(
        "SELECT operator_id, state, self_pay, count(*), sum(total_fee_fen), sum(hif_fen), sum(acct_fen), sum(own_fen) FROM settlements WHERE business_day = 'd' GROUP BY operator_id, state, self_pay",
    );
    assert!(
        p.contains("COVERING INDEX settlements_day_totals"),
        "日结: {p}"
    );
    let p = plan(
        "SELECT id FROM settlements WHERE out_biz_no = 'x' AND state = 'SUCCESS' ORDER BY id DESC LIMIT 1",
    );
    assert!(p.contains("INDEX"), "refund lookup: {p}");
    let p = plan(
        "SELECT coalesce(sum(r.total_fee_fen), 0) FROM settlements r WHERE r.original_id = 1 AND r.state = 'REFUND_SUCCESS'",
    );
    assert!(
        p.contains("COVERING INDEX settlements_original"),
        "what is refunded: {p}"
    );
}

#[test]
fn a_name_is_searched_by_its_beginning_compound_surnames_included() {
    let mut f = journal_at("2026-11-25 18:00:00");
    for (no, name) in [
        ("V-1", "黄伟"),
        ("V-2", "黄伟强"),
        ("V-3", "黄敏"),
        ("V-4", "欧阳丽"),
        ("V-5", "欧敏"),
    ] {
        let mut d = common::draft(no, "SUCCESS", "2026-11-25 09:30:00");
        d.user_name = Some(name.into());
        record(
            &mut f.journal,
            &nhsa_protocol::SettleNotify::try_from(d).unwrap(),
        );
    }
    let names = |q: &str| -> Vec<String> {
        let filter = HistoryFilter {
            user_name: Some(q.into()),
            ..Default::default()
        };
        search(f.journal.conn(), &filter)
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.out_biz_no)
            .collect()
    };
    assert_eq!(names("黄伟"), ["V-2", "V-1"]);
    assert_eq!(names("黄伟强"), ["V-2"]);
    assert_eq!(names("黄"), ["V-3", "V-2", "V-1"]);
    // A cashier looking for 欧阳丽 by her surname finds her (and not 欧敏).
    assert_eq!(names("欧阳"), ["V-4"]);
    assert_eq!(names("欧"), ["V-5", "V-4"]);
}

#[test]
fn a_day_closed_by_an_earlier_version_shows_its_collections_and_refunds_apart() {
    // Its nets kept one count, 收款 less 退费; the per-state rows tell both.
    let f = journal_at("2026-11-26 09:00:00");
    let old = r#"{"operatorId":"0107","operatorName":"林晓燕","businessDay":"2026-11-20",
        "byState":[{"state":"REFUND_SUCCESS","selfPay":false,"count":1,"totalFee":"20.00","hifAmt":"0.00","acctAmt":"0.00","ownAmt":"20.00"},
                   {"state":"SUCCESS","selfPay":false,"count":2,"totalFee":"241.00","hifAmt":"160.00","acctAmt":"40.00","ownAmt":"41.00"}],
        "net":{"count":1,"totalFee":"221.00","hifAmt":"160.00","acctAmt":"40.00","ownAmt":"21.00"},
        "netInsured":{"count":1,"totalFee":"221.00","hifAmt":"160.00","acctAmt":"40.00","ownAmt":"21.00"},
        "netSelfPay":{"count":0,"totalFee":"0.00","hifAmt":"0.00","acctAmt":"0.00","ownAmt":"0.00"},
        "closedAt":null,"closedBy":null}"#;
    f.journal
        .conn()
        .execute(
            "INSERT INTO day_closures (operator_id, business_day, closed_at, closed_by, totals)
             VALUES ('0107', '2026-11-20', '2026-11-20 18:00:00.000', '0107', ?1)",
            [old],
        )
        .unwrap();
    let closed = summary::closed_totals(f.journal.conn(), "0107", "2026-11-20")
        .unwrap()
        .unwrap();
    assert_eq!((closed.net.count, closed.net.refund_count), (2, 1));
    assert_eq!(
        (closed.net_self_pay.count, closed.net_self_pay.refund_count),
        (0, 0)
    );
    assert_eq!(closed.net.total_fee, "221.00", "the money as it was closed");
}

#[test]
fn a_date_of_the_right_shape_that_is_no_day_is_said_so() {
    let f = journal_at("2026-11-25 18:00:00");
    for (from, says) in [
        ("2026-02-30", "不是日历上的日期"),
        ("2026-13-01", "不是日历上的日期"),
        ("2026-2-3", "应为 YYYY-MM-DD"),
        ("2026/02/03", "应为 YYYY-MM-DD"),
    ] {
        let e = search(
            f.journal.conn(),
            &HistoryFilter {
                from: Some(from.into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(e, JournalError::Invalid { field: "from", .. })
                && e.to_string().contains(says),
            "{from}: {e}"
        );
    }
}

#[test]
fn a_page_size_outside_1_to_500_is_refused_not_changed() {
    let mut f = journal_at("2026-11-25 18:00:00");
    seed_history(&mut f);
    for limit in [0, 501, u32::MAX] {
        let e = search(
            f.journal.conn(),
            &HistoryFilter {
                limit: Some(limit),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(e, JournalError::Invalid { field: "limit", .. }),
            "{limit}: {e}"
        );
    }
    for (limit, rows) in [(1, 1), (500, 30)] {
        let page = search(
            f.journal.conn(),
            &HistoryFilter {
                limit: Some(limit),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(page.rows.len(), rows, "limit {limit}");
    }
}

#[test]
fn a_date_range_that_ends_before_it_starts_is_refused_not_empty() {
    let f = journal_at("2026-11-25 18:00:00");
    let filter = HistoryFilter {
        from: Some("2026-11-28".into()),
        to: Some("2026-11-01".into()),
        ..Default::default()
    };
    match search(f.journal.conn(), &filter) {
        Err(facepay_journal::JournalError::Invalid { field, .. }) => assert_eq!(field, "to"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_export_of_many_rows_writes_each_once_in_order() {
    // More rows than the reader hands the writer at a time, and not a multiple of it.
    const ROWS: usize = 1_100;
    let mut f = journal_at("2026-11-25 18:00:00");
    let now = f.journal.now();
    f.journal
        .write(|tx| {
            for i in 0..ROWS {
                let n = notify(&format!("V-{i:05}"), "FAIL", "2026-11-25 10:00:00");
                settlements::record(tx, &n, None, None, &now)?;
            }
            Ok::<_, JournalError>(())
        })
        .unwrap();
    let filter = HistoryFilter::default();
    let out = f.dir.path().join("many.csv");
    let mut heard = Vec::new();
    let n = export(
        f.journal.conn(),
        &filter,
        ExportFormat::Csv,
        false,
        &out,
        |n| heard.push(n),
    )
    .unwrap();
    assert_eq!(n, ROWS as u64);
    assert_eq!(heard, [1_000, ROWS as u64]);
    let text = std::fs::read_to_string(&out).unwrap();
    let listed: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(19).unwrap())
        .collect();
    let expected: Vec<String> = (0..ROWS).map(|i| format!("V-{i:05}")).collect();
    assert_eq!(listed, expected);
    let xlsx = f.dir.path().join("many.xlsx");
    let n = export(
        f.journal.conn(),
        &filter,
        ExportFormat::Xlsx,
        false,
        &xlsx,
        |_| {},
    )
    .unwrap();
    assert_eq!(n, ROWS as u64);
}
