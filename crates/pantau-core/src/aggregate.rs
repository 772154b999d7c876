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
}
