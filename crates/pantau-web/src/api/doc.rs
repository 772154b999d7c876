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
    /// JSON of a type's schema (see `Route::body`).
    Body(fn(&mut schemars::SchemaGenerator) -> schemars::Schema),
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

/// An API route's entry in the reference (declared with the route, see `crate::routes`).
#[derive(Clone, Copy)]
pub struct Doc {
    pub tag: &'static str,
    pub summary: &'static str,
    pub query: &'static [Param],
    pub input: Input,
    pub output: Output,
}

impl Doc {
    pub fn new(method: &axum::http::Method, tag: &'static str, summary: &'static str) -> Self {
        Doc {
            tag,
            summary,
            query: &[],
            input: if method == axum::http::Method::GET {
                Input::None
            } else {
                Input::Json
            },
            output: Output::Json,
        }
    }
}

/// An operation of the API: a declared route with its documentation.
pub struct Operation {
    pub method: &'static str,
    /// Under `/api/v1`, with `{name}` path parameters.
    pub path: &'static str,
    pub doc: Doc,
}

/// Every operation of `/api/v1`, read off the route declarations.
pub fn operations() -> Vec<Operation> {
    crate::routes::all()
        .into_iter()
        .filter_map(|r| {
            let path = r.path.strip_prefix("/api/v1")?;
            Some(Operation {
                method: match r.method.as_str() {
                    "GET" => "GET",
                    "POST" => "POST",
                    "PUT" => "PUT",
                    other => panic!("{other} {} is not documented", r.path),
                },
                path,
                doc: r
                    .doc
                    .unwrap_or_else(|| panic!("{} {} has no .doc(…)", r.method, r.path)),
            })
        })
        .collect()
}

pub const YEAR: Param = Param(
    "year",
    "integer",
    false,
    "tahun / year (default: this year)",
);
pub const YEAR_REQUIRED: Param = Param("year", "integer", true, "tahun / year");
pub const OFFICE: Param = Param(
    "office_id",
    "integer",
    false,
    "id satker: hanya di bawah satker ini / only under this office",
);
pub const LIMIT: Param = Param(
    "limit",
    "integer",
    false,
    "baris paling banyak / rows at most",
);
pub const OFFSET: Param = Param("offset", "integer", false, "lewati baris / rows to skip");
pub const SOURCE: Param = Param(
    "source",
    "source",
    false,
    "sumber, mis. dhis2-kemenkes / source (default: the payload's data set)",
);
pub const DRY_RUN: Param = Param("dry_run", "boolean", false, "periksa saja / check only");

/// A path or query parameter's schema: what the server accepts, so a client (or a fuzzer) that
/// keeps to it is not refused.
fn param_schema(name: &str, kind: &str) -> Value {
    use pantau_core::ibm::{FIRST_YEAR, LAST_YEAR};
    match name {
        "year" => json!({"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR}),
        "id" | "requirement" | "action_id" | "office_id" => {
            json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX})
        }
        // Out-of-range values are brought into range (limit 1–1000, offset from 0).
        "limit" | "offset" => {
            json!({"type": "integer", "format": "int64", "minimum": i64::MIN, "maximum": i64::MAX})
        }
        "code" | "parent" if kind == "area" => json!({"type": "string",
            "pattern": r"^$|^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$", "examples": ["32.73"]}),
        "period" => {
            json!({"type": "string", "pattern": "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$", "examples": ["2026-05"]})
        }
        // A reference item's code; a stage's code is any text of up to 40 characters.
        "code" if kind == "reference" => json!({"type": "string", "pattern": "^[a-z0-9_]{1,40}$"}),
        "code" => json!({"type": "string", "minLength": 1, "maxLength": 40, "pattern": "\\S"}),
        "from" | "to" | "as_of" => json!({"type": "string",
            "anyOf": [{"format": "date"}, {"maxLength": 0}], "examples": ["2026-06-15"]}),
        "source" if kind == "source" => {
            json!({"type": "string", "pattern": "^[a-z0-9._-]{1,60}$", "examples": ["dhis2-kemenkes"]})
        }
        "list" => json!({"type": "string", "enum": pantau_db::reference::LISTS}),
        "status" if kind == "unit_status" => json!({"type": "string",
            "enum": pantau_core::ibm::UnitStatus::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()}),
        "category" if kind == "category" => json!({"type": "string",
            "enum": pantau_core::ibm::Category::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()}),
        "funding" if kind == "funding" => json!({"type": "string",
            "enum": pantau_core::ibm::FundingSource::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()}),
        "sort" if kind == "unit_sort" => json!({"type": "string",
            "enum": pantau_db::ibm::units::UnitSort::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()}),
        "province" if kind == "province" => {
            json!({"type": "string", "pattern": "^[0-9]{2}$", "examples": ["32"]})
        }
        "kind" if kind == "task" => json!({"type": "string",
            "enum": pantau_db::tasks::TaskKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()}),
        _ => json!({"type": kind}),
    }
}

