//! The API's OpenAPI 3.1 document, built from one table of operations. A test compares the table
//! with the routes the code registers and calls every operation in it, so the document cannot
//! drift from the API. Schemas are described as JSON objects; the fields follow the storage types.

use serde_json::{Map, Value, json};

/// What an operation takes in its body.
#[derive(Clone, Copy)]
pub enum Input {
    None,
    Json,
    Multipart,
    /// DHIS2 JSON or ADX XML exactly as another system sends it.
    Payload(&'static str),
    /// JSON of the schema this function gives.
    Schema(fn() -> Value),
}

/// What a successful call answers with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Json,
    Xml,
}

/// A query parameter: name, JSON type, whether it must be given, description.
pub struct Param(
    pub &'static str,
    pub &'static str,
    pub bool,
    pub &'static str,
);

pub struct Operation {
    pub method: &'static str,
    /// Under `/api/v1`, with `{name}` path parameters.
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub query: &'static [Param],
    pub input: Input,
    pub output: Output,
}

const fn op(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
) -> Operation {
    Operation {
        method,
        path,
        tag,
        summary,
        query: &[],
        input: if matches!(method.as_bytes(), b"GET") {
            Input::None
        } else {
            Input::Json
        },
        output: Output::Json,
    }
}

const YEAR: Param = Param(
    "year",
    "integer",
    false,
    "tahun / year (default: this year)",
);
const YEAR_REQUIRED: Param = Param("year", "integer", true, "tahun / year");
const OFFICE: Param = Param(
    "office_id",
    "integer",
    false,
    "id satker: hanya di bawah satker ini / only under this office",
);
const LIMIT: Param = Param(
    "limit",
    "integer",
    false,
    "baris paling banyak / rows at most",
);
const OFFSET: Param = Param("offset", "integer", false, "lewati baris / rows to skip");
const SOURCE: Param = Param(
    "source",
    "string",
    false,
    "sumber, mis. dhis2-kemenkes / source (default: the payload's data set)",
);
const DRY_RUN: Param = Param("dry_run", "boolean", false, "periksa saja / check only");

fn category_schema() -> Value {
    json!({"type": "string", "description": "kode atau nama / code or label: berkelanjutan, berkelanjutan_mandiri, baru, baru_mandiri (\"Berkelanjutan Mandiri\" too)",
           "examples": ["berkelanjutan", "Berkelanjutan Mandiri"]})
}

fn year_schema() -> Value {
    json!({"type": "object", "required": ["category"], "properties": {
        "category": category_schema(),
        "target_stage_id": {"type": ["integer", "null"], "description": "id tahap target / target stage id"}},
        "examples": [{"category": "berkelanjutan", "target_stage_id": 2}]})
}

fn years_schema() -> Value {
    json!({"type": "object", "required": ["units"], "properties": {"units": {"type": "array", "items": {
        "type": "object", "required": ["code", "category"], "properties": {
            "code": {"type": "string", "description": "kode unit / unit code"},
            "category": category_schema(),
            "target_stage": {"type": ["string", "null"], "description": "kode, nama atau nomor tahap / stage code, name or number"}}}}},
        "examples": [{"units": [{"code": "IBM-32.73-001", "category": "Berkelanjutan", "target_stage": "2"}]}]})
}

