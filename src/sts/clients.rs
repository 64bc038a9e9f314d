//! Client authentication at the token endpoint: public clients, client secrets (form or HTTP
//! Basic) and certificate client assertions (RS256 or PS256; `x5t` or `x5t#S256`, padded or
//! not; float `exp`/`iat`). See
//! <https://learn.microsoft.com/entra/identity-platform/certificate-credentials>.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use sqlx::SqliteConnection;

use super::Form;
use super::der;
use super::error::{AadError, AadResult};
use crate::fixtures::password_matches;
use crate::store::{self, apps::ApplicationRow};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The client's id and secret from `Authorization: Basic` (each part form-url-encoded).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((unescape(id), unescape(secret)))
}

/// The requesting client's id, from the form or HTTP Basic.
pub fn client_id(form: &Form, headers: &HeaderMap) -> Option<String> {
    form.get("client_id")
        .map(str::to_owned)
        .or_else(|| basic_credentials(headers).map(|(id, _)| id))
}

/// AADSTS700016 for a client the tenant does not know.
pub fn unknown_client(client_id: &str, tenant: &str) -> AadError {
    AadError::new(
        "unauthorized_client",
        700016,
        format!(
            "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        ),
    )
}

/// Authenticates the client of a token request. `confidential_only` refuses public clients
/// (the client-credentials grant).
pub async fn authenticate(
    conn: &mut SqliteConnection,
    tenant: &str,
    form: &Form,
    headers: &HeaderMap,
    token_url: &str,
    now: i64,
    confidential_only: bool,
) -> AadResult<ApplicationRow> {
    let basic = basic_credentials(headers);
    let client_id = client_id(form, headers).ok_or_else(|| AadError::missing("client_id"))?;
    let app = store::apps::get_application(conn, tenant, &client_id)
        .await?
        .ok_or_else(|| unknown_client(&client_id, tenant))?;
    let secret = form
        .get("client_secret")
        .map(str::to_owned)
        .or(basic.map(|(_, s)| s));
    let assertion = match (
        form.get("client_assertion_type"),
        form.get("client_assertion"),
    ) {
        (Some(kind), Some(assertion)) if kind == ASSERTION_TYPE => Some(assertion.to_owned()),
        (Some(_), Some(_)) => {
            return Err(AadError::invalid_request(
                50027,
                "Invalid client_assertion_type: expected urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
            ));
        }
        _ => None,
    };
    let missing = || {
        AadError::invalid_client(
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    };
    if app.public_client {
        if secret.is_some() || assertion.is_some() {
            return Err(AadError::invalid_client(
                700025,
                "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
            ));
        }
        return if confidential_only {
            Err(missing())
        } else {
            Ok(app)
        };
    }
    let credentials = store::apps::credentials(conn, tenant, &app.app_id).await?;
    if let Some(secret) = secret {
        let matching: Vec<&store::apps::CredentialRow> = credentials
            .iter()
            .filter(|c| {
                c.secret_digest
                    .as_deref()
                    .is_some_and(|d| password_matches(&secret, d))
            })
            .collect();
        // A secret added with addPassword is valid from its startDateTime to its endDateTime.
        let in_window = |c: &&store::apps::CredentialRow| {
            let at = |t: &Option<String>| t.as_deref().and_then(crate::clock::parse_timestamp);
            at(&c.start_date_time).is_none_or(|s| s.unix_timestamp() <= now)
                && at(&c.end_date_time).is_none_or(|e| now < e.unix_timestamp())
        };
        if !matching.is_empty() && !matching.iter().any(in_window) {
            return Err(AadError::invalid_client(
                7000222,
                format!(
                    "The provided client secret keys for app '{}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.",
                    app.app_id
                ),
            ));
        }
        return if !matching.is_empty() {
            Ok(app)
        } else {
            Err(AadError::invalid_client(
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                    app.app_id
                ),
            ))
        };
    }
    let Some(assertion) = assertion else {
        return Err(missing());
    };
    let certificates: Vec<&store::apps::CredentialRow> = credentials
        .iter()
        .filter(|c| c.kind == "certificate")
        .collect();
    verify_assertion(&assertion, &app.app_id, &certificates, token_url, now)?;
    Ok(app)
}

/// Thumbprints compare without padding and in the URL-safe alphabet, whatever the client sent.
fn normalise_thumbprint(value: &str) -> String {
    value
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

fn numeric(claims: &Value, name: &str) -> Option<f64> {
    claims.get(name).and_then(Value::as_f64)
}

fn verify_assertion(
    assertion: &str,
    client_id: &str,
    certificates: &[&store::apps::CredentialRow],
    token_url: &str,
    now: i64,
) -> AadResult<()> {
    let malformed = || AadError::invalid_client(50027, "JWT token is invalid or malformed.");
    // The header may be padded too; decode it leniently.
    let header: jsonwebtoken::Header = assertion
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h.trim_end_matches('=')).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(malformed)?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::PS256) {
        return Err(AadError::invalid_client(
            700027,
            "Client assertion failed signature validation: unsupported algorithm.",
        ));
    }
    let sha1 = header.x5t.as_deref().map(normalise_thumbprint);
    let sha256 = header.x5t_s256.as_deref().map(normalise_thumbprint);
    let candidates: Vec<&&store::apps::CredentialRow> = certificates
        .iter()
        .filter(|c| match (&sha1, &sha256) {
            (None, None) => true,
            _ => {
                sha1.as_deref() == c.thumbprint_sha1.as_deref()
                    || sha256.as_deref() == c.thumbprint_sha256.as_deref()
            }
        })
        .collect();
    if candidates.is_empty() {
        return Err(AadError::invalid_client(
            700027,
            format!(
                "Client assertion failed signature validation. (Reason - The key was not found.) Thumbprint of key used by client: '{}'.",
                header.x5t.or(header.x5t_s256).unwrap_or_default()
            ),
        ));
    }
    // Verify over the signing input exactly as sent: async azure-identity pads its base64url
    // segments (`==`), which a strict JWT decoder refuses, but the signature covers them.
    let (signing_input, signature) = assertion.rsplit_once('.').ok_or_else(malformed)?;
    let payload = signing_input.split('.').nth(1).ok_or_else(malformed)?;
    let signature = signature.trim_end_matches('=');
    let verified = candidates
        .iter()
        .filter_map(|c| c.certificate_pem.as_deref())
        .filter_map(|pem| {
            der::pem_certificate_der(pem).and_then(|d| der::certificate_rsa_public_key(&d))
        })
        .any(|pkcs1| {
            jsonwebtoken::crypto::verify(
                signature,
                signing_input.as_bytes(),
                &DecodingKey::from_rsa_der(&pkcs1),
                header.alg,
            )
            .unwrap_or(false)
        });
    let claims: Option<Value> = verified
        .then(|| URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok())
        .flatten()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let claims = claims.ok_or_else(|| {
        AadError::invalid_client(700027, "Client assertion failed signature validation.")
    })?;
    let string = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if !string("iss").eq_ignore_ascii_case(client_id)
        || !string("sub").eq_ignore_ascii_case(client_id)
    {
        return Err(AadError::invalid_client(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        ));
    }
    let exp = numeric(&claims, "exp").ok_or_else(malformed)?;
    let nbf = numeric(&claims, "nbf").unwrap_or(f64::MIN);
    let now = now as f64;
    if exp + 300.0 <= now || nbf - 300.0 > now {
        return Err(AadError::invalid_client(
            700024,
            "Client assertion is not within its valid time range.",
        ));
    }
    if !audience_matches(&string("aud"), token_url) {
        return Err(AadError::invalid_client(
            700027,
            format!(
                "Client assertion failed signature validation. (Reason - The audience '{}' is not valid for this token endpoint.)",
                string("aud")
            ),
        ));
    }
    Ok(())
}

