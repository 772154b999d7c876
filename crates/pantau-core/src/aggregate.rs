//! Aggregate data exchange with national systems: Pantau's indicator values per office and year
//! written as DHIS2 `dataValueSets` JSON or as ADX XML (IHE QRPH), with Pantau codes translated
//! through a configurable mapping.

use serde::Serialize;
use std::collections::HashMap;

/// Indicators Pantau exports, with what they count.
pub const INDICATORS: &[(&str, &str)] = &[
    ("ibm_units", "IBM units of the year"),
    ("ibm_units_berkelanjutan", "units in category Berkelanjutan"),
    (
        "ibm_units_berkelanjutan_mandiri",
        "units in category Berkelanjutan Mandiri",
    ),
    ("ibm_units_baru", "units in category Baru"),
    ("ibm_units_baru_mandiri", "units in category Baru Mandiri"),
    ("ibm_units_with_target", "units with a target stage"),
    ("ibm_units_assessed", "units with a final stage assessment"),
    (
        "ibm_units_on_target",
        "units that reached their target stage",
    ),
    ("ibm_reports_on_time", "periodic reports received on time"),
    ("ibm_reports_late", "periodic reports received late"),
    ("ibm_reports_missing", "periodic reports due but missing"),
    ("ibm_units_silent", "units that stopped reporting"),
];

/// Pantau code → external code, per kind (`indicator`, `org_unit`, `data_set`).
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub codes: HashMap<(String, String), String>,
}

impl Mapping {
    /// The external code, or Pantau's own when none is configured.
    pub fn code<'a>(&'a self, kind: &str, pantau: &'a str) -> &'a str {
        self.codes
            .get(&(kind.to_string(), pantau.to_string()))
            .map(String::as_str)
            .unwrap_or(pantau)
    }
}

/// One office's values for one year, in Pantau codes.
#[derive(Debug, Clone)]
pub struct OfficeValues {
    pub office_code: String,
    pub values: Vec<(&'static str, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataValue {
    pub data_element: String,
    pub period: String,
    pub org_unit: String,
    pub value: String,
}

/// Translates values into data values of a yearly period (DHIS2 period `2025`).
pub fn data_values(year: i64, offices: &[OfficeValues], mapping: &Mapping) -> Vec<DataValue> {
    let mut out = Vec::new();
    for o in offices {
        for (indicator, value) in &o.values {
            out.push(DataValue {
                data_element: mapping.code("indicator", indicator).to_string(),
                period: year.to_string(),
                org_unit: mapping.code("org_unit", &o.office_code).to_string(),
                value: value.to_string(),
            });
        }
    }
    out
}

/// DHIS2's `dataValueSets` payload (POST /api/dataValueSets).
pub fn dhis2_json(data_set: &str, values: &[DataValue]) -> serde_json::Value {
    serde_json::json!({ "dataSet": data_set, "dataValues": values })
}

/// Escapes text for XML and HTML attributes and content.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// ADX (urn:ihe:qrph:adx:2015): one group per org unit, the year as an ISO 8601 period.
pub fn adx_xml(data_set: &str, year: i64, values: &[DataValue], exported: &str) -> String {
    let mut groups: Vec<(&str, Vec<&DataValue>)> = Vec::new();
    for v in values {
        match groups.iter_mut().find(|(ou, _)| *ou == v.org_unit) {
            Some((_, g)) => g.push(v),
            None => groups.push((&v.org_unit, vec![v])),
        }
    }
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<adx xmlns=\"urn:ihe:qrph:adx:2015\" exported=\"{}\">\n",
        xml_escape(exported)
    ));
    for (org_unit, group) in groups {
        x.push_str(&format!(
            "  <group orgUnit=\"{}\" period=\"{year}-01-01/P1Y\" dataSet=\"{}\">\n",
            xml_escape(org_unit),
            xml_escape(data_set)
        ));
        for v in group {
            x.push_str(&format!(
                "    <dataValue dataElement=\"{}\" value=\"{}\"/>\n",
                xml_escape(&v.data_element),
                xml_escape(&v.value)
            ));
        }
        x.push_str("  </group>\n");
    }
    x.push_str("</adx>\n");
    x
}

/// Values read from another system's payload, still in its codes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncomingSet {
    pub data_set: Option<String>,
    pub values: Vec<DataValue>,
}

/// A problem with the payload (`index` 0) or with its `index`-th value (counting from 1).
#[derive(Debug, Clone, PartialEq)]
pub struct PayloadError {
    pub index: usize,
    pub field: String,
    pub value: String,
    pub reason: crate::message::Message,
}

