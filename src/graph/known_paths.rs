//! Microsoft Graph's real paths, so that a path tenantsim does not emulate is told apart from a
//! path Graph does not have: the first answers 501 `NotImplemented` naming tenantsim, the second
//! Graph's own 400 "Resource not found for the segment …".
//!
//! The lists are the URL templates of the official Python Graph SDKs (msgraph-sdk for v1.0,
//! msgraph-beta-sdk for beta), written to `known_paths/*.txt` by `tools/graph_paths.py`, one
//! line per template with the methods Graph serves there. They are parsed into a segment trie on
//! the first unknown path, not at start-up: a server that is never asked one pays nothing.
//! See <https://learn.microsoft.com/graph/api/overview>.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::protocol::wire::ApiVersion;

const V1_PATHS: &str = include_str!("known_paths/v1.0.txt");
const BETA_PATHS: &str = include_str!("known_paths/beta.txt");

/// HTTP methods as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Methods(u8);

impl Methods {
    const NAMES: [&'static str; 5] = ["GET", "POST", "PATCH", "PUT", "DELETE"];

    fn bit(method: &str) -> u8 {
        Self::NAMES
            .iter()
            .position(|m| m.eq_ignore_ascii_case(method))
            .map_or(0, |i| 1 << i)
    }

    /// Whether Graph serves `method` here (HEAD counts as GET).
    pub fn allows(self, method: &str) -> bool {
        let method = if method.eq_ignore_ascii_case("HEAD") {
            "GET"
        } else {
            method
        };
        self.0 & Self::bit(method) != 0
    }
}

/// What Graph has at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// Graph serves this path, with these methods.
    Path(Methods),
    /// Graph has no such path.
    Unknown,
}

/// The version of a Graph path (any case) and the rest: `/V1.0/users/x` → (V1, `users/x`).
fn split_version(path: &str) -> Option<(ApiVersion, &str)> {
    let trimmed = path.trim_start_matches('/');
    let (first, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    if first.eq_ignore_ascii_case("v1.0") {
        Some((ApiVersion::V1, rest))
    } else if first.eq_ignore_ascii_case("beta") {
        Some((ApiVersion::Beta, rest))
    } else {
        None
    }
}

/// The non-empty segments of `rest` as sent, and each in the form the trie is keyed by.
fn segments_of(rest: &str) -> (Vec<&str>, Vec<String>) {
    let sent: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let normalised = sent
        .iter()
        .map(|s| normalise(&percent_encoding::percent_decode_str(s).decode_utf8_lossy()))
        .collect();
    (sent, normalised)
}

/// Looks a Graph path (`/v1.0/users/abc/calendar`, version in any case) up in Graph's paths.
pub fn lookup(path: &str) -> Known {
    let Some((version, rest)) = split_version(path) else {
        return Known::Unknown;
    };
    match trie(version).root.find(&segments_of(rest).1) {
        Some(methods) => Known::Path(methods),
        None => Known::Unknown,
    }
}

/// The canonical spelling of a Graph path that Graph would accept as sent: segments in their
/// documented case (`/V1.0/Users/x/MemberOf` → `/v1.0/users/x/memberOf`), casts with their
/// namespace (`graph.group` → `microsoft.graph.group`), functions without `()`, no empty
/// segments. `None` if Graph has no such path or it is already canonical. Query untouched.
pub fn canonical(path: &str) -> Option<String> {
    let (version, rest) = split_version(path)?;
    let (sent, segments) = segments_of(rest);
    let mut out = vec![version.segment().to_owned()];
    if !trie(version).root.spell(&segments, &sent, &mut out) {
        return None;
    }
    let spelled = format!("/{}", out.join("/"));
    (spelled != path).then_some(spelled)
}

/// How tenantsim's routes spell a segment Graph spells `segment`.
fn route_spelling(segment: &str) -> String {
    if let Some(function) = segment.strip_suffix("()") {
        let unqualified = function
            .strip_prefix("microsoft.graph.")
            .or_else(|| function.strip_prefix("graph."))
            .unwrap_or(function);
        return unqualified.to_owned();
    }
    match segment.strip_prefix("graph.") {
        // Only a type name (`graph.group`): `graph.team@contoso.com` is a user.
        Some(cast) if !cast.is_empty() && cast.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            format!("microsoft.graph.{cast}")
        }
        _ => segment.to_owned(),
    }
}

