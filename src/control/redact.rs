//! What the request journal may keep of a body or a query string. The rule does not depend on
//! the path or the content type: a body is read as JSON, an urlencoded form or multipart,
//! whichever it is, and every field whose name carries a secret (`password`, `client_secret`,
//! `passwordProfile.password`, `secretText`, `keyCredentials[].key`, `code`, `refresh_token`,
//! …, in any case and any nesting) has its value replaced by `[redacted]`; strings that hold a
//! JSON document or a form are read the same way. A body that is none of these (or cannot be
//! read) is kept only as its length. Redaction happens before the body is cut to the cap, so a
//! cut never exposes part of a secret.

use std::borrow::Cow;

use serde_json::Value;

/// What replaces a secret value.
pub const REDACTED: &str = "[redacted]";

/// `[redacted]`, form-encoded.
const REDACTED_FORM: &str = "%5Bredacted%5D";

/// Documents nested in strings (a form inside a JSON string, …) are read this deep.
const MAX_NESTING: usize = 4;

/// Name fragments that make a field secret wherever they appear in its name.
const SECRET_PARTS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "assertion",
    "token",
    "credential",
    "verifier",
    "authorization",
    "cookie",
];

/// Whole names that are secret (short words that are harmless inside longer names).
const SECRET_NAMES: &[&str] = &[
    "code",
    "devicecode",
    "usercode",
    "authcode",
    "authorizationcode",
    "otc",
    "otp",
    "pin",
    "pwd",
];

/// Paging cursors: opaque, not secret, and what a reader of the journal needs to follow a list.
const CURSORS: &[&str] = &["skiptoken", "deltatoken"];

/// Form-encoding of replaced values: unreserved characters stay readable.
const FORM: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'*');

/// Whether a field (or parameter) named `name` carries a secret. Case, `_`, `-` and other
/// punctuation are ignored: `client_secret`, `clientSecret` and `CLIENT-SECRET` are one name;
/// any name ending in `key` (`key`, `privateKey`, `apiKey`) is key material.
pub fn is_secret_name(name: &str) -> bool {
    let mut buffer = [0u8; 64];
    let mut len = 0;
    let mut long = String::new();
    for byte in name.bytes().filter(u8::is_ascii_alphanumeric) {
        let byte = byte.to_ascii_lowercase();
        if len < buffer.len() {
            buffer[len] = byte;
            len += 1;
        } else {
            if long.is_empty() {
                long.push_str(std::str::from_utf8(&buffer).unwrap_or_default());
            }
            long.push(char::from(byte));
        }
    }
    let normalized = if long.is_empty() {
        std::str::from_utf8(&buffer[..len]).unwrap_or_default()
    } else {
        long.as_str()
    };
    if CURSORS.contains(&normalized) {
        return false;
    }
    SECRET_NAMES.contains(&normalized)
        || normalized.ends_with("key")
        || SECRET_PARTS.iter().any(|part| normalized.contains(part))
}

/// A request body as the journal keeps it (see the module comment), cut to `cap` bytes.
pub fn body(bytes: &[u8], cap: usize) -> Option<String> {
    if bytes.is_empty() {
        return None;
    }
    let redacted = std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| document(text, 0))
        .unwrap_or_else(|| withheld(bytes.len()));
    Some(capped(redacted, cap))
}

/// A query string as the journal keeps it: secret parameters' values replaced, everything
/// else as sent. Allocates only when something is replaced.
pub fn query(raw: &str) -> Cow<'_, str> {
    form(raw, false, 0).map_or(Cow::Borrowed(raw), Cow::Owned)
}

/// How a withheld body or string ends.
const WITHHELD: &str = " bytes withheld: not JSON, a form or multipart]";

fn withheld(len: usize) -> String {
    format!("[{len}{WITHHELD}")
}

