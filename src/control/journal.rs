//! The request journal: a capped ring buffer of every request tenantsim answered (oldest
//! dropped first), queried through `GET /_tenantsim/requests`. Control routes (`/_tenantsim/`,
//! `/health`, `/ready`) are not recorded. Request bodies are kept only when
//! `Settings::journal_bodies` is on, redacted by `control::redact` (whatever the path or
//! content type) and then cut to `BODY_CAP` bytes; query strings lose their secret parameters'
//! values the same way. Headers (and so `Authorization` and cookies) are never kept.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub mod middleware;

/// Largest request body kept in an entry, in bytes.
pub const BODY_CAP: usize = 4 * 1024;

/// One answered request.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Position since start (or the last clear), for ordering.
    pub seq: u64,
    pub request_id: Arc<str>,
    /// When the request arrived, on the simulated clock (`time`, RFC 3339: formatted when
    /// read, not on the request's path).
    #[serde(rename = "time", serialize_with = "serialize_time")]
    pub at: OffsetDateTime,
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The token's `tid` (when the token was accepted) or an identity route's `{tenant}`.
    pub tenant: Option<Arc<str>>,
    /// The token's `appid`, or a token request's `client_id`.
    pub client_app: Option<Arc<str>>,
    pub status: u16,
    pub duration_micros: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
}

/// A request to record: its text borrowed, copied into the slot of the entry it replaces.
#[derive(Debug)]
pub struct NewEntry<'a> {
    pub request_id: Arc<str>,
    pub at: OffsetDateTime,
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<String>,
    pub tenant: Option<Arc<str>>,
    pub client_app: Option<Arc<str>>,
    pub status: u16,
    pub duration_micros: u64,
    pub request_body: Option<String>,
}

impl Entry {
    /// This entry's slot holding `new`: the method and path are copied into the buffers the
    /// slot already has. A full journal (the usual state) then allocates and frees nothing
    /// for them on each request; the entry it dropped was cold in the cache, and freeing its
    /// strings was 2 % of an authenticated GET's server time.
    fn refill(mut self, new: NewEntry<'_>, seq: u64) -> Self {
        self.method.clear();
        self.method.push_str(new.method);
        self.path.clear();
        self.path.push_str(new.path);
        Self {
            seq,
            request_id: new.request_id,
            at: new.at,
            method: self.method,
            path: self.path,
            query: new.query,
            tenant: new.tenant,
            client_app: new.client_app,
            status: new.status,
            duration_micros: new.duration_micros,
            request_body: new.request_body,
        }
    }

    fn new(new: NewEntry<'_>, seq: u64) -> Self {
        let empty = Self {
            seq,
            request_id: Arc::clone(&new.request_id),
            at: new.at,
            method: String::new(),
            path: String::new(),
            query: None,
            tenant: None,
            client_app: None,
            status: 0,
            duration_micros: 0,
            request_body: None,
        };
        empty.refill(new, seq)
    }
}

#[derive(Debug, Default)]
struct Ring {
    entries: VecDeque<Entry>,
    next_seq: u64,
    /// Entries dropped because the journal was full.
    dropped: u64,
}

/// The journal itself; a `Mutex` held only to push or copy.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    bodies: bool,
    ring: Mutex<Ring>,
}

/// What `GET /_tenantsim/requests` can filter on.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub tenant: Option<String>,
    /// `429`, or a class such as `5xx`.
    pub status: Option<String>,
    pub method: Option<String>,
    /// A path prefix, compared case-insensitively.
    pub path: Option<String>,
    /// A request id (entries after it) or an RFC 3339 time (entries at or after it).
    pub since: Option<String>,
    /// Keep only the newest `limit` matches.
    pub limit: Option<usize>,
}

