//! Table-driven tests for the journal's redaction (redact.rs): every body shape, nesting,
//! name spellings, the cap, and free text that names a secret.

use super::redact::{REDACTED, body, is_secret_name, query};

const CAP: usize = 4 * 1024;
const SECRET: &str = "S3cr3tV4lue";

fn kept(bytes: &str) -> String {
    body(bytes.as_bytes(), CAP).expect("a body")
}

fn assert_hidden(input: &str) -> String {
    let out = kept(input);
    assert!(!out.contains(SECRET), "{input}\n  → {out}");
    out
}

#[test]
fn secret_names_in_every_spelling() {
    for name in [
        "password",
        "Password",
        "PASSWORD",
        "client_secret",
        "CLIENT_SECRET",
        "clientSecret",
        "client-secret",
        "secretText",
        "client_assertion",
        "assertion",
        "code",
        "Code",
        "code_verifier",
        "refresh_token",
        "refreshToken",
        "access_token",
        "device_code",
        "deviceCode",
        "key",
        "privateKey",
        "apiKey",
        "passwordCredentials",
        "keyCredentials",
        "otc",
        "Authorization",
        "Cookie",
    ] {
        assert!(is_secret_name(name), "{name}");
    }
    for name in [
        "displayName",
        "client_id",
        "grant_type",
        "scope",
        "jobTitle",
        "keyId",
        "$skiptoken",
        "$deltatoken",
        "postalCode",
        "code_challenge",
        "response_type",
    ] {
        assert!(!is_secret_name(name), "{name}");
    }
}

#[test]
fn json_secrets_are_replaced_at_any_depth() {
    let out = assert_hidden(&format!(
        r#"{{"displayName":"Kim","passwordProfile":{{"password":"{SECRET}","forceChangePasswordNextSignIn":true}},
            "a":[{{"b":{{"CLIENT_SECRET":"{SECRET}"}}}}],"keyCredentials":[{{"key":"{SECRET}"}}],
            "passwordCredentials":[{{"secretText":"{SECRET}"}}],"x":{{"y":{{"z":{{"privateKey":"{SECRET}"}}}}}}}}"#
    ));
    assert!(out.contains("\"displayName\":\"Kim\""), "{out}");
    assert!(out.contains(REDACTED), "{out}");
    // A duplicate key's first value is not kept from the original text.
    assert_hidden(&format!(r#"{{"note":"password={SECRET}","note":"ok"}}"#));
    assert_hidden(&format!(
        r#"{{"note":"x","note":{{"password":"{SECRET}"}}}}"#
    ));
}

#[test]
fn documents_inside_strings_are_read_too() {
    // A form inside a JSON string, a JSON document inside a form value, a `$batch`-like body.
    assert_hidden(&format!(
        r#"{{"requests":[{{"id":"1","body":"grant_type=password&password={SECRET}"}}]}}"#
    ));
    assert_hidden(&format!(
        "data=%7B%22client_secret%22%3A%22{SECRET}%22%7D&client_id=app"
    ));
    assert_hidden(&format!(
        r#"{{"body":"{{\"a\":{{\"refresh_token\":\"{SECRET}\"}}}}"}}"#
    ));
    // A document that cannot be read inside a string is kept only as its length.
    assert_hidden(&format!(r#"{{"body":"{{\"password\":\"{SECRET}"}}"#));
    // A string that only looks like a form stays as written.
    let note = r#"{"note":"scope=User.Read openid&x=1"}"#;
    assert_eq!(kept(note), note);
    // Free text that assigns a secret.
    assert_hidden(&format!(r#"{{"note":"login with password: {SECRET}"}}"#));
}

#[test]
fn forms_keep_other_pairs_readable() {
    let out = assert_hidden(&format!(
        "client_id=app&client_secret={SECRET}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&password={SECRET}&password={SECRET}"
    ));
    assert_eq!(
        out,
        "client_id=app&client_secret=%5Bredacted%5D&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&password=%5Bredacted%5D&password=%5Bredacted%5D"
    );
    // Ids and names read plainly, whatever the client escaped.
    assert_eq!(
        kept("client%5Fid=c0a70550%2Da990&scope=a+b"),
        "client_id=c0a70550-a990&scope=a%20b"
    );
    // Percent-encoded names, `+` spaces, odd case.
    assert_hidden(&format!("client%5Fsecret={SECRET}"));
    assert_hidden(&format!("Client_Secret={SECRET}&x=1"));
    assert_hidden(&format!("username=a%40b&pass%77ord={SECRET}"));
    assert_hidden(&format!("code={SECRET}&grant_type=authorization_code"));
    // An undecodable value next to a secret name.
    assert_hidden(&format!("password=%FF{SECRET}"));
}

#[test]
fn multipart_parts_are_redacted_by_name() {
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\napp\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\n{SECRET}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{{\"password\":\"{SECRET}\"}}\r\n--XyZ--\r\n"
    );
    let out = assert_hidden(&body);
    assert!(out.contains("\r\n\r\napp\r\n"), "{out}");
}

#[test]
fn what_cannot_be_read_is_kept_as_its_length() {
    for input in [
        format!("{{\"password\":\"{SECRET}"),
        format!("[\"{SECRET}\""),
        format!("my password is {SECRET}"),
        format!("\"{SECRET}\""),
        SECRET.to_owned(),
        format!("--b\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n{SECRET}"),
        format!("<xml><password>{SECRET}</password></xml>"),
    ] {
        let out = assert_hidden(&input);
        assert!(
            out.contains(&format!("{} bytes withheld", input.len())),
            "{out}"
        );
    }
    let bytes = [b"password=".as_slice(), &[0xff, 0xfe], SECRET.as_bytes()].concat();
    let out = body(&bytes, CAP).expect("a body");
    assert!(!out.contains(SECRET), "{out}");
    assert_eq!(body(b"", CAP), None);
}

#[test]
fn the_cap_applies_after_redaction() {
    // The secret straddles the cap: the cut must not keep its first half.
    let pad = "x".repeat(CAP - 20);
    let out = assert_hidden(&format!(r#"{{"a":"{pad}","password":"{SECRET}{SECRET}"}}"#));
    assert!(out.len() <= CAP + '…'.len_utf8(), "{}", out.len());
    let out = assert_hidden(&format!("a={pad}&client_secret={SECRET}{SECRET}"));
    assert!(!out.contains("S3cr"), "{out}");
    let big = "é".repeat(CAP);
    assert!(kept(&format!("{{\"a\":\"{big}\"}}")).len() <= CAP + 3);
}

#[test]
fn queries_lose_secret_values_and_keep_the_rest() {
    assert_eq!(
        query("$select=id,displayName&$top=5"),
        "$select=id,displayName&$top=5"
    );
    assert_eq!(query("$skiptoken=abc"), "$skiptoken=abc");
    assert_eq!(
        query(&format!("client_id=a&client_secret={SECRET}&code={SECRET}")),
        "client_id=a&client_secret=%5Bredacted%5D&code=%5Bredacted%5D"
    );
    for raw in [
        format!("CODE={SECRET}"),
        format!("%63ode={SECRET}"),
        format!("x=1&password:{SECRET}"),
        format!("state=%7B%22refresh_token%22%3A%22{SECRET}%22%7D"),
        format!("a=%FF&client_secret={SECRET}"),
    ] {
        let out = query(&raw);
        assert!(!out.contains(SECRET), "{raw} → {out}");
    }
}