/// A DHIS2 `dataValueSets` payload as Pantau reads it; which codes it accepts depends on the
/// exchange mapping (`GET /exchange/mapping`), so a payload of this shape may still be refused
/// with a 422 that lists every value it could not place.
fn dhis2_values_schema() -> Value {
    json!({"type": "object", "required": ["dataValues"], "properties": {
        "dataSet": {"type": ["string", "null"]},
        "dataValues": {"type": "array", "minItems": 1, "items": {"type": "object",
            "required": ["dataElement", "period", "orgUnit", "value"], "properties": {
                "dataElement": {"type": "string"}, "period": {"type": "string", "examples": ["2026"]},
                "orgUnit": {"type": "string"}, "value": {"type": "string"}}}}},
        "examples": [{"dataSet": "pantau_ibm", "dataValues": [
            {"dataElement": "ibm_units", "period": "2026", "orgUnit": "BNN", "value": "252"}]}]})
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
    // Body types' schemas, shared ones by reference into `components/schemas`.
    let mut schemas = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    for o in operations() {
        let d = &o.doc;
        let mut parameters: Vec<Value> = path_params(o.path)
            .into_iter()
            .map(|p| {
                let kind = if o.path.starts_with("/wilayah/") {
                    "area"
                } else if o.path.starts_with("/reference/") {
                    "reference"
                } else {
                    "string"
                };
                json!({"name": p, "in": "path", "required": true, "schema": param_schema(p, kind)})
            })
            .collect();
        for Param(name, kind, required, description) in d.query {
            parameters.push(json!({"name": name, "in": "query", "required": required,
                "description": description, "schema": param_schema(name, kind)}));
        }
        let mut responses = Map::new();
        let ok = match d.output {
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
        responses.insert(
            "404".into(),
            error_response("Tidak ditemukan atau di luar wilayah / not found or outside scope"),
        );
        if o.method != "GET" {
            responses.insert(
                "415".into(),
                error_response("Isi bukan JSON / body is not JSON"),
            );
            responses.insert("409".into(), error_response("Bentrok / conflict"));
            responses.insert("413".into(), error_response("Terlalu besar / too large"));
            responses.insert(
                "422".into(),
                json!({"description": "Data tidak sah; tidak ada yang disimpan / invalid; nothing stored",
                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refused"}}}}),
            );
        }
        let mut operation = json!({
            "tags": [d.tag],
            "summary": d.summary,
            "operationId": operation_id(&o),
            "parameters": parameters,
            "responses": responses,
        });
        let body = match d.input {
            Input::None => None,
            Input::Json => Some(json!({"application/json": {"schema": {"type": "object"}}})),
            Input::Multipart => Some(json!({"multipart/form-data": {"schema": {"type": "object",
                "properties": {"file": {"type": "string", "format": "binary", "minLength": 1}}, "required": ["file"], "additionalProperties": false}}})),
            Input::Body(schema) => {
                Some(json!({"application/json": {"schema": schema(&mut schemas)}}))
            }
            Input::Payload(media) if media.contains("json") => {
                Some(json!({ media: {"schema": dhis2_values_schema()}}))
            }
            Input::Payload(media) => Some(json!({ media: {"schema": {"type": "string",
                "description": "ADX XML (urn:ihe:qrph:adx:2015): <adx><group orgUnit=… period=…><dataValue dataElement=… value=…/></group></adx>"}}})),
        };
        if let Some(content) = body {
            operation["requestBody"] = json!({"required": true, "content": content});
        }
        let item = paths
            .entry(format!("/api/v1{}", o.path))
            .or_insert_with(|| json!({}));
        item[o.method.to_lowercase()] = operation;
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Pantau API",
            "version": "1",
            "description": "Pemantauan IBM dan pembinaan SNI 8807:2022 (BNN). Akses sama dengan halaman web: peran dan wilayah kewenangan pengguna. \
                Masuk dengan sesi (tulis: header X-CSRF-Token dari GET /api/v1/me) atau token API (Authorization: Bearer pt_…, dibuat di halaman Akun). \
                Setiap penulisan boleh membawa header Idempotency-Key (mis. UUID): pengulangan dengan kunci dan isi yang sama mendapat jawaban yang sama tanpa penulisan kedua (header Idempotent-Replayed), kunci yang sama dengan isi lain ditolak 409; kunci disimpan 7 hari per pengguna. \
                / Same access as the web pages. Authenticate with a session (writes need the X-CSRF-Token header) or an API token. \
                Every write may carry an Idempotency-Key header (a UUID, say): a retry with the same key and body gets the same answer without a second write (marked Idempotent-Replayed); the same key with another body is refused with 409; keys are kept 7 days per user.",
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
                "Error": {"type": "object", "required": ["error", "message"], "properties": {
                    "error": {"type": "string", "description": "a stable code: invalid, invalid_request, unauthorized, forbidden, not_found, conflict, too_large …"},
                    "message": {"type": "string", "description": "for people, in the reader's language (cookie pantau_lang: id or en)"},
                    "field": {"type": "string", "description": "the input field at fault, e.g. code or units[2].category"},
                    "details": {"type": "string", "description": "the parser's own words, for developers"}},
                    "examples": [{"error": "invalid_request", "message": "Kolom code wajib diisi.", "field": "code", "details": "missing field `code`"}]},
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
    });
    let components = doc["components"]["schemas"]
        .as_object_mut()
        .expect("schemas is an object");
    components.extend(schemas.take_definitions(true));
    doc
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
    for o in operations() {
        let d = o.doc;
        let mut params: Vec<String> = path_params(o.path)
            .iter()
            .map(|p| format!("{{{p}}}"))
            .collect();
        params.extend(
            d.query
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
            summary: d.summary,
            params,
            body: match d.input {
                Input::None => "",
                Input::Json | Input::Body(_) => "application/json",
                Input::Multipart => "multipart/form-data",
                Input::Payload(media) => media,
            },
        };
        match tags.iter_mut().find(|(t, _)| *t == d.tag) {
            Some((_, list)) => list.push(listed),
            None => tags.push((d.tag, vec![listed])),
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
        assert_eq!(count, operations().len(), "no operation twice");
    }
}
