//! The verified-token cache the application state holds (a leaf: it imports no handler).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::token::Claims;

/// Tokens already verified, so the RS256 check runs once per token rather than per request.
/// Bounded: when full it is cleared (tokens are short-lived; a re-verify is cheap enough).
#[derive(Debug, Default)]
pub struct VerifiedTokens {
    entries: RwLock<HashMap<String, Arc<Claims>>>,
}

const VERIFIED_TOKENS_CAP: usize = 10_000;

impl VerifiedTokens {
    pub(crate) fn get(&self, token: &str) -> Option<Arc<Claims>> {
        self.entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(token)
            .cloned()
    }

    pub(crate) fn insert(&self, token: &str, claims: Arc<Claims>) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= VERIFIED_TOKENS_CAP {
            entries.clear();
        }
        entries.insert(token.to_owned(), claims);
    }

    /// Forgets every verified token (after a key change or a reset).
    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