/// The assertion's audience is this token endpoint (scheme, host, port and path; the query
/// string clients add is ignored), or the same path on login.microsoftonline.com.
fn audience_matches(aud: &str, token_url: &str) -> bool {
    let strip = |url: &str| {
        url.split('?')
            .next()
            .unwrap_or(url)
            .trim_end_matches('/')
            .to_ascii_lowercase()
    };
    let (aud, url) = (strip(aud), strip(token_url));
    if aud == url {
        return true;
    }
    let path = |u: &str| {
        u.split("://")
            .nth(1)
            .and_then(|r| r.split_once('/'))
            .map(|(_, p)| p.to_owned())
    };
    aud.starts_with("https://login.microsoftonline.com/") && path(&aud) == path(&url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_is_the_token_endpoint_ignoring_the_query() {
        let url = "https://localhost:8443/c0a70550-0000-4000-8000-000000000001/oauth2/v2.0/token";
        assert!(audience_matches(url, &format!("{url}?client-request-id=1")));
        assert!(audience_matches(
            "https://login.microsoftonline.com/c0a70550-0000-4000-8000-000000000001/oauth2/v2.0/token",
            url
        ));
        assert!(!audience_matches(
            "https://localhost:8443/other/oauth2/v2.0/token",
            url
        ));
    }

    #[test]
    fn thumbprints_compare_padded_or_not() {
        assert_eq!(normalise_thumbprint("ab+/cd=="), "ab-_cd");
    }
}
