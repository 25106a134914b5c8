//! What a visit asks of the journal on its way is found by index, never by
//! reading a table through: such a read costs every visit more as the journal
//! grows (issue 19's profile found the identity checks reading all settlements).

#![allow(clippy::unwrap_used)] // a test may panic; that is how it fails

mod common;

/// The plan SQLite would follow for `sql`, one line per step.
fn plan(j: &facepay_journal::Journal, sql: &str) -> String {
    let mut stmt = j
        .conn()
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap();
    let rows = stmt
        .query_map([1], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    rows.join("\n")
}

#[test]
fn a_visits_settlements_are_found_by_the_visit() {
    let f = common::journal_at("2026-11-25 09:00:00");
    for sql in [
        // settlements::person_of_visit
        "SELECT user_name, id_no_last4 FROM settlements
         WHERE visit_id = ?1 AND user_name IS NOT NULL AND id_no_last4 IS NOT NULL
         ORDER BY id LIMIT 1",
        // visits::set_identity
        "SELECT EXISTS (SELECT 1 FROM settlements WHERE visit_id = ?1)",
    ] {
        let plan = plan(&f.journal, sql);
        assert!(plan.contains("settlements_visit"), "{sql}\n{plan}");
        assert!(!plan.contains("SCAN settlements"), "{sql}\n{plan}");
    }
}

#[test]
fn a_setl_id_is_found_by_its_index_whatever_its_case() {
    let f = common::journal_at("2026-11-25 09:00:00");
    for sql in [
        // settlements::check_refund_setl_id, before every refund is recorded
        "SELECT id, out_biz_no, state FROM settlements
         WHERE upper(medical_settle_no) = upper(?1) AND state IN ('SUCCESS', 'REFUND_SUCCESS')
         ORDER BY id LIMIT 1",
        // settlements::record_from, naming the SUCCESS a repeated setl_id belongs to
        "SELECT id, out_biz_no FROM settlements
         WHERE state = 'SUCCESS' AND upper(medical_settle_no) = upper(?1) ORDER BY id LIMIT 1",
    ] {
        let plan = plan(&f.journal, sql);
        assert!(plan.contains("settlements_settle_no"), "{sql}\n{plan}");
        assert!(!plan.contains("SCAN settlements"), "{sql}\n{plan}");
    }
}

#[test]
fn an_originals_refunds_are_found_by_the_original() {
    let f = common::journal_at("2026-11-25 09:00:00");
    // settlements::items, before every refund is recorded
    let sql = "SELECT id FROM settlements WHERE original_id = ?1 AND state = 'REFUND_SUCCESS'";
    let plan = plan(&f.journal, sql);
    assert!(plan.contains("settlements_original"), "{sql}\n{plan}");
}

#[test]
fn a_range_searchs_page_is_chosen_in_the_index_alone() {
    let f = common::journal_at("2026-11-25 09:00:00");
    // history::search's inner query: a name's beginning or the last 4 match
    // thousands of rows, whose ids alone are sorted before 51 rows are read.
    for (column, index) in [
        ("user_name", "settlements_user_name"),
        ("id_no_last4", "settlements_id_last4"),
    ] {
        let sql = format!(
            "SELECT s.id FROM settlements s WHERE 1 = 1 AND s.{column} >= ?1 AND s.{column} < ?1
             ORDER BY s.id DESC LIMIT ?1"
        );
        let plan = plan(&f.journal, &sql);
        assert!(
            plan.contains(&format!("COVERING INDEX {index}")),
            "{sql}\n{plan}"
        );
    }
}
