//! Translations: Bahasa Indonesia first, English second, both as Fluent catalogues.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }
}

pub const CATALOG_ID: &str = include_str!("../i18n/id.ftl");
pub const CATALOG_EN: &str = include_str!("../i18n/en.ftl");

pub struct I18n {
    id: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(lang: &str, source: &str) -> FluentBundle<FluentResource> {
    let resource = FluentResource::try_new(source.to_string())
        .unwrap_or_else(|(_, errs)| panic!("catalogue {lang} does not parse: {errs:?}"));
    let mut b = FluentBundle::new_concurrent(vec![lang.parse().expect("valid language id")]);
    // No Unicode isolation marks: the strings go into HTML, not bidirectional text.
    b.set_use_isolating(false);
    b.add_resource(resource)
        .unwrap_or_else(|errs| panic!("catalogue {lang} has duplicate ids: {errs:?}"));
    b
}

impl I18n {
    pub fn new() -> Self {
        I18n {
            id: bundle("id", CATALOG_ID),
            en: bundle("en", CATALOG_EN),
        }
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        }
    }

    pub fn has(&self, lang: Lang, id: &str) -> bool {
        self.bundle(lang).has_message(id)
    }

    /// The message `id`; a missing id shows itself, so a gap is visible rather than blank.
    pub fn t(&self, lang: Lang, id: &str) -> String {
        self.format(lang, id, None)
    }

    pub fn t_with(&self, lang: Lang, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, v.clone());
        }
        self.format(lang, id, Some(&fa))
    }

    /// A message raised below the web layer, in `lang`. Numbers stay as they were written (no
    /// digit grouping): they are row numbers, years and codes as often as quantities.
    pub fn render(&self, lang: Lang, m: &pantau_core::message::Message) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in &m.args {
            fa.set(k.as_str(), FluentValue::from(v.as_str()));
        }
        // A message about an input field names it through `$label`, the field's name in `lang`.
        if let Some(field) = m
            .args
            .get("field")
            .filter(|_| !m.args.contains_key("label"))
        {
            let label = field_label_id(field)
                .filter(|id| self.has(lang, id))
                .map_or_else(|| field.clone(), |id| self.t(lang, &id));
            fa.set("label", FluentValue::from(label));
        }
        self.format(lang, &m.key, Some(&fa))
    }

    fn format(&self, lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
        let b = self.bundle(lang);
        let Some(pattern) = b.get_message(id).and_then(|m| m.value()) else {
            return id.to_string();
        };
        let mut errors = vec![];
        let s: Cow<str> = b.format_pattern(pattern, args, &mut errors);
        s.into_owned()
    }
}

/// The catalogue id naming an input field (`village_code` → `field-village-code`); a nested
/// field (`units[2].category`) is named by its last part.
fn field_label_id(field: &str) -> Option<String> {
    let last = field.rsplit('.').next()?.split('[').next()?;
    (!last.is_empty()).then(|| format!("field-{}", last.replace('_', "-")))
}

/// Route layer: the reader's language (the `pantau_lang` cookie; Bahasa Indonesia by default)
/// for everything after it.
pub async fn choose_language(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let lang = crate::auth::cookie(req.headers(), crate::auth::LANG_COOKIE)
        .and_then(|l| Lang::parse(&l))
        .unwrap_or_default();
    req.extensions_mut().insert(lang);
    next.run(req).await
}

impl Default for I18n {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(source: &str) -> Vec<String> {
        source
            .lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
            .filter(|k| !k.starts_with('#') && !k.is_empty())
            .collect()
    }

    #[test]
    fn both_catalogues_define_the_same_messages_once_each() {
        assert_eq!(ids(CATALOG_ID), ids(CATALOG_EN));
        let mut sorted = ids(CATALOG_ID);
        sorted.sort();
        let before = sorted.len();
        sorted.dedup();
        assert_eq!(sorted.len(), before, "a message id is defined twice");
    }