/// Every operation of `/api/v1`.
pub const OPERATIONS: &[Operation] = &[
    op(
        "GET",
        "/me",
        "akun",
        "The signed-in user, its grants and CSRF token",
    ),
    op(
        "GET",
        "/users",
        "akun",
        "User accounts in scope with their grants (user managers and audit readers)",
    ),
    op(
        "GET",
        "/users/{id}",
        "akun",
        "One user account with its grants",
    ),
    Operation {
        query: &[
            Param(
                "parent",
                "string",
                false,
                "kode wilayah induk / parent area code",
            ),
            Param("q", "string", false, "cari nama / name search"),
            LIMIT,
            OFFSET,
        ],
        ..op(
            "GET",
            "/wilayah",
            "wilayah",
            "Kemendagri areas: children of an area, or a name search",
        )
    },
    op(
        "GET",
        "/wilayah/{code}",
        "wilayah",
        "One area with its parents",
    ),
    op(
        "GET",
        "/satker",
        "satker",
        "The office directory (BNN, BNNP, BNNK)",
    ),
    op(
        "GET",
        "/satker/{id}",
        "satker",
        "One office with its profile and children",
    ),
    op(
        "PUT",
        "/satker/{id}/profil",
        "satker",
        "Change an office's contact profile",
    ),
    Operation {
        query: &[
            Param("entity", "string", false, "jenis data / entity"),
            Param("entity_id", "string", false, "id data / entity id"),
            Param("username", "string", false, "pengguna / user"),
            Param("action", "string", false, "tindakan / action"),
            Param(
                "from",
                "string",
                false,
                "dari tanggal YYYY-MM-DD / from date",
            ),
            Param("to", "string", false, "sampai tanggal YYYY-MM-DD / to date"),
            LIMIT,
            OFFSET,
        ],
        ..op(
            "GET",
            "/audit",
            "audit",
            "The audit trail within the caller's scope",
        )
    },
    Operation {
        query: &[YEAR, OFFICE],
        ..op(
            "GET",
            "/dashboard/ibm",
            "dasbor",
            "IBM targets against achievements, reporting completeness, trend",
        )
    },
    Operation {
        query: &[YEAR, OFFICE],
        ..op(
            "GET",
            "/dashboard/sni",
            "dasbor",
            "SNI 8807 coaching: cohorts, scores, recommendations, certificates",
        )
    },
    Operation {
        query: &[YEAR, OFFICE],
        ..op(
            "GET",
            "/packs",
            "dasbor",
            "The evaluation-meeting pack as data",
        )
    },
    Operation {
        query: &[YEAR, OFFICE],
        ..op(
            "GET",
            "/exchange/dhis2",
            "pertukaran",
            "Indicator values as DHIS2 dataValueSets JSON",
        )
    },
    Operation {
        query: &[SOURCE, DRY_RUN],
        input: Input::Payload("application/json"),
        ..op(
            "POST",
            "/exchange/dhis2",
            "pertukaran",
            "Receive DHIS2 dataValueSets JSON (all or nothing; 422 lists every problem)",
        )
    },
    Operation {
        query: &[YEAR, OFFICE],
        output: Output::Xml,
        ..op(
            "GET",
            "/exchange/adx",
            "pertukaran",
            "Indicator values as ADX XML",
        )
    },
    Operation {
        query: &[SOURCE, DRY_RUN],
        input: Input::Payload("application/adx+xml"),
        ..op(
            "POST",
            "/exchange/adx",
            "pertukaran",
            "Receive ADX XML (all or nothing; 422 lists every problem)",
        )
    },
    Operation {
        query: &[
            YEAR,
            Param(
                "source",
                "string",
                false,
                "hanya sumber ini / only this source",
            ),
        ],
        ..op(
            "GET",
            "/exchange/values",
            "pertukaran",
            "Received values beside Pantau's own, for reconciliation",
        )
    },
    op(
        "GET",
        "/exchange/mapping",
        "pertukaran",
        "Indicator, org unit and data set code mapping",
    ),
    op(
        "PUT",
        "/exchange/mapping",
        "pertukaran",
        "Set or remove one code translation (national admin)",
    ),
    Operation {
        query: &[
            OFFICE,
            Param(
                "status",
                "string",
                false,
                "status unit: aktif, nonaktif, bubar",
            ),
            Param(
                "q",
                "string",
                false,
                "cari kode atau nama / search code or name",
            ),
            LIMIT,
            OFFSET,
        ],
        ..op(
            "GET",
            "/ibm/units",
            "ibm",
            "IBM units within scope, filtered and paged",
        )
    },
    op("POST", "/ibm/units", "ibm", "Register an IBM unit"),
    op(
        "GET",
        "/ibm/units/{id}",
        "ibm",
        "One IBM unit with its years",
    ),
    op(
        "PUT",
        "/ibm/units/{id}",
        "ibm",
        "Change an IBM unit's registry data",
    ),
    op(
        "POST",
        "/ibm/units/{id}/status",
        "ibm",
        "Change a unit's status (active, inactive, dissolved)",
    ),
    Operation {
        input: Input::Schema(year_schema),
        ..op(
            "PUT",
            "/ibm/units/{id}/years/{year}",
            "ibm",
            "Set a unit's category and target stage for a year",
        )
    },
    Operation {
        input: Input::Schema(years_schema),
        ..op(
            "PUT",
            "/ibm/years/{year}",
            "ibm",
            "Set the categories and target stages of many units for a year, by unit code, all or nothing",
        )
    },
    op(
        "GET",
        "/ibm/units/{id}/agents",
        "ibm",
        "The unit's Agen Pemulihan with their trainings",
    ),
    op(
        "POST",
        "/ibm/units/{id}/agents",
        "ibm",
        "Add an Agen Pemulihan",
    ),
    op(
        "PUT",
        "/ibm/agents/{id}/active",
        "ibm",
        "An Agen Pemulihan stops or resumes volunteering",
    ),
    op(
        "POST",
        "/ibm/agents/{id}/trainings",
        "ibm",
        "Record a training an Agen Pemulihan attended",
    ),
    op(
        "POST",
        "/ibm/units/{id}/reports",
        "ibm",
        "Submit or correct a periodic report",
    ),
    op(
        "GET",
        "/ibm/units/{id}/reports/{period}",
        "ibm",
        "One periodic report (period YYYY-MM)",
    ),
    op(
        "GET",
        "/ibm/units/{id}/compliance",
        "ibm",
        "The unit's reports due, on time, late, missing",
    ),
    op(
        "GET",
        "/ibm/units/{id}/visits",
        "ibm",
        "Monitoring visits with obstacles, drivers and actions",
    ),
    op(
        "POST",
        "/ibm/units/{id}/visits",
        "ibm",
        "Record a monitoring visit",
    ),
    op(
        "GET",
        "/ibm/units/{id}/assessments/{year}",
        "ibm",
        "The year's stage assessment",
    ),
    op(
        "PUT",
        "/ibm/units/{id}/assessments/{year}",
        "ibm",
        "Save or move the stage assessment through its workflow",
    ),
    op(
        "POST",
        "/ibm/units/{id}/assessments/{year}/actions",
        "ibm",
        "Submit, verify, return or approve the assessment",
    ),
    op(
        "GET",
        "/ibm/units/{id}/evaluations/{year}",
        "ibm",
        "The unit's yearly evaluation",
    ),
    op(
        "PUT",
        "/ibm/units/{id}/evaluations/{year}",
        "ibm",
        "Save the yearly evaluation",
    ),
    Operation {
        query: &[YEAR_REQUIRED, OFFICE],
        ..op(
            "GET",
            "/ibm/targets",
            "ibm",
            "Target-versus-achievement table per office",
        )
    },
    op(
        "GET",
        "/ibm/compliance",
        "ibm",
        "Reporting compliance per unit",
    ),
    Operation {
        query: &[YEAR_REQUIRED],
        ..op(
            "GET",
            "/ibm/factors",
            "ibm",
            "Obstacles and drivers counted from visits",
        )
    },
    op(
        "POST",
        "/ibm/roll-over",
        "ibm",
        "Carry units into a new monitoring year (national admin)",
    ),
    op(
        "GET",
        "/ibm/stages",
        "referensi",
        "The development stages (tahap) with their criteria",
    ),
    op(
        "PUT",
        "/ibm/stages/{code}",
        "referensi",
        "Add or change a stage (national admin)",
    ),
    op(
        "PUT",
        "/ibm/stages/{code}/criteria/{criterion}",
        "referensi",
        "Add or change a stage criterion (national admin)",
    ),
    op(
        "GET",
        "/reference/{list}",
        "referensi",
        "A reference list (obstacles, drivers, activities, services, trainings …)",
    ),
    op(
        "PUT",
        "/reference/{list}/{code}",
        "referensi",
        "Add or change a reference item (national admin)",
    ),
    op(
        "GET",
        "/settings/reporting",
        "referensi",
        "The reporting rule (period and due days)",
    ),
    op(
        "PUT",
        "/settings/reporting",
        "referensi",
        "Change the reporting rule (national admin)",
    ),
    Operation {
        query: &[OFFICE, LIMIT, OFFSET],
        ..op(
            "GET",
            "/sni/institutions",
            "sni",
            "Rehabilitation institutions within scope, paged",
        )
    },
    op(
        "POST",
        "/sni/institutions",
        "sni",
        "Register an institution",
    ),
    op("GET", "/sni/institutions/{id}", "sni", "One institution"),
    op(
        "PUT",
        "/sni/institutions/{id}",
        "sni",
        "Change an institution's registry data",
    ),
    op(
        "POST",
        "/sni/institutions/{id}/documents",
        "sni",
        "Record a legal document of the institution",
    ),
    op(
        "GET",
        "/sni/institutions/{id}/certifications",
        "sni",
        "The institution's certification history",
    ),
    op(
        "POST",
        "/sni/institutions/{id}/certifications",
        "sni",
        "Apply for certification with an LPK",
    ),
    op(
        "PUT",
        "/sni/certifications/{id}",
        "sni",
        "Move a certification (audit, certified, refused)",
    ),
    op(
        "GET",
        "/sni/certifications/expiring",
        "sni",
        "Certificates expiring soon",
    ),
    op(
        "GET",
        "/sni/instrument",
        "sni",
        "The active SNI instrument: aspects, requirements, scale",
    ),
    op(
        "PUT",
        "/sni/instrument/{id}/requirements",
        "sni",
        "Add or change a requirement (national admin)",
    ),
    Operation {
        query: &[Param(
            "year",
            "integer",
            false,
            "tahun kohort / cohort year",
        )],
        ..op(
            "GET",
            "/sni/cohorts",
            "sni",
            "Coaching cohorts within scope",
        )
    },
    op("POST", "/sni/cohorts", "sni", "Create a cohort"),
    Operation {
        query: &[Param(
            "as_of",
            "string",
            false,
            "per tanggal YYYY-MM-DD / as of date",
        )],
        ..op(
            "GET",
            "/sni/cohorts/{id}",
            "sni",
            "A cohort's dashboard: baseline, final, improvement, gaps",
        )
    },
    op(
        "POST",
        "/sni/cohorts/{id}/participants",
        "sni",
        "Add an institution to a cohort",
    ),
    op(
        "GET",
        "/sni/participants/{id}/assessments",
        "sni",
        "A participant's assessments",
    ),
    op(
        "POST",
        "/sni/participants/{id}/assessments",
        "sni",
        "Open a baseline, monitoring or final assessment",
    ),
    op(
        "GET",
        "/sni/participants/{id}/sessions",
        "sni",
        "Asistensi and bimbingan teknis sessions",
    ),
    op(
        "POST",
        "/sni/participants/{id}/sessions",
        "sni",
        "Record a session with findings and follow-up actions",
    ),
    op(
        "GET",
        "/sni/participants/{id}/recommendation",
        "sni",
        "BNN's recommendation for the participant",
    ),
    op(
        "POST",
        "/sni/participants/{id}/recommendation",
        "sni",
        "Record BNN's recommendation",
    ),
    op(
        "POST",
        "/sni/actions/{id}/status",
        "sni",
        "Close or drop a follow-up action",
    ),
    op(
        "GET",
        "/sni/assessments/{id}",
        "sni",
        "An assessment with its scores and results per aspect",
    ),
    op("PUT", "/sni/assessments/{id}", "sni", "Save scores"),
    op(
        "POST",
        "/sni/assessments/{id}/actions",
        "sni",
        "Submit, verify or return the assessment",
    ),
    Operation {
        input: Input::Multipart,
        ..op(
            "POST",
            "/sni/assessments/{id}/evidence/{requirement}",
            "sni",
            "Upload evidence for a requirement (PDF, JPEG, PNG)",
        )
    },
    op(
        "GET",
        "/sni/assessments/{id}/evidence",
        "sni",
        "The evidence files of an assessment",
    ),
];

