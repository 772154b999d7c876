//! How many items one submitted record may carry. Each list a form or an API body can hold is
//! capped, so a single request cannot store thousands of rows that someone must later review one
//! by one; the caps sit far above what any real visit, report or session needs.

/// Follow-up actions recorded by one monitoring visit or coaching session.
pub const ACTIONS_PER_RECORD: usize = 50;
/// Reviews of open actions in one visit (each open action is reviewed once).
pub const REVIEWS_PER_VISIT: usize = 500;
/// Lines of one periodic report (activities, services by sex and age, referrals).
pub const LINES_PER_REPORT: usize = 1_000;
/// The largest count one report line may carry.
pub const LINE_COUNT_MAX: i64 = 1_000_000;
/// Requirements a session's topics may link to.
pub const TOPICS_PER_SESSION: usize = 200;
/// Obstacles and drivers ticked in one annual evaluation.
pub const FACTORS_PER_EVALUATION: usize = 200;

/// Refuses a list longer than `max`, naming what was sent.
pub fn check(what: &str, count: usize, max: usize) -> Result<(), String> {
    if count > max {
        Err(format!(
            "paling banyak {max} {what} sekaligus; dikirim {count}"
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_over_its_cap_is_refused_with_both_numbers() {
        assert!(check("tindak lanjut", ACTIONS_PER_RECORD, ACTIONS_PER_RECORD).is_ok());
        let e = check("tindak lanjut", 15_000, ACTIONS_PER_RECORD).unwrap_err();
        assert!(e.contains("50") && e.contains("15000"), "{e}");
    }
}