fn capped(mut text: String, cap: usize) -> String {
    if text.len() > cap {
        let mut cut = cap;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// `text` redacted if it is a JSON object or array, a form or multipart; `None` if it is none
/// of these (or nested too deep to read).
fn document(text: &str, depth: usize) -> Option<String> {
    if depth > MAX_NESTING {
        return None;
    }
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let mut value: Value = serde_json::from_str(text).ok()?;
        json(&mut value, depth);
        // Always re-written from the parsed value: a duplicate key's earlier value (which the
        // parse drops unread) must not survive in the original text.
        return Some(value.to_string());
    }
    if trimmed.starts_with("--") {
        return multipart(trimmed, depth);
    }
    form(text, true, depth)
}

/// Replaces secrets in a JSON value, at any depth.
fn json(value: &mut Value, depth: usize) {
    match value {
        Value::Object(map) => {
            for (name, field) in map.iter_mut() {
                if is_secret_name(name) {
                    if !field.is_null() {
                        *field = Value::String(REDACTED.to_owned());
                    }
                } else {
                    json(field, depth);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| json(item, depth)),
        Value::String(text) => {
            if let Some(redacted) = free_text(text, depth) {
                *text = redacted;
            }
        }
        _ => {}
    }
}

/// A string value that is not itself secret by its name: a nested document is redacted; text
/// that assigns a secret (`password=…`, `"secret": …`) is withheld. `None`: keep as is.
fn free_text(text: &str, depth: usize) -> Option<String> {
    let trimmed = text.trim_start();
    let looks_nested = trimmed.starts_with('{')
        || trimmed.starts_with('[')
        || trimmed.starts_with("--")
        || text.contains('=');
    if looks_nested {
        if let Some(redacted) = document(text, depth + 1) {
            // Nested JSON is always the re-written form (a duplicate key's dropped value went
            // unread); a form or multipart keeps its text unless something was replaced.
            let json = trimmed.starts_with('{') || trimmed.starts_with('[');
            let replaced = [REDACTED, REDACTED_FORM, WITHHELD]
                .iter()
                .any(|mark| redacted.contains(mark));
            return (json && redacted != text || replaced).then_some(redacted);
        }
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            return Some(withheld(text.len()));
        }
    }
    assigns_secret(text).then(|| withheld(text.len()))
}

/// Whether free text names a secret field followed by `=` or `:` (after optional quotes and
/// spaces), as in `password=…` or `"client_secret": "…"`.
fn assigns_secret(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        if !is_name_byte(bytes[start]) {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < bytes.len() && is_name_byte(bytes[end]) {
            end += 1;
        }
        let after = bytes[end..]
            .iter()
            .find(|b| !matches!(b, b'"' | b'\'' | b' ' | b'\t'));
        if matches!(after, Some(b'=' | b':')) && is_secret_name(&text[start..end]) {
            return true;
        }
        start = end;
    }
    false
}

fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.')
}

/// A plain field name: what a form written by a client or a browser uses.
fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.[]$@:".contains(&b))
}

/// Whether `text` is an urlencoded form: at least one `name=value`, every name plain.
fn is_form(text: &str) -> bool {
    text.contains('=')
        && text.split('&').filter(|p| !p.is_empty()).all(|pair| {
            let name = pair.split_once('=').map_or(pair, |(n, _)| n);
            decode(name).is_some_and(|n| is_field_name(&n))
        })
}

/// Form decoding: `+` is a space, `%XX` a byte; `None` if the bytes are not UTF-8.
fn decode(text: &str) -> Option<Cow<'_, str>> {
    if !text.contains(['%', '+']) {
        return Some(Cow::Borrowed(text));
    }
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|s| Cow::Owned(s.into_owned()))
}

/// The form (or query) `text` with its secrets replaced. A body form (`strict`) comes back
/// whole, every pair re-encoded so that names and ids read plainly, or `None` when `text` is
/// not a form at all. A query keeps its pairs as sent and comes back only when something was
/// replaced.
fn form(text: &str, strict: bool, depth: usize) -> Option<String> {
    if strict {
        if !is_form(text) {
            return None;
        }
        let pairs: Vec<String> = text
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair_replacement(pair, depth).unwrap_or_else(|| readable(pair)))
            .collect();
        return Some(pairs.join("&"));
    }
    let first = text
        .split('&')
        .position(|pair| pair_replacement(pair, depth).is_some())?;
    let pairs: Vec<Cow<'_, str>> = text
        .split('&')
        .enumerate()
        .map(|(index, pair)| {
            let replacement = (index >= first).then(|| pair_replacement(pair, depth));
            replacement
                .flatten()
                .map_or(Cow::Borrowed(pair), Cow::Owned)
        })
        .collect();
    Some(pairs.join("&"))
}

