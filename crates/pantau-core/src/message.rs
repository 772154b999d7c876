//! Messages for people, as a catalogue key and named arguments. Whoever raises one does not word
//! it: the web layer renders it in the reader's language through the Fluent catalogues
//! (`crates/pantau-web/i18n/{id,en}.ftl`), and the command line in Bahasa Indonesia. A catalogue
//! test fails when a key raised anywhere lacks a translation.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub key: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
}

impl Message {
    pub fn new(key: &'static str) -> Self {
        Message {
            key: Cow::Borrowed(key),
            args: BTreeMap::new(),
        }
    }

    /// Adds the argument `name` (`{ $name }` in the catalogue).
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.args.insert(name.to_string(), value.to_string());
        self
    }

    /// Whether the key or an argument contains `needle`: for logs and tests, which check what
    /// was said without rendering it.
    pub fn mentions(&self, needle: &str) -> bool {
        self.key.contains(needle) || self.args.values().any(|v| v.contains(needle))
    }

    /// A list of accepted values as one argument, comma-separated.
    pub fn with_list<'a>(self, name: &str, values: impl IntoIterator<Item = &'a str>) -> Self {
        let list: Vec<&str> = values.into_iter().collect();
        self.with(name, list.join(", "))
    }
}

/// The key and its arguments, for logs and test output (people see the rendered text). A text
/// not yet given a key of its own (`err-text`) shows as that text.
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.key == "err-text" {
            if let Some(text) = self.args.get("text") {
                return f.write_str(text);
            }
        }
        write!(f, "{}", self.key)?;
        for (k, v) in &self.args {
            write!(f, " {k}={v:?}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_carries_its_key_and_arguments_and_shows_both() {
        let m = Message::new("xchg-code-twice").with("first", 4);
        assert_eq!(m.key, "xchg-code-twice");
        assert_eq!(m.args["first"], "4");
        assert_eq!(m.to_string(), "xchg-code-twice first=\"4\"");
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["key"], "xchg-code-twice");
        assert_eq!(serde_json::from_value::<Message>(json).unwrap(), m);
        let listed = Message::new("x-one-of").with_list("values", ["a", "b"]);
        assert_eq!(listed.args["values"], "a, b");
    }
}
