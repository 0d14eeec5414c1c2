//! "A report for my doctor" from a real store: the sections asked for, in
//! that order, each chart with its figures in a table, the safety flag
//! plain to see, escaped text, nothing from outside the page.

use pph_core::*;
use pph_testing::*;

fn report(c: &Companion, sections: Vec<ReportSection>) -> Result<String, PphError> {
    c.report_for_doctor(ReportRequest {
        sections,
        from: "2026-03-01".into(),
        to: "2026-03-31".into(),
    })
}

#[test]
fn the_report_holds_the_sections_asked_for_with_charts_and_tables() {
    let t = new_store();
    a_full_record(&t.companion);
    let all = report(
        &t.companion,
        vec![
            ReportSection::Questionnaires,
            ReportSection::CarePlan,
            ReportSection::DiaryTrends,
            ReportSection::Budget,
        ],
    )
    .expect("report");
    let at = |text: &str| {
        all.find(text)
            .unwrap_or_else(|| panic!("no {text:?} in the report"))
    };
    assert!(
        at("<h2>Questionnaires") < at("<h2>Care plan"),
        "in the order asked"
    );
    assert!(at("<h2>Care plan") < at("<h2>My symptoms"));
    assert!(at("<h2>My symptoms") < at("<h2>My personal health budget"));
    assert!(all.contains("Breathe &lt;easier&gt; &amp; walk"), "escaped");
    assert!(all.contains("Safety flag: please ask me about it"));
    assert!(all.contains("<h3>Morning cough</h3>") && all.contains("<h3>Breathlessness</h3>"));
    // Every chart has a title for screen readers and a table beside it.
    let charts = all.matches("<svg role=\"img\"").count();
    assert_eq!(charts, all.matches("<svg").count());
    assert!(charts >= 5, "{charts} charts");
    assert!(all.matches("<table>").count() >= charts);
    assert_eq!(
        all.matches("<title>").count(),
        charts + 1 + all.matches("<circle").count()
    );
    // The daily walk from 2 March: 30 planned to the 31st, 5 done.
    assert!(
        all.contains(
            "<tr><td>Walk</td><td>30</td><td>5</td><td>0</td><td>25</td><td>17%</td></tr>"
        ),
        "the walk's adherence row"
    );
    for outside in ["<script", "http://", "https://", "src=", "@import"] {
        let allowed = outside == "http://"
            && all.matches(outside).count()
                == all.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
        assert!(!all.contains(outside) || allowed, "{outside} in the report");
    }
    assert!(all.contains("@media print"));

    let only_plan = report(&t.companion, vec![ReportSection::CarePlan]).expect("plan only");
    assert!(!only_plan.contains("Questionnaires") && !only_plan.contains("budget"));
    assert!(matches!(
        report(&t.companion, vec![]),
        Err(PphError::Validation { ref field, .. }) if field == "sections"
    ));
    let backwards = t.companion.report_for_doctor(ReportRequest {
        sections: vec![ReportSection::Budget],
        from: "2026-03-31".into(),
        to: "2026-03-01".into(),
    });
    assert!(matches!(backwards, Err(PphError::Validation { .. })));
}