impl PayloadError {
    fn whole(reason: crate::message::Message) -> Self {
        PayloadError {
            index: 0,
            field: String::new(),
            value: String::new(),
            reason,
        }
    }
}

fn too_many_values() -> Vec<PayloadError> {
    vec![PayloadError::whole(
        crate::message::Message::new("xchg-too-many-values").with("max", MAX_VALUES),
    )]
}

/// Values a payload may hold; larger ones are refused before any value is checked.
pub const MAX_VALUES: usize = 100_000;

/// The year of a yearly period: DHIS2 `2025` or ADX/ISO 8601 `2025-01-01/P1Y`.
pub fn yearly_period(period: &str) -> Option<i64> {
    let year = match period.split_once('/') {
        None => period,
        Some((start, "P1Y")) => start.strip_suffix("-01-01")?,
        Some(_) => return None,
    };
    if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) {
        year.parse().ok()
    } else {
        None
    }
}

/// Reads a DHIS2 `dataValueSets` JSON payload. Fields Pantau does not use (category option
/// combos, comments, stored-by) are ignored; a value may be a JSON string or number.
pub fn parse_dhis2_json(bytes: &[u8]) -> Result<IncomingSet, Vec<PayloadError>> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Raw {
        data_set: Option<String>,
        #[serde(default)]
        data_values: Vec<RawValue>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct RawValue {
        data_element: Option<String>,
        period: Option<String>,
        org_unit: Option<String>,
        value: Option<serde_json::Value>,
    }
    let raw: Raw = serde_json::from_slice(bytes).map_err(|e| {
        vec![PayloadError::whole(
            crate::message::Message::new("xchg-json-unreadable").with("detail", e),
        )]
    })?;
    if raw.data_values.len() > MAX_VALUES {
        return Err(too_many_values());
    }
    let mut values = Vec::with_capacity(raw.data_values.len());
    for v in raw.data_values {
        let value = match v.value {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        values.push(DataValue {
            data_element: v.data_element.unwrap_or_default(),
            period: v.period.unwrap_or_default(),
            org_unit: v.org_unit.unwrap_or_default(),
            value,
        });
    }
    Ok(IncomingSet {
        data_set: raw.data_set,
        values,
    })
}

/// Reads an ADX XML payload: each `group` gives the org unit, period and data set of its
/// `dataValue`s. Other attributes (disaggregations) are ignored.
pub fn parse_adx_xml(bytes: &[u8]) -> Result<IncomingSet, Vec<PayloadError>> {
    use quick_xml::events::{BytesStart, Event};
    let text = std::str::from_utf8(bytes).map_err(|_| {
        vec![PayloadError::whole(crate::message::Message::new(
            "xchg-adx-not-utf8",
        ))]
    })?;
    let mut reader = quick_xml::Reader::from_str(text);
    let attrs = |e: &BytesStart| -> Result<HashMap<String, String>, String> {
        let mut out = HashMap::new();
        for a in e.attributes() {
            let a = a.map_err(|e| e.to_string())?;
            let key = a.key.local_name().as_ref().to_string();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| e.to_string())?
                .into_owned();
            out.insert(key, value);
        }
        Ok(out)
    };
    let bad = |e: String| {
        vec![PayloadError::whole(
            crate::message::Message::new("xchg-adx-unreadable").with("detail", e),
        )]
    };
    let mut set = IncomingSet::default();
    let mut group: Option<HashMap<String, String>> = None;
    let mut saw_root = false;
    loop {
        match reader.read_event().map_err(|e| bad(e.to_string()))? {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name().as_ref().to_string();
                match name.as_str() {
                    "adx" => saw_root = true,
                    "group" => {
                        let a = attrs(&e).map_err(bad)?;
                        if let Some(ds) = a.get("dataSet") {
                            set.data_set.get_or_insert_with(|| ds.clone());
                        }
                        group = Some(a);
                    }
                    "dataValue" => {
                        let a = attrs(&e).map_err(bad)?;
                        let g = group.as_ref();
                        let of_group =
                            |k: &str| g.and_then(|g| g.get(k)).cloned().unwrap_or_default();
                        if set.values.len() >= MAX_VALUES {
                            return Err(too_many_values());
                        }
                        set.values.push(DataValue {
                            data_element: a.get("dataElement").cloned().unwrap_or_default(),
                            period: of_group("period"),
                            org_unit: of_group("orgUnit"),
                            value: a.get("value").cloned().unwrap_or_default(),
                        });
                    }
                    _ => {}
                }
            }
            Event::End(e) if e.local_name().as_ref() == "group" => group = None,
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(vec![PayloadError::whole(crate::message::Message::new(
            "xchg-adx-no-root",
        ))]);
    }
    Ok(set)
}

