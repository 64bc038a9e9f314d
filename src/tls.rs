//! The HTTPS listener's certificate: a local CA generated once and kept in the data directory
//! (so a certificate the user trusted stays trusted), and a leaf for `localhost`, `127.0.0.1`,
//! `::1` and any `--tls-san` names, re-issued by the same CA when the names change.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

/// File names inside the data directory.
pub const CA_FILE: &str = "tls-ca.pem";
const CA_KEY_FILE: &str = "tls-ca-key.pem";
const CERT_FILE: &str = "tls-cert.pem";
const KEY_FILE: &str = "tls-key.pem";
const SANS_FILE: &str = "tls-sans.txt";

/// What the HTTPS listener serves.
#[derive(Debug, Clone)]
pub struct TlsMaterial {
    /// The CA certificate clients trust (REQUESTS_CA_BUNDLE, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS).
    pub ca_path: PathBuf,
    /// Leaf then CA, PEM.
    pub chain_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// tenantsim's own CA certificate (PEM), served at `/_tenantsim/ca.pem`; none for a
    /// certificate the user brought.
    pub ca_pem: Option<String>,
}

/// The default subject alternative names, plus the caller's.
pub fn subject_alt_names(extra: &[String]) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    for name in extra {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.clone());
        }
    }
    names
}

fn ca_params() -> anyhow::Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "tenantsim local CA");
    name.push(DnType::OrganizationName, "tenantsim");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(())
}

/// The CA in `dir` (certificate PEM and key PEM), created when missing. The key stays text
/// until a leaf is issued: most starts find their leaf current and never sign.
fn load_or_create_ca(dir: &Path) -> anyhow::Result<(String, String)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let ca_path = dir.join(CA_FILE);
    let ca_key_path = dir.join(CA_KEY_FILE);
    match (
        std::fs::read_to_string(&ca_path),
        std::fs::read_to_string(&ca_key_path),
    ) {
        (Ok(pem), Ok(key)) => Ok((pem, key)),
        _ => {
            let now = time::OffsetDateTime::now_utc();
            let key = KeyPair::generate().context("generating the CA key")?;
            let mut params = ca_params()?;
            params.not_before = now - time::Duration::days(1);
            params.not_after = now + time::Duration::days(3650);
            let cert = params.self_signed(&key)?;
            let key_pem = key.serialize_pem();
            write_private(&ca_key_path, &key_pem)?;
            std::fs::write(&ca_path, cert.pem())
                .with_context(|| format!("writing {}", ca_path.display()))?;
            Ok((cert.pem(), key_pem))
        }
    }
}