fn param_schema(name: &str) -> Value {
    match name {
        "id" | "year" | "requirement" => json!({"type": "integer", "format": "int64"}),
        _ => json!({"type": "string"}),
    }
}

/// The path parameters of a templated path, in order.
pub fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The OpenAPI document, served at `/api/openapi.json`.
pub fn document() -> Value {
    let mut paths = Map::new();
    for o in OPERATIONS {
        let mut parameters: Vec<Value> = path_params(o.path)
            .into_iter()
            .map(|p| json!({"name": p, "in": "path", "required": true, "schema": param_schema(p)}))
            .collect();
        for Param(name, kind, required, description) in o.query {
            parameters.push(json!({"name": name, "in": "query", "required": required,
                "description": description, "schema": {"type": kind}}));
        }
        let mut responses = Map::new();
        let ok = match o.output {
            Output::Json => {
                json!({"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}})
            }
            Output::Xml => {
                json!({"description": "OK", "content": {"application/adx+xml": {"schema": {"type": "string"}}}})
            }
        };
        responses.insert("200".into(), ok);
        responses.insert(
            "400".into(),
            error_response("Permintaan tidak sah / bad request"),
        );
        responses.insert("401".into(), error_response("Belum masuk / not signed in"));
        responses.insert(
            "403".into(),
            error_response("Di luar peran atau wilayah / outside role or scope"),
        );
        if o.path.contains('{') {
            responses.insert("404".into(), error_response("Tidak ditemukan / not found"));
        }
        if o.method != "GET" {
            responses.insert("409".into(), error_response("Bentrok / conflict"));
            responses.insert("413".into(), error_response("Terlalu besar / too large"));
            responses.insert(
                "422".into(),
                json!({"description": "Data tidak sah; tidak ada yang disimpan / invalid; nothing stored",
                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refused"}}}}),
            );
        }
        let mut operation = json!({
            "tags": [o.tag],
            "summary": o.summary,
            "operationId": operation_id(o),
            "parameters": parameters,
            "responses": responses,
        });
        let body = match o.input {
            Input::None => None,
            Input::Json => Some(json!({"application/json": {"schema": {"type": "object"}}})),
            Input::Multipart => Some(json!({"multipart/form-data": {"schema": {"type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}}})),
            Input::Schema(schema) => Some(json!({"application/json": {"schema": schema()}})),
            Input::Payload(media) => Some(
                json!({ media: {"schema": {"type": if media.contains("json") { "object" } else { "string" }}}}),
            ),
        };
        if let Some(content) = body {
            operation["requestBody"] = json!({"required": true, "content": content});
        }
        let item = paths
            .entry(format!("/api/v1{}", o.path))
            .or_insert_with(|| json!({}));
        item[o.method.to_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Pantau API",
            "version": "1",
            "description": "Pemantauan IBM dan pembinaan SNI 8807:2022 (BNN). Akses sama dengan halaman web: peran dan wilayah kewenangan pengguna. \
                Masuk dengan sesi (tulis: header X-CSRF-Token dari GET /api/v1/me) atau token API (Authorization: Bearer pt_…, dibuat di halaman Akun). \
                / Same access as the web pages. Authenticate with a session (writes need the X-CSRF-Token header) or an API token.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerToken": []}, {"session": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer", "description": "Token API pt_… / API token"},
                "session": {"type": "apiKey", "in": "cookie", "name": "pantau_session"},
            },
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
                "RowError": {"type": "object", "properties": {
                    "row": {"type": "integer"}, "column": {"type": "string"},
                    "value": {"type": "string"}, "reason": {"type": "string"},
                    "key": {"type": "string", "description": "the reason's message key"}},
                    "required": ["row", "column", "value", "reason", "key"]},
                "Refused": {"type": "object", "properties": {
                    "error": {"type": "string"},
                    "errors": {"type": "array", "items": {"$ref": "#/components/schemas/RowError"}}},
                    "required": ["error"]},
            },
        },
    })
}

/// e.g. `get_ibm_units_id_reports_period`.
fn operation_id(o: &Operation) -> String {
    let mut id = o.method.to_lowercase();
    for part in o.path.split('/').filter(|p| !p.is_empty()) {
        id.push('_');
        id.extend(
            part.chars()
                .filter(|c| !matches!(c, '{' | '}'))
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
        );
    }
    id
}

/// `GET /api/openapi.json`: public, like the reference it describes.
pub async fn openapi_json() -> axum::Json<Value> {
    axum::Json(document())
}

/// One operation as the reference page lists it.
pub struct Listed {
    pub method: &'static str,
    pub path: String,
    pub summary: &'static str,
    pub params: Vec<String>,
    pub body: &'static str,
}

#[derive(askama::Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    page: crate::page::Page,
    tags: Vec<(&'static str, Vec<Listed>)>,
}

/// `GET /api/docs`: the document as a page to browse, grouped by tag (no script, no CDN).
pub async fn docs_page(
    page: crate::page::Page,
) -> Result<axum::response::Html<String>, crate::error::AppError> {
    use askama::Template;
    let mut tags: Vec<(&'static str, Vec<Listed>)> = Vec::new();
    for o in OPERATIONS {
        let mut params: Vec<String> = path_params(o.path)
            .iter()
            .map(|p| format!("{{{p}}}"))
            .collect();
        params.extend(
            o.query
                .iter()
                .map(|Param(name, kind, required, description)| {
                    format!(
                        "{name}{} ({kind}) — {description}",
                        if *required { "*" } else { "" }
                    )
                }),
        );
        let listed = Listed {
            method: o.method,
            path: format!("/api/v1{}", o.path),
            summary: o.summary,
            params,
            body: match o.input {
                Input::None => "",
                Input::Json | Input::Schema(_) => "application/json",
                Input::Multipart => "multipart/form-data",
                Input::Payload(media) => media,
            },
        };
        match tags.iter_mut().find(|(t, _)| *t == o.tag) {
            Some((_, list)) => list.push(listed),
            None => tags.push((o.tag, vec![listed])),
        }
    }
    Ok(axum::response::Html(DocsPage { page, tags }.render()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_operation_is_once_in_the_document_with_unique_ids() {
        let doc = document();
        let mut ids = HashSet::new();
        let mut count = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                count += 1;
                assert!(
                    ids.insert(op["operationId"].as_str().unwrap().to_string()),
                    "{method} {path}"
                );
                let declared: Vec<&str> = op["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect();
                assert_eq!(declared, path_params(path), "{method} {path}");
            }
        }
        assert_eq!(count, OPERATIONS.len(), "no operation twice");
    }
}