    #[test]
    fn every_message_used_in_templates_and_code_exists_in_both_languages() {
        let i18n = I18n::new();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/");
        // This crate's templates and code, and the storage and domain crates that raise
        // messages by key.
        fn walk(dir: &std::path::Path, into: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, into);
                } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
                    into.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        let mut sources = Vec::new();
        for dir in [
            "templates",
            "src",
            "../pantau-db/src",
            "../pantau-core/src",
            "../pantau/src",
        ] {
            walk(std::path::Path::new(&format!("{root}{dir}")), &mut sources);
        }
        // Every string literal shaped like a message id of a known section must exist.
        const SECTIONS: &[&str] = &[
            "app", "nav", "lang", "login", "home", "level", "role", "areas", "offices", "users",
            "account", "audit", "common", "error", "footer", "ibm", "ref", "sni", "dash", "pack",
            "xchg", "err", "task", "field", "outbox", "remind",
        ];
        let mut checked = 0;
        for src in &sources {
            for (i, literal) in src.split('"').enumerate() {
                let is_id = i % 2 == 1
                    && literal.split_once('-').is_some_and(|(head, tail)| {
                        SECTIONS.contains(&head)
                            && !tail.is_empty()
                            && !tail.ends_with('-')
                            && tail.bytes().all(|b| {
                                b.is_ascii_lowercase()
                                    || b.is_ascii_digit()
                                    || b == b'-'
                                    || b == b'_'
                            })
                    });
                if !is_id {
                    continue;
                }
                checked += 1;
                for lang in [Lang::Id, Lang::En] {
                    assert!(
                        i18n.has(lang, literal),
                        "message {literal} missing in {}",
                        lang.code()
                    );
                }
            }
        }
        // Names built at run time: one per role and per level.
        for role in pantau_core::access::Role::ALL {
            assert!(i18n.has(Lang::En, &format!("role-{}", role.as_str())));
            assert!(i18n.has(Lang::Id, &format!("role-{}", role.as_str())));
        }
        for level in pantau_core::org::AreaLevel::ALL
            .map(|l| l.as_str())
            .into_iter()
            .chain(pantau_core::org::OfficeLevel::ALL.map(|l| l.as_str()))
        {
            assert!(
                i18n.has(Lang::Id, &format!("level-{level}"))
                    && i18n.has(Lang::En, &format!("level-{level}"))
            );
        }
        // Coded values shown through a prefix: every variant has a message.
        use pantau_core::ibm::*;
        let coded: Vec<(&str, Vec<&str>)> = vec![
            (
                "ibm-status-",
                UnitStatus::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "ibm-funding-",
                FundingSource::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "ibm-category-",
                Category::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "ibm-agent-",
                AgentRole::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "ibm-mode-",
                VisitMode::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "ibm-action-",
                ActionStatus::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "ibm-assessment-",
                AssessmentStatus::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "ibm-action-do-",
                AssessmentAction::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "ibm-report-",
                [
                    ReportState::OnTime,
                    ReportState::Late,
                    ReportState::Missing,
                    ReportState::NotDueYet,
                ]
                .iter()
                .map(|v| v.as_str())
                .collect(),
            ),
        ];
        use pantau_core::sni;
        let coded = coded.into_iter().chain([
            ("ref-list-", pantau_db_lists()),
            (
                "sni-kind-",
                sni::CohortKind::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "sni-ownership-",
                sni::Ownership::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "sni-service-",
                sni::ServiceKind::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "sni-modality-",
                sni::Modality::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "sni-akind-",
                sni::AssessmentKind::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect(),
            ),
            (
                "sni-session-",
                sni::SessionType::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "sni-tier-",
                sni::Tier::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "sni-cert-",
                sni::CertStatus::ALL.iter().map(|v| v.as_str()).collect(),
            ),
        ]);
        for (prefix, values) in coded {
            for v in values {
                for lang in [Lang::Id, Lang::En] {
                    assert!(
                        i18n.has(lang, &format!("{prefix}{v}")),
                        "{prefix}{v} missing in {}",
                        lang.code()
                    );
                }
            }
        }
        assert!(checked > 50, "the scan found only {checked} message uses");
    }

    /// The reference lists, as the storage layer names them.
    fn pantau_db_lists() -> Vec<&'static str> {
        pantau_db::reference::LISTS.to_vec()
    }

    #[test]
    fn arguments_are_substituted() {
        let i18n = I18n::new();
        let s = i18n.t_with(
            Lang::En,
            "common-page",
            &[("page", 2.into()), ("pages", 5.into())],
        );
        assert_eq!(s, "Page 2 of 5");
        assert_eq!(i18n.t(Lang::Id, "nav-home"), "Beranda");
        assert_eq!(i18n.t(Lang::Id, "no-such-id"), "no-such-id");
    }

    #[test]
    fn a_field_error_names_the_field_in_the_readers_language() {
        use pantau_core::message::Message;
        let i18n = I18n::new();
        let m = Message::new("err-required").with("field", "village_code");
        assert_eq!(i18n.render(Lang::Id, &m), "Desa/kelurahan wajib diisi.");
        assert_eq!(i18n.render(Lang::En, &m), "Village is required.");
        let nested = Message::new("err-required").with("field", "units[2].decree_number");
        assert_eq!(i18n.render(Lang::En, &nested), "Decree number is required.");
    }

    /// Every input field the storage and domain layers name in a message has a label in both
    /// catalogues, so no reader sees `village_code` where "Desa/kelurahan" belongs.
    #[test]
    fn every_field_named_in_an_error_has_a_label() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../");
        let mut sources = String::new();
        fn walk(dir: &std::path::Path, into: &mut String) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, into);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    into.push_str(&std::fs::read_to_string(path).unwrap());
                }
            }
        }
        for dir in ["pantau-db/src", "pantau-core/src"] {
            walk(std::path::Path::new(&format!("{root}{dir}")), &mut sources);
        }
        // Each marker is followed by the field's name as the next string literal (after the
        // message key for `DbError::field`).
        const MARKERS: &[(&str, usize)] = &[
            (".with(\"field\", ", 0),
            ("check_text(", 0),
            ("check_date(", 0),
            ("check_count(", 0),
            ("DbError::field(", 1),
            ("unknown_value(", 0),
            ("unknown_record(", 0),
            ("twice(", 0),
            ("out_of_range(", 0),
            ("area_code(", 0),
        ];
        let i18n = I18n::new();
        let mut checked = 0;
        for (marker, skip) in MARKERS {
            for (_, rest) in sources
                .match_indices(marker)
                .map(|(i, _)| sources.split_at(i + marker.len()))
            {
                // The next literal, after `skip` literals each followed by a comma.
                let mut rest = rest.trim_start();
                for _ in 0..*skip {
                    let Some(after) = rest.strip_prefix('"').and_then(|r| r.split_once('"')) else {
                        break;
                    };
                    rest = after
                        .1
                        .trim_start()
                        .strip_prefix(',')
                        .unwrap_or("")
                        .trim_start();
                }
                let Some(field) = rest.strip_prefix('"').and_then(|r| r.split('"').next()) else {
                    continue; // a definition or a variable
                };
                let Some(id) = field_label_id(field) else {
                    continue;
                };
                checked += 1;
                for lang in [Lang::Id, Lang::En] {
                    assert!(
                        i18n.has(lang, &id),
                        "field {field} has no label {id} in {}",
                        lang.code()
                    );
                }
            }
        }
        assert!(checked > 80, "the scan found only {checked} named fields");
    }

    #[test]
    fn every_kind_of_task_is_named_explained_and_dated_in_both_languages() {
        let i18n = I18n::new();
        for kind in pantau_db::tasks::TaskKind::ALL {
            for prefix in ["task-", "task-help-", "task-date-"] {
                let id = format!("{prefix}{}", kind.as_str());
                for lang in [Lang::Id, Lang::En] {
                    assert!(i18n.has(lang, &id), "{id} missing in {}", lang.code());
                }
            }
        }
    }
}
