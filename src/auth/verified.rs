//! The verified-token cache the application state holds (a leaf: it imports no handler).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::RwLock;

use super::caller::Caller;

/// Tokens already verified, so the RS256 check runs once per token rather than per request.
/// Bounded: when full it is cleared (tokens are short-lived; a re-verify is cheap enough).
///
/// Keyed by a hash of the token's last bytes (its signature's tail) and confirmed by comparing
/// the whole token: hashing a 1–2 KB token on every request was measurable on the hot path.
#[derive(Debug, Default)]
pub struct VerifiedTokens {
    entries: RwLock<HashMap<u64, Verified>>,
}

/// A verified token (kept whole, to confirm a key match) and its caller.
type Verified = (Box<str>, Caller);

const VERIFIED_TOKENS_CAP: usize = 10_000;
/// How many trailing bytes of a token its cache key hashes (an RS256 signature has 342).
const KEY_BYTES: usize = 48;

fn key_of(token: &str) -> u64 {
    let bytes = token.as_bytes();
    let mut hasher = DefaultHasher::new();
    bytes[bytes.len().saturating_sub(KEY_BYTES)..].hash(&mut hasher);
    bytes.len().hash(&mut hasher);
    hasher.finish()
}

impl VerifiedTokens {
    /// The caller of `token`, if it was verified since the last clear.
    pub fn get(&self, token: &str) -> Option<Caller> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        match entries.get(&key_of(token)) {
            Some((known, caller)) if **known == *token => Some(caller.clone()),
            _ => None,
        }
    }

    pub(crate) fn insert(&self, token: &str, caller: Caller) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= VERIFIED_TOKENS_CAP {
            entries.clear();
        }
        entries.insert(key_of(token), (token.into(), caller));
    }

    /// Forgets every verified token (after a key change or a reset).
    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(tid: &str) -> Caller {
        Caller::of(std::sync::Arc::new(
            serde_json::from_value(serde_json::json!({
                "aud": "https://graph.microsoft.com", "iss": "i", "iat": 0, "nbf": 0, "exp": 0,
                "appid": "a", "appidacr": "1", "idtyp": "app", "oid": "o", "sub": "s",
                "tid": tid, "uti": "u", "ver": "1.0"
            }))
            .expect("claims"),
        ))
    }

    #[test]
    fn a_token_with_the_same_tail_is_not_taken_for_a_verified_one() {
        let cache = VerifiedTokens::default();
        let tail = "x".repeat(KEY_BYTES);
        let verified = format!("header.payload-a.{tail}");
        let forged = format!("header.payload-b.{tail}");
        cache.insert(&verified, caller("t1"));
        assert_eq!(&*cache.get(&verified).expect("cached").tenant, "t1");
        assert!(cache.get(&forged).is_none());
        cache.clear();
        assert!(cache.get(&verified).is_none());
    }
}