impl Journal {
    pub fn new(capacity: usize, bodies: bool) -> Self {
        Self {
            capacity: capacity.max(1),
            bodies,
            ring: Mutex::default(),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn records_bodies(&self) -> bool {
        self.bodies
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn push(&self, new: NewEntry<'_>) {
        let mut ring = self.ring();
        let seq = ring.next_seq;
        ring.next_seq += 1;
        let mut slot = None;
        while ring.entries.len() >= self.capacity {
            slot = ring.entries.pop_front();
            ring.dropped += 1;
        }
        let entry = match slot {
            Some(old) => old.refill(new, seq),
            None => Entry::new(new, seq),
        };
        ring.entries.push_back(entry);
    }

    pub fn clear(&self) {
        *self.ring() = Ring::default();
    }

    /// `(entries kept, entries dropped since the last clear)`.
    pub fn counts(&self) -> (usize, u64) {
        let ring = self.ring();
        (ring.entries.len(), ring.dropped)
    }

    /// Matching entries, oldest first (newest last).
    pub fn query(&self, filter: &Filter) -> Vec<Entry> {
        let since_time = filter
            .since
            .as_deref()
            .and_then(crate::clock::parse_timestamp);
        let ring = self.ring();
        let after_seq = match (&filter.since, since_time) {
            (Some(id), None) => ring
                .entries
                .iter()
                .find(|e| e.request_id.eq_ignore_ascii_case(id))
                .map(|e| e.seq),
            _ => None,
        };
        let mut out: Vec<Entry> = ring
            .entries
            .iter()
            .filter(|e| after_seq.is_none_or(|seq| e.seq > seq))
            .filter(|e| since_time.is_none_or(|at| e.at >= at))
            .filter(|e| filter.matches(e))
            .cloned()
            .collect();
        drop(ring);
        if let Some(limit) = filter.limit
            && out.len() > limit
        {
            out.drain(..out.len() - limit);
        }
        out
    }
}

impl Filter {
    fn matches(&self, entry: &Entry) -> bool {
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_deref()
                .is_none_or(|w| have.is_some_and(|h| h.eq_ignore_ascii_case(w)))
        };
        eq(&self.tenant, entry.tenant.as_deref())
            && eq(&self.method, Some(&entry.method))
            && self.path.as_deref().is_none_or(|prefix| {
                entry
                    .path
                    .to_ascii_lowercase()
                    .starts_with(&prefix.to_ascii_lowercase())
            })
            && self
                .status
                .as_deref()
                .is_none_or(|s| status_matches(s, entry.status))
    }
}

/// `404` matches exactly; `4xx` (any case) matches the class.
fn status_matches(pattern: &str, status: u16) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    match pattern.strip_suffix("xx") {
        Some(class) => class.parse::<u16>().is_ok_and(|c| status / 100 == c),
        None => pattern.parse::<u16>().is_ok_and(|p| p == status),
    }
}

/// RFC 3339 with the fraction, as entries render their time.
pub fn format_time(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn serialize_time<S: serde::Serializer>(
    at: &OffsetDateTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_time(*at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, status: u16) -> NewEntry<'_> {
        NewEntry {
            request_id: format!("id-{path}").into(),
            at: OffsetDateTime::UNIX_EPOCH,
            method: "GET",
            path,
            query: None,
            tenant: None,
            client_app: None,
            status,
            duration_micros: 1,
            request_body: None,
        }
    }

    #[test]
    fn the_ring_drops_the_oldest_and_filters() {
        let journal = Journal::new(2, false);
        journal.push(entry("/a", 200));
        journal.push(entry("/b", 404));
        journal.push(entry("/c", 503));
        let all = journal.query(&Filter::default());
        assert_eq!(
            all.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
            ["/b", "/c"]
        );
        assert_eq!(journal.counts(), (2, 1));
        let five = Filter {
            status: Some("5xx".into()),
            ..Filter::default()
        };
        assert_eq!(journal.query(&five).len(), 1);
        let since = Filter {
            since: Some("id-/b".into()),
            ..Filter::default()
        };
        assert_eq!(journal.query(&since)[0].path, "/c");
        // A reused slot keeps nothing of the entry it held.
        journal.push(NewEntry {
            method: "POST",
            tenant: Some("t".into()),
            query: Some("a=1".into()),
            ..entry("/dd", 201)
        });
        journal.push(entry("/e", 200));
        let last = journal.query(&Filter::default());
        assert_eq!(
            last.iter()
                .map(|e| (
                    e.method.as_str(),
                    e.path.as_str(),
                    e.tenant.is_some(),
                    e.query.is_some(),
                    e.status
                ))
                .collect::<Vec<_>>(),
            [
                ("POST", "/dd", true, true, 201),
                ("GET", "/e", false, false, 200)
            ]
        );
        assert_eq!(last[1].seq, 4);
    }
}