/// A server certificate for `names` signed by the CA: (certificate PEM, key PEM).
fn issue_leaf(
    names: Vec<String>,
    common_name: &str,
    ca_key_pem: &str,
    valid_days: i64,
) -> anyhow::Result<(String, String)> {
    let ca_key = KeyPair::from_pem(ca_key_pem).context("reading the CA key")?;
    let now = time::OffsetDateTime::now_utc();
    let key = KeyPair::generate().context("generating the TLS key")?;
    let mut params = CertificateParams::new(names)?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    params.distinguished_name = name;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(valid_days);
    // The CA's name and key identifier are derived from the same parameters and key that made
    // its certificate, so the leaf chains to the CA file on disk.
    let issuer = Issuer::new(ca_params()?, &ca_key);
    let cert = params.signed_by(&key, &issuer)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Loads the CA and leaf from `dir`, creating whatever is missing or out of date.
pub fn load_or_create(dir: &Path, extra_sans: &[String]) -> anyhow::Result<TlsMaterial> {
    let (ca_pem, ca_key) = load_or_create_ca(dir)?;
    let sans = subject_alt_names(extra_sans);
    let sans_text = sans.join("\n");
    let cert_path = dir.join(CERT_FILE);
    let key_path = dir.join(KEY_FILE);
    let current = std::fs::read_to_string(dir.join(SANS_FILE)).ok();
    let (leaf_pem, leaf_key_pem) = match (
        std::fs::read_to_string(&cert_path),
        std::fs::read_to_string(&key_path),
    ) {
        (Ok(cert), Ok(key)) if current.as_deref() == Some(sans_text.as_str()) => (cert, key),
        _ => {
            let (cert, key) = issue_leaf(sans, "localhost", &ca_key, 825)?;
            write_private(&key_path, &key)?;
            std::fs::write(&cert_path, &cert)?;
            std::fs::write(dir.join(SANS_FILE), &sans_text)?;
            (cert, key)
        }
    };
    Ok(TlsMaterial {
        ca_path: dir.join(CA_FILE),
        chain_pem: format!("{leaf_pem}{ca_pem}").into_bytes(),
        key_pem: leaf_key_pem.into_bytes(),
        ca_pem: Some(ca_pem),
    })
}

/// A leaf for `names` issued by the CA in `dir` (created when missing), kept in memory only:
/// the proxy's certificate for the Microsoft host names (`crate::proxy::HOSTS`).
pub fn issue_for_names(dir: &Path, names: &[&str]) -> anyhow::Result<TlsMaterial> {
    let (ca_pem, ca_key) = load_or_create_ca(dir)?;
    let common_name = names.first().copied().unwrap_or("tenantsim");
    let owned = names.iter().map(|n| (*n).to_owned()).collect();
    let (cert, key) = issue_leaf(owned, common_name, &ca_key, 30)?;
    Ok(TlsMaterial {
        ca_path: dir.join(CA_FILE),
        chain_pem: format!("{cert}{ca_pem}").into_bytes(),
        key_pem: key.into_bytes(),
        ca_pem: Some(ca_pem),
    })
}

/// A certificate and key the user brought (`--tls-cert`, `--tls-key`).
pub fn load_given(cert: &Path, key: &Path) -> anyhow::Result<TlsMaterial> {
    Ok(TlsMaterial {
        ca_path: cert.to_path_buf(),
        chain_pem: std::fs::read(cert).with_context(|| format!("reading {}", cert.display()))?,
        key_pem: std::fs::read(key).with_context(|| format!("reading {}", key.display()))?,
        ca_pem: None,
    })
}

/// The trust instructions `tenantsim cert` prints.
pub fn trust_instructions(ca_path: &Path) -> String {
    let ca = ca_path.display();
    format!(
        "tenantsim CA certificate: {ca}\n\n\
         Trust it for the official clients:\n\
         \x20 Python (requests: MSAL, sync azure-identity):   export REQUESTS_CA_BUNDLE={ca}\n\
         \x20 Python (httpx/aiohttp: msgraph-sdk, async azure-identity): export SSL_CERT_FILE={ca}\n\
         \x20 Node.js (before node starts):                   export NODE_EXTRA_CA_CERTS={ca}\n\
         \x20 curl:                                           curl --cacert {ca} https://localhost:8443/health\n\n\
         SSL_CERT_FILE replaces the default trust store of that process; NODE_EXTRA_CA_CERTS adds to it.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_leaf_comes_from_the_same_ca_and_leaves_the_listener_leaf_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let listener = load_or_create(dir.path(), &["tenantsim.test".to_owned()]).expect("create");
        let proxy = issue_for_names(dir.path(), &["graph.microsoft.com"]).expect("proxy");
        assert_eq!(proxy.ca_pem, listener.ca_pem);
        assert_ne!(proxy.chain_pem, listener.chain_pem);
        let sans = std::fs::read_to_string(dir.path().join(SANS_FILE)).expect("sans");
        assert!(sans.contains("tenantsim.test"), "{sans}");
        let again = load_or_create(dir.path(), &["tenantsim.test".to_owned()]).expect("load");
        assert_eq!(
            again.chain_pem, listener.chain_pem,
            "the listener's leaf was kept"
        );
    }

    #[test]
    fn the_ca_survives_and_the_leaf_is_reissued_when_names_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = load_or_create(dir.path(), &[]).expect("create");
        let ca = std::fs::read_to_string(&first.ca_path).expect("ca");
        let again = load_or_create(dir.path(), &[]).expect("load");
        assert_eq!(first.chain_pem, again.chain_pem, "same names: same leaf");
        let renamed = load_or_create(dir.path(), &["tenantsim.test".to_owned()]).expect("reissue");
        assert_ne!(first.chain_pem, renamed.chain_pem);
        assert_eq!(
            std::fs::read_to_string(&renamed.ca_path).expect("ca"),
            ca,
            "the CA never changes"
        );
    }
}
