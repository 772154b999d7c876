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
/// Photos one follow-up or one visit may carry.
pub const PHOTOS_PER_RECORD: usize = 3;
/// The largest photo accepted, in bytes. Phones shrink photos to 1,600 px before sending (a few
/// hundred KB); this leaves room for an unshrunk photo from a phone without scripts.
pub const PHOTO_MAX_BYTES: usize = 5 * 1024 * 1024;
