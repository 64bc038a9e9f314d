//! The simulated clock: every timestamp tenantsim writes and every token it issues or checks
//! reads time from here, so tests can move time forward or freeze it.

use std::sync::RwLock;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Default)]
struct ClockState {
    offset_seconds: i64,
    frozen_at: Option<OffsetDateTime>,
}

/// Wall-clock time plus an offset, or a frozen instant.
#[derive(Debug, Default)]
pub struct Clock {
    state: RwLock<ClockState>,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        let state = self
            .state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match state.frozen_at {
            Some(at) => at,
            // `set_offset`'s callers bound the offset; an unrepresentable sum stays at real time
            // rather than panicking on every request.
            None => {
                let now = OffsetDateTime::now_utc();
                now.checked_add(time::Duration::seconds(state.offset_seconds))
                    .unwrap_or(now)
            }
        }
    }

    /// Seconds since the Unix epoch, for JWT claims.
    pub fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }

    pub fn set_offset(&self, seconds: i64) {
        let mut state = self
            .state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.offset_seconds = seconds;
    }

    pub fn freeze(&self, at: Option<OffsetDateTime>) {
        let mut state = self
            .state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.frozen_at = at;
    }

    pub fn offset_seconds(&self) -> i64 {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .offset_seconds
    }

    pub fn frozen_at(&self) -> Option<OffsetDateTime> {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .frozen_at
    }
}

/// `2024-03-01T09:00:00Z`: Graph's DateTimeOffset form, whole seconds, UTC.
pub fn graph_timestamp(at: OffsetDateTime) -> String {
    let at = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_default()
}

/// `2024-03-01T09:00:00`: the `innerError.date` form, no fraction and no zone.
pub fn inner_error_date(at: OffsetDateTime) -> String {
    let mut text = graph_timestamp(at);
    if text.ends_with('Z') {
        text.pop();
    }
    text
}

/// Parses an RFC 3339 timestamp as written in fixtures and bodies.
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_error_date_has_no_fraction_and_no_zone() {
        let at = parse_timestamp("2025-02-13T10:17:06.123Z").expect("valid");
        assert_eq!(inner_error_date(at), "2025-02-13T10:17:06");
        assert_eq!(graph_timestamp(at), "2025-02-13T10:17:06Z");
    }

    #[test]
    fn offset_and_freeze_move_time() {
        let clock = Clock::default();
        let at = parse_timestamp("2030-01-01T00:00:00Z").expect("valid");
        clock.freeze(Some(at));
        assert_eq!(clock.now(), at);
        clock.freeze(None);
        clock.set_offset(3600);
        assert!(clock.now() > OffsetDateTime::now_utc() + time::Duration::seconds(3500));
    }
}