/// A pair that needs no replacing, re-encoded with only reserved characters escaped.
fn readable(pair: &str) -> String {
    let encode = |text: &str| {
        decode(text).map_or_else(
            || REDACTED_FORM.to_owned(),
            |d| percent_encoding::utf8_percent_encode(&d, FORM).to_string(),
        )
    };
    match pair.split_once('=') {
        Some((name, value)) => format!("{}={}", encode(name), encode(value)),
        None => encode(pair),
    }
}

/// What replaces one `name=value` pair, if it needs replacing.
fn pair_replacement(pair: &str, depth: usize) -> Option<String> {
    if pair.is_empty() {
        return None;
    }
    let (raw_name, raw_value) = match pair.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (pair, None),
    };
    let Some(name) = decode(raw_name) else {
        // An undecodable name: nothing of the pair is kept.
        return Some(format!("{REDACTED_FORM}={REDACTED_FORM}"));
    };
    if !is_field_name(&name) || assigns_secret(&name) {
        // A name that is not a name (a bare document, `password:…`): nothing of it is kept.
        return Some(format!("{REDACTED_FORM}={REDACTED_FORM}"));
    }
    let raw_value = raw_value?;
    let name_text = percent_encoding::utf8_percent_encode(&name, FORM);
    if is_secret_name(&name) {
        return (!raw_value.is_empty()).then(|| format!("{name_text}={REDACTED_FORM}"));
    }
    let Some(value) = decode(raw_value) else {
        return Some(format!("{name_text}={REDACTED_FORM}"));
    };
    let redacted = free_text(&value, depth)?;
    Some(format!(
        "{name_text}={}",
        percent_encoding::utf8_percent_encode(&redacted, FORM)
    ))
}

/// A multipart body (`--boundary` first): each part's value redacted like a form value, or
/// replaced when its name is secret. `None` if the parts cannot be told apart.
fn multipart(text: &str, depth: usize) -> Option<String> {
    let first_line = text.lines().next()?;
    let boundary = first_line.trim_end_matches('\r');
    if boundary.len() < 3 || boundary.len() > 200 || boundary.contains(char::is_whitespace) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut parts = 0;
    while let Some(after) = rest.strip_prefix(boundary) {
        out.push_str(boundary);
        if after.starts_with("--") {
            out.push_str("--");
            return (parts > 0).then_some(out);
        }
        let end = after.find(boundary)?;
        let part = &after[..end];
        let (head, content) = part
            .split_once("\r\n\r\n")
            .or_else(|| part.split_once("\n\n"))?;
        let name = part_name(head)?;
        let (content, tail) = match content.strip_suffix("\r\n") {
            Some(content) => (content, "\r\n"),
            None => content
                .strip_suffix('\n')
                .map_or((content, ""), |c| (c, "\n")),
        };
        let content = if is_secret_name(&name) || assigns_secret(&name) {
            REDACTED.to_owned()
        } else {
            free_text(content, depth).unwrap_or_else(|| content.to_owned())
        };
        let separator = if part.contains("\r\n\r\n") {
            "\r\n\r\n"
        } else {
            "\n\n"
        };
        out.push_str(head);
        out.push_str(separator);
        out.push_str(&content);
        out.push_str(tail);
        rest = &after[end..];
        parts += 1;
    }
    None
}

/// The `name` of a part's `Content-Disposition`.
fn part_name(head: &str) -> Option<String> {
    let lower = head.to_ascii_lowercase();
    let at = lower.find("name=")?;
    // `filename=` is not the field's name.
    let at = if lower[..at].ends_with("file") {
        lower[at + 5..].find("name=").map(|i| at + 5 + i)?
    } else {
        at
    };
    let value = &head[at + 5..];
    let name = match value.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next()?,
        None => value.split([';', '\r', '\n']).next()?.trim(),
    };
    Some(name.to_owned())
}