fn trie(version: ApiVersion) -> &'static Trie {
    static V1: OnceLock<Trie> = OnceLock::new();
    static BETA: OnceLock<Trie> = OnceLock::new();
    match version {
        ApiVersion::V1 => V1.get_or_init(|| Trie::parse(V1_PATHS)),
        ApiVersion::Beta => BETA.get_or_init(|| Trie::parse(BETA_PATHS)),
    }
}

/// One form for the spellings Graph accepts of a segment: any case, a cast or function with or
/// without its namespace (`microsoft.graph.group`, `graph.group`, `group`), a function with or
/// without its empty parentheses (`delta()`, `delta`).
fn normalise(segment: &str) -> String {
    let lower = segment.to_ascii_lowercase();
    let unqualified = lower
        .strip_prefix("microsoft.graph.")
        .or_else(|| lower.strip_prefix("graph."))
        .unwrap_or(&lower);
    unqualified
        .strip_suffix("()")
        .unwrap_or(unqualified)
        .to_owned()
}

#[derive(Debug, Default)]
struct Trie {
    root: Node,
}

#[derive(Debug, Default)]
struct Node {
    methods: Methods,
    /// How tenantsim's routes spell this literal segment (`memberOf`, `microsoft.graph.group`).
    spelling: String,
    literal: HashMap<String, Node>,
    /// `{user-id}`: any one segment.
    any: Option<Box<Node>>,
    /// Segments with parameters inside (`applications(appId='{appId}')`): literal pieces with
    /// any text between them.
    patterns: Vec<(Vec<String>, Node)>,
}

impl Trie {
    fn parse(text: &str) -> Self {
        let mut trie = Self::default();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let Some((methods, path)) = line.split_once(' ') else {
                continue;
            };
            let bits = methods.split(',').fold(0, |b, m| b | Methods::bit(m));
            let mut node = &mut trie.root;
            for segment in path.split('/').filter(|s| !s.is_empty()) {
                node = node.child(segment);
            }
            node.methods.0 |= bits;
        }
        trie
    }
}

impl Node {
    fn child(&mut self, segment: &str) -> &mut Node {
        if segment.starts_with('{') && segment.ends_with('}') && segment.matches('{').count() == 1 {
            return self.any.get_or_insert_with(Box::default);
        }
        if segment.contains('{') {
            let pieces = pattern_pieces(segment);
            let at = match self.patterns.iter().position(|(p, _)| *p == pieces) {
                Some(at) => at,
                None => {
                    self.patterns.push((pieces, Node::default()));
                    self.patterns.len() - 1
                }
            };
            return &mut self.patterns[at].1;
        }
        self.literal
            .entry(normalise(segment))
            .or_insert_with(|| Node {
                spelling: route_spelling(segment),
                ..Node::default()
            })
    }

    /// Like `find`, but returns the path in tenantsim's spelling: literal segments as the
    /// template spells them, every other segment as sent.
    fn spell(&self, segments: &[String], sent: &[&str], out: &mut Vec<String>) -> bool {
        let (Some((first, rest)), Some((original, sent_rest))) =
            (segments.split_first(), sent.split_first())
        else {
            return self.methods.0 != 0;
        };
        if let Some(node) = self.literal.get(first) {
            out.push(node.spelling.clone());
            if node.spell(rest, sent_rest, out) {
                return true;
            }
            out.pop();
        }
        for (pieces, node) in &self.patterns {
            if pattern_matches(pieces, first) {
                out.push((*original).to_owned());
                if node.spell(rest, sent_rest, out) {
                    return true;
                }
                out.pop();
            }
        }
        if let Some(node) = &self.any {
            out.push((*original).to_owned());
            if node.spell(rest, sent_rest, out) {
                return true;
            }
            out.pop();
        }
        false
    }

    /// The methods at the end of `segments`, trying literals first, then patterns, then `{…}`.
    fn find(&self, segments: &[String]) -> Option<Methods> {
        let Some((first, rest)) = segments.split_first() else {
            return (self.methods.0 != 0).then_some(self.methods);
        };
        if let Some(found) = self.literal.get(first).and_then(|n| n.find(rest)) {
            return Some(found);
        }
        for (pieces, node) in &self.patterns {
            if pattern_matches(pieces, first)
                && let Some(found) = node.find(rest)
            {
                return Some(found);
            }
        }
        self.any.as_ref().and_then(|n| n.find(rest))
    }
}

