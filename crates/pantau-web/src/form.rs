//! Decoding `application/x-www-form-urlencoded` bodies where repeated keys matter (rows of a
//! grid, checkbox lists), which `axum::Form` into a struct cannot express.

/// All key–value pairs in order, repeated keys kept.
pub fn pairs(body: &[u8]) -> Vec<(String, String)> {
    let decode = |x: &str| {
        percent_encoding::percent_decode_str(&x.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    body.split(|b| *b == b'&')
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| {
            let s = std::str::from_utf8(kv).ok()?;
            let (k, v) = s.split_once('=').unwrap_or((s, ""));
            Some((decode(k), decode(v)))
        })
        .collect()
}

/// The first value for `name`, or "".
pub fn value<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Every value for `name`, in order.
pub fn values(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// Follow-up action rows of a visit or session form: parallel `action_description`,
/// `action_owner` and `action_due` fields; rows without a description are blank and skipped.
pub fn action_rows(pairs: &[(String, String)]) -> Vec<(String, String, String)> {
    let (owners, dues) = (values(pairs, "action_owner"), values(pairs, "action_due"));
    values(pairs, "action_description")
        .into_iter()
        .enumerate()
        .filter(|(_, d)| !d.trim().is_empty())
        .map(|(i, d)| {
            let at = |v: &Vec<String>| v.get(i).cloned().unwrap_or_default();
            (d, at(&owners), at(&dues))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_keep_order_and_repeats_and_decode() {
        let p = pairs(b"a=1&topic=3&topic=4&note=x+y%21&empty=");
        assert_eq!(value(&p, "note"), "x y!");
        assert_eq!(values(&p, "topic"), vec!["3", "4"]);
        assert_eq!(value(&p, "missing"), "");
        assert_eq!(value(&p, "empty"), "");
    }

    #[test]
    fn blank_action_rows_are_skipped() {
        let p = pairs(b"action_description=A&action_owner=X&action_due=2026-01-01&action_description=&action_owner=&action_due=");
        assert_eq!(
            action_rows(&p),
            vec![("A".to_string(), "X".to_string(), "2026-01-01".to_string())]
        );
    }
}

/// The parts of a multipart form, read whole: field name → bytes (the last one wins).
pub async fn multipart_fields(
    mut multipart: axum::extract::Multipart,
) -> Result<std::collections::HashMap<String, Vec<u8>>, crate::error::AppError> {
    use crate::error::AppError;
    let mut fields = std::collections::HashMap::new();
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?
    {
        let name = part.name().unwrap_or("").to_string();
        let bytes = part
            .bytes()
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        fields.insert(name, bytes.to_vec());
    }
    Ok(fields)
}

/// A multipart text field, or "" when absent.
pub fn text_field(fields: &std::collections::HashMap<String, Vec<u8>>, name: &str) -> String {
    fields
        .get(name)
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default()
}

/// A file from a multipart form: the input's name, the file's name, its bytes.
pub struct UploadedFile {
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A multipart form's text fields in order (repeated names kept, as [`pairs`] does) and its
/// files; a file input left empty is skipped. The route's body limit bounds the whole.
pub async fn multipart_form(
    mut multipart: axum::extract::Multipart,
) -> Result<(Vec<(String, String)>, Vec<UploadedFile>), crate::error::AppError> {
    use crate::error::AppError;
    let (mut fields, mut files) = (Vec::new(), Vec::new());
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?
    {
        let field = part.name().unwrap_or("").to_string();
        let file_name = part.file_name().map(str::to_string);
        let bytes = part
            .bytes()
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        match file_name {
            Some(file_name) if !(file_name.is_empty() && bytes.is_empty()) => {
                files.push(UploadedFile {
                    field,
                    file_name,
                    bytes: bytes.to_vec(),
                })
            }
            Some(_) => {}
            None => fields.push((field, String::from_utf8_lossy(&bytes).into_owned())),
        }
    }
    Ok((fields, files))
}

/// A form's fields and files whether it came as multipart (with photos) or urlencoded (a
/// client without files): the same handler takes both.
pub async fn fields_and_files(
    req: axum::extract::Request,
) -> Result<(Vec<(String, String)>, Vec<UploadedFile>), crate::error::AppError> {
    use crate::error::AppError;
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/form-data"));
    if multipart {
        let m = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        return multipart_form(m).await;
    }
    let bytes = axum::body::to_bytes(req.into_body(), crate::MAX_BODY_BYTES)
        .await
        .map_err(|_| AppError::TooLarge)?;
    Ok((pairs(&bytes), Vec::new()))
}
