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
    "string",
    false,
    "sumber, mis. dhis2-kemenkes / source (default: the payload's data set)",
);
pub const DRY_RUN: Param = Param("dry_run", "boolean", false, "periksa saja / check only");

fn category_schema() -> Value {
    json!({"type": "string", "description": "kode atau nama / code or label: berkelanjutan, berkelanjutan_mandiri, baru, baru_mandiri (\"Berkelanjutan Mandiri\" too)",
           "examples": ["berkelanjutan", "Berkelanjutan Mandiri"]})
}

pub fn year_schema() -> Value {
    json!({"type": "object", "required": ["category"], "properties": {
        "category": category_schema(),
        "target_stage_id": {"type": ["integer", "null"], "description": "id tahap target / target stage id"}},
        "examples": [{"category": "berkelanjutan", "target_stage_id": 2}]})
}

pub fn years_schema() -> Value {
    json!({"type": "object", "required": ["units"], "properties": {"units": {"type": "array", "items": {
        "type": "object", "required": ["code", "category"], "properties": {
            "code": {"type": "string", "description": "kode unit / unit code"},
            "category": category_schema(),
            "target_stage": {"type": ["string", "null"], "description": "kode, nama atau nomor tahap / stage code, name or number"}}}}},
        "examples": [{"units": [{"code": "IBM-32.73-001", "category": "Berkelanjutan", "target_stage": "2"}]}]})
}

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
    for o in operations() {
        let d = &o.doc;
        let mut parameters: Vec<Value> = path_params(o.path)
            .into_iter()
            .map(|p| json!({"name": p, "in": "path", "required": true, "schema": param_schema(p)}))
            .collect();
        for Param(name, kind, required, description) in d.query {
            parameters.push(json!({"name": name, "in": "query", "required": required,
                "description": description, "schema": {"type": kind}}));
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
                Input::Json | Input::Schema(_) => "application/json",
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