/// `applications(appId='{appId}')` → `["applications(appid='", "')"]`, normalised as segments are.
fn pattern_pieces(segment: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = segment;
    while let Some(open) = rest.find('{') {
        pieces.push(rest[..open].to_ascii_lowercase());
        rest = rest[open..]
            .find('}')
            .map_or("", |close| &rest[open + close + 1..]);
    }
    pieces.push(rest.to_ascii_lowercase());
    if let Some(first) = pieces.first_mut() {
        *first = normalise(first);
    }
    pieces
}

/// Whether `segment` is the pieces in order with anything between them.
fn pattern_matches(pieces: &[String], segment: &str) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return false;
    };
    let Some(mut remaining) = segment.strip_prefix(first.as_str()) else {
        return false;
    };
    for (index, piece) in rest.iter().enumerate() {
        if index + 1 == rest.len() {
            return remaining.len() >= piece.len() && remaining.ends_with(piece.as_str());
        }
        match remaining.find(piece.as_str()) {
            Some(at) => remaining = &remaining[at + piece.len()..],
            None => return false,
        }
    }
    remaining.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn methods(version: ApiVersion, path: &str) -> Option<Methods> {
        match lookup(&format!("/{}{path}", version.segment())) {
            Known::Path(m) => Some(m),
            Known::Unknown => None,
        }
    }

    #[test]
    fn real_graph_paths_are_known_with_their_methods() {
        let manager = methods(ApiVersion::V1, "/users/abc/manager/$ref").unwrap();
        assert!(manager.allows("PUT") && manager.allows("DELETE") && manager.allows("GET"));
        assert!(!manager.allows("POST"));
        let calendar = methods(ApiVersion::V1, "/users/adele@contoso.com/calendar").unwrap();
        assert!(calendar.allows("GET") && calendar.allows("HEAD"));
        assert!(
            methods(
                ApiVersion::V1,
                "/Users/abc/MemberOf/microsoft.graph.group/$count"
            )
            .is_some()
        );
        assert!(methods(ApiVersion::V1, "/users/abc/memberOf/graph.group").is_some());
        assert!(methods(ApiVersion::V1, "/groups/delta()").is_some());
        assert!(methods(ApiVersion::V1, "/groups/microsoft.graph.delta()").is_some());
        assert!(methods(ApiVersion::V1, "/applications(appId='0000')").is_some());
    }

    #[test]
    fn paths_graph_does_not_have_are_unknown() {
        assert_eq!(lookup("/v1.0/widgets"), Known::Unknown);
        assert_eq!(lookup("/v1.0/users/abc/widgets"), Known::Unknown);
        assert_eq!(lookup("/v1.0/users/abc/manager/widgets"), Known::Unknown);
        assert_eq!(lookup("/v1.0/"), Known::Unknown);
    }

    #[test]
    fn beta_has_paths_v1_lacks() {
        // Beta-only: the profile resource (`/users/{id}/profile`).
        assert!(methods(ApiVersion::Beta, "/users/abc/profile/webAccounts").is_some());
        assert_eq!(
            lookup("/v1.0/users/abc/profile/webAccounts"),
            Known::Unknown
        );
    }

    #[test]
    fn canonical_spells_segments_as_graph_documents_them() {
        assert_eq!(
            canonical("/V1.0/Users/AdeleV@x.com/MemberOf/graph.group/").as_deref(),
            Some("/v1.0/users/AdeleV@x.com/memberOf/microsoft.graph.group")
        );
        assert_eq!(
            canonical("/beta/GROUPS/microsoft.graph.delta()").as_deref(),
            Some("/beta/groups/delta")
        );
        assert_eq!(canonical("/v1.0/users/x/memberOf"), None);
        assert_eq!(canonical("/v1.0/users/x/widgets"), None);
        assert_eq!(canonical("/v2.0/users"), None);
    }

    #[test]
    fn patterns_match_literal_pieces_in_order() {
        let pieces = pattern_pieces("applications(appId='{appId}')");
        assert!(pattern_matches(&pieces, "applications(appid='x')"));
        assert!(!pattern_matches(&pieces, "applications(uniquename='x')"));
        assert!(!pattern_matches(&pieces, "applications"));
    }
}
