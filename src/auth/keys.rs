//! The RS256 signing key: generated at first start, kept in the data directory so that
//! `tenantsim token` and `tenantsim serve` agree on it, with a stable `kid`.

use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};

const KEY_FILE: &str = "signing-key.pem";

/// The tenant-wide token signing key (tenantsim uses one key for every tenant, like Entra's
/// shared signing keys).
pub struct SigningKeys {
    pub kid: String,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// PKCS#8 PEM of the private key.
    pub private_pem: String,
    /// DER `RSAPublicKey` (PKCS#1), for JWKS `n` / `e`.
    pub public_pkcs1_der: Vec<u8>,
    /// A self-signed certificate of the key, for the JWKS `x5c` (made on first use).
    certificate: std::sync::OnceLock<Option<Vec<u8>>>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// Loads `signing-key.pem` from `dir`, generating and saving it the first time.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(KEY_FILE);
        if let Ok(pem) = std::fs::read_to_string(&path) {
            return Self::from_pem(&pem).with_context(|| format!("reading {}", path.display()));
        }
        Self::generate()?.save_in(dir)?;
        // Whoever saved last won: every process starting together reads the same key.
        let pem = std::fs::read_to_string(&path)?;
        Self::from_pem(&pem)
    }

    /// Writes the key into `dir` where [`SigningKeys::load_or_create`] reads it (a test gives a
    /// server its own key this way). Written to a temporary file and renamed, so two processes
    /// starting together never read half a key.
    pub fn save_in(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let tmp = dir.join(format!("{KEY_FILE}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, &self.private_pem)
            .with_context(|| format!("writing {}", tmp.display()))?;
        restrict_permissions(&tmp);
        let path = dir.join(KEY_FILE);
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))
    }

    /// A fresh key that is never written anywhere.
    pub fn generate() -> anyhow::Result<Self> {
        let pair =
            rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).context("generating RSA key")?;
        Self::from_pem(&pair.serialize_pem())
    }

    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let pair = rsa_key_pair(pem).context("parsing the signing key")?;
        let encoding =
            EncodingKey::from_rsa_pem(pem.as_bytes()).context("loading the signing key")?;
        let decoding = DecodingKey::from_rsa_pem(pair.public_key_pem().as_bytes())
            .context("loading the public key")?;
        let public_pkcs1_der = pair.public_key_raw().to_vec();
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &public_pkcs1_der);
        // Entra's kids are 27 base64url characters (a SHA-1 thumbprint); this one is as long.
        let kid = URL_SAFE_NO_PAD.encode(&digest.as_ref()[..20]);
        Ok(Self {
            kid,
            encoding,
            decoding,
            private_pem: pem.to_owned(),
            public_pkcs1_der,
            certificate: std::sync::OnceLock::new(),
        })
    }
}

/// The key as RSA: `KeyPair::from_pem` tries each elliptic curve first and fails, about 1 ms
/// of a 12 ms start.
fn rsa_key_pair(pem: &str) -> Result<rcgen::KeyPair, rcgen::Error> {
    rcgen::KeyPair::from_pem_and_sign_algo(pem, &rcgen::PKCS_RSA_SHA256)
}

impl SigningKeys {
    /// DER of a self-signed certificate for this key, as Entra publishes in `x5c`.
    pub fn certificate_der(&self) -> Option<&[u8]> {
        self.certificate
            .get_or_init(|| {
                let pair = rsa_key_pair(&self.private_pem).ok()?;
                let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).ok()?;
                let mut name = rcgen::DistinguishedName::new();
                name.push(rcgen::DnType::CommonName, "accounts.tenantsim.local");
                params.distinguished_name = name;
                params.self_signed(&pair).ok().map(|c| c.der().to_vec())
            })
            .as_deref()
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

/// The default data directory: the platform's user data directory plus `tenantsim`.
pub fn default_data_dir() -> std::path::PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("tenantsim")
}