/// Pantau code → external code turned around, per kind; unmapped codes stand for themselves.
pub fn reverse(mapping: &Mapping, kind: &str, external: &str) -> String {
    mapping
        .codes
        .iter()
        .find(|((k, _), ext)| k == kind && ext.as_str() == external)
        .map(|((_, pantau), _)| pantau.clone())
        .unwrap_or_else(|| external.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_translated_and_unmapped_codes_pass_through() {
        let mut mapping = Mapping::default();
        mapping.codes.insert(
            ("indicator".into(), "ibm_units".into()),
            "fbfJHSPpUQD".into(),
        );
        mapping
            .codes
            .insert(("org_unit".into(), "BNNP-32".into()), "ImspTQPwCqd".into());
        let values = data_values(
            2025,
            &[OfficeValues {
                office_code: "BNNP-32".into(),
                values: vec![("ibm_units", 12), ("ibm_units_on_target", 3)],
            }],
            &mapping,
        );
        assert_eq!(values[0].data_element, "fbfJHSPpUQD");
        assert_eq!(values[0].org_unit, "ImspTQPwCqd");
        assert_eq!(values[1].data_element, "ibm_units_on_target");
        let json = dhis2_json("ds", &values);
        assert_eq!(json["dataValues"][0]["dataElement"], "fbfJHSPpUQD");
        assert_eq!(json["dataValues"][0]["period"], "2025");
        let adx = adx_xml("ds<&>", 2025, &values, "2026-01-01");
        assert!(adx.contains("period=\"2025-01-01/P1Y\" dataSet=\"ds&lt;&amp;&gt;\""));
        assert_eq!(adx.matches("<dataValue ").count(), 2);
        assert_eq!(adx.matches("<group ").count(), 1);
    }

    #[test]
    fn payloads_read_back_what_was_written() {
        let values = vec![
            DataValue {
                data_element: "ibm_units".into(),
                period: "2025".into(),
                org_unit: "BNNP-32".into(),
                value: "12".into(),
            },
            DataValue {
                data_element: "ibm<&>".into(),
                period: "2025".into(),
                org_unit: "BNNK-32.73".into(),
                value: "0".into(),
            },
        ];
        let json = serde_json::to_vec(&dhis2_json("ds", &values)).unwrap();
        let back = parse_dhis2_json(&json).unwrap();
        assert_eq!(
            (back.data_set.as_deref(), &back.values),
            (Some("ds"), &values)
        );
        let adx = adx_xml("ds", 2025, &values, "2026-01-01");
        let back = parse_adx_xml(adx.as_bytes()).unwrap();
        let mut expected = values.clone();
        for v in &mut expected {
            v.period = "2025-01-01/P1Y".into();
        }
        assert_eq!(
            (back.data_set.as_deref(), &back.values),
            (Some("ds"), &expected)
        );
        assert_eq!(yearly_period("2025-01-01/P1Y"), Some(2025));
        assert_eq!(yearly_period("2025"), Some(2025));
        assert_eq!(yearly_period("202501"), None);
        assert_eq!(yearly_period("2025-02-01/P1Y"), None);
        assert_eq!(yearly_period("2025-01-01/P1M"), None);
        let numeric = br#"{"dataValues":[{"dataElement":"a","period":"2025","orgUnit":"o","value":7,"comment":"x"}]}"#;
        assert_eq!(parse_dhis2_json(numeric).unwrap().values[0].value, "7");
        assert!(parse_dhis2_json(b"{").is_err());
        assert!(parse_dhis2_json(b"[1,2]").is_err());
        assert!(parse_adx_xml(b"<adx><group orgUnit=\"a\"><dataValue value=\"1\"").is_err());
        assert!(parse_adx_xml(b"<other/>").is_err());
        assert!(parse_adx_xml(b"\xff\xfe").is_err());
        let mut mapping = Mapping::default();
        mapping
            .codes
            .insert(("org_unit".into(), "BNNP-32".into()), "Imsp".into());
        assert_eq!(reverse(&mapping, "org_unit", "Imsp"), "BNNP-32");
        assert_eq!(reverse(&mapping, "indicator", "Imsp"), "Imsp");
    }
}
