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
