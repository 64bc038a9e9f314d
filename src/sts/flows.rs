//! Short-lived sign-in state held in memory: authorization codes (single use, 10 minutes) and
//! device-code flows (15 minutes, polled by the client until a user approves them).

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Entra's authorization codes live about ten minutes.
pub const CODE_LIFETIME_SECONDS: i64 = 600;
/// Device codes expire after fifteen minutes; clients poll every five seconds.
pub const DEVICE_LIFETIME_SECONDS: i64 = 900;
pub const DEVICE_POLL_INTERVAL_SECONDS: i64 = 5;

/// A random URL-safe string of `n` × 16 random bytes.
pub fn random_token(n: usize) -> String {
    let bytes: Vec<u8> = (0..n)
        .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
        .collect();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What a user approved on the sign-in and consent pages.
#[derive(Debug, Clone)]
pub struct AuthorizationCode {
    pub tenant: String,
    pub client_app_id: String,
    pub user_id: String,
    /// The `scope` parameter as the client sent it.
    pub scope: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub nonce: Option<String>,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceState {
    Pending,
    /// Approved by a user of `tenant` (the tenant a /common flow ends up in).
    Approved {
        tenant: String,
        user_id: String,
    },
    Denied,
}

#[derive(Debug, Clone)]
pub struct DeviceFlow {
    pub tenant: String,
    pub client_app_id: String,
    pub scope: String,
    pub user_code: String,
    pub expires_at: i64,
    pub state: DeviceState,
}

/// The result of redeeming a code or polling a device flow.
#[derive(Debug)]
pub enum Redeem<T> {
    Ready(T),
    Pending,
    Expired,
    AlreadyRedeemed,
    Denied,
    Unknown,
}

#[derive(Debug)]
struct CodeEntry {
    code: AuthorizationCode,
    redeemed: bool,
}

/// Sign-in and consent pages wait at most this long between steps.
pub const PENDING_LIFETIME_SECONDS: i64 = 900;
/// How long the `tenantsim_session` cookie keeps a user signed in.
pub const SESSION_LIFETIME_SECONDS: i64 = 12 * 3600;

/// What a pending interactive request ends in.
#[derive(Debug, Clone)]
pub enum PendingKind {
    /// `/authorize`: a code (or an error) sent to `redirect_uri`.
    Authorize {
        /// The path the pages post back to (`/{tenant}/oauth2/v2.0/authorize` or v1).
        path: String,
        redirect_uri: String,
        state: Option<String>,
        nonce: Option<String>,
        code_challenge: Option<String>,
        code_challenge_method: Option<String>,
        /// `query`, `fragment` or `form_post`.
        response_mode: String,
    },
    /// `/devicelogin`: approves (or denies) the device flow with this user code.
    Device { user_code: String },
}

/// An interactive sign-in between its pages, held server-side; the pages carry only its id,
/// which doubles as the CSRF token.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub kind: PendingKind,
    /// The tenant the request named: a tenant id, or `common` / `organizations`.
    pub tenant: String,
    pub client_app_id: String,
    pub scope: String,
    pub login_hint: Option<String>,
    /// `prompt=consent`: show the consent page even if everything is consented.
    pub force_consent: bool,
    /// (tenant id, user id) once the user has signed in.
    pub signed_in: Option<(String, String)>,
    pub expires_at: i64,
}

#[derive(Debug, Clone)]
struct Session {
    /// (tenant id, user id), one user per tenant.
    users: Vec<(String, String)>,
    expires_at: i64,
}

#[derive(Debug, Default)]
pub struct Flows {
    codes: Mutex<HashMap<String, CodeEntry>>,
    devices: Mutex<HashMap<String, DeviceFlow>>,
    pending: Mutex<HashMap<String, PendingSignIn>>,
    sessions: Mutex<HashMap<String, Session>>,
}

impl Flows {
    /// Stores an approved sign-in; returns the code for the redirect.
    pub fn issue_code(&self, code: AuthorizationCode, now: i64) -> String {
        let value = format!("1.{}", random_token(4));
        let mut codes = self.codes.lock().unwrap_or_else(|p| p.into_inner());
        codes.retain(|_, e| e.code.expires_at + CODE_LIFETIME_SECONDS > now);
        codes.insert(
            value.clone(),
            CodeEntry {
                code,
                redeemed: false,
            },
        );
        value
    }

    /// Redeems a code once: of any number of concurrent redemptions exactly one succeeds.
    pub fn redeem_code(&self, value: &str, now: i64) -> Redeem<AuthorizationCode> {
        let mut codes = self.codes.lock().unwrap_or_else(|p| p.into_inner());
        match codes.get_mut(value) {
            None => Redeem::Unknown,
            Some(entry) if entry.redeemed => Redeem::AlreadyRedeemed,
            Some(entry) if entry.code.expires_at <= now => Redeem::Expired,
            Some(entry) => {
                entry.redeemed = true;
                Redeem::Ready(entry.code.clone())
            }
        }
    }

    /// Starts a device flow; returns (device_code, user_code).
    pub fn start_device(
        &self,
        tenant: &str,
        client_app_id: &str,
        scope: &str,
        now: i64,
    ) -> (String, String) {
        let device_code = random_token(3);
        // Entra's user codes are nine characters, letters and digits without look-alikes.
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let user_code: String = uuid::Uuid::new_v4().as_bytes()[..9]
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect();
        let flow = DeviceFlow {
            tenant: tenant.to_owned(),
            client_app_id: client_app_id.to_owned(),
            scope: scope.to_owned(),
            user_code: user_code.clone(),
            expires_at: now + DEVICE_LIFETIME_SECONDS,
            state: DeviceState::Pending,
        };
        let mut devices = self.devices.lock().unwrap_or_else(|p| p.into_inner());
        devices.retain(|_, f| f.expires_at + DEVICE_LIFETIME_SECONDS > now);
        devices.insert(device_code.clone(), flow);
        (device_code, user_code)
    }

    /// The pending flow a user code names (case-insensitive, dashes and spaces ignored).
    pub fn device_by_user_code(&self, user_code: &str, now: i64) -> Option<DeviceFlow> {
        let wanted: String = user_code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        let devices = self.devices.lock().unwrap_or_else(|p| p.into_inner());
        devices
            .values()
            .find(|f| {
                f.user_code == wanted && f.expires_at > now && f.state == DeviceState::Pending
            })
            .cloned()
    }

    /// Records the user's answer for a device flow.
    pub fn settle_device(&self, user_code: &str, state: DeviceState) -> bool {
        let mut devices = self.devices.lock().unwrap_or_else(|p| p.into_inner());
        match devices.values_mut().find(|f| {
            f.user_code.eq_ignore_ascii_case(user_code) && f.state == DeviceState::Pending
        }) {
            Some(flow) => {
                flow.state = state;
                true
            }
            None => false,
        }
    }

    /// Stores a pending sign-in; returns its unguessable id.
    pub fn start_pending(&self, pending: PendingSignIn, now: i64) -> String {
        let id = random_token(2);
        let mut map = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, p| p.expires_at > now);
        map.insert(id.clone(), pending);
        id
    }

    /// The pending sign-in `id` names, if it has not expired.
    pub fn pending(&self, id: &str, now: i64) -> Option<PendingSignIn> {
        let map = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        map.get(id).filter(|p| p.expires_at > now).cloned()
    }

    /// Replaces a pending sign-in (after the user signed in).
    pub fn update_pending(&self, id: &str, pending: PendingSignIn) {
        let mut map = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = map.get_mut(id) {
            *entry = pending;
        }
    }

    /// Ends a pending sign-in; `None` if another request already ended it.
    pub fn take_pending(&self, id: &str, now: i64) -> Option<PendingSignIn> {
        let mut map = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(id).filter(|p| p.expires_at > now)
    }

    /// The user signed in to `tenant` in this browser session.
    pub fn session_user(&self, session: &str, tenant: &str, now: i64) -> Option<String> {
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let entry = sessions.get(session).filter(|s| s.expires_at > now)?;
        entry
            .users
            .iter()
            .find(|(t, _)| t == tenant)
            .map(|(_, u)| u.clone())
    }

    /// Every (tenant, user) signed in in this browser session.
    pub fn session_users(&self, session: &str, now: i64) -> Vec<(String, String)> {
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions
            .get(session)
            .filter(|s| s.expires_at > now)
            .map(|s| s.users.clone())
            .unwrap_or_default()
    }

    /// Remembers `user` as signed in to `tenant`; returns the session id (a new one if
    /// `session` is unknown or expired).
    pub fn remember(&self, session: Option<&str>, tenant: &str, user: &str, now: i64) -> String {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.retain(|_, s| s.expires_at > now);
        let id = session
            .filter(|s| sessions.contains_key(*s))
            .map_or_else(|| random_token(2), str::to_owned);
        let entry = sessions.entry(id.clone()).or_insert_with(|| Session {
            users: Vec::new(),
            expires_at: 0,
        });
        entry.users.retain(|(t, _)| t != tenant);
        entry.users.push((tenant.to_owned(), user.to_owned()));
        entry.expires_at = now + SESSION_LIFETIME_SECONDS;
        id
    }

    /// Polls a device flow; an approved flow is handed out once.
    pub fn poll_device(&self, device_code: &str, now: i64) -> Redeem<DeviceFlow> {
        self.poll_device_for(device_code, None, now)
    }

    /// Polls a device flow as `client_id`: another client's poll finds nothing and leaves the
    /// flow alone, so it cannot take the approved flow away from its own client.
    pub fn poll_device_for(
        &self,
        device_code: &str,
        client_id: Option<&str>,
        now: i64,
    ) -> Redeem<DeviceFlow> {
        let mut devices = self.devices.lock().unwrap_or_else(|p| p.into_inner());
        let Some(flow) = devices.get(device_code) else {
            return Redeem::Unknown;
        };
        if client_id.is_some_and(|c| !c.eq_ignore_ascii_case(&flow.client_app_id)) {
            return Redeem::Unknown;
        }
        if flow.expires_at <= now {
            return Redeem::Expired;
        }
        match flow.state {
            DeviceState::Pending => Redeem::Pending,
            DeviceState::Denied => Redeem::Denied,
            DeviceState::Approved { .. } => devices
                .remove(device_code)
                .map_or(Redeem::Unknown, Redeem::Ready),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(expires_at: i64) -> AuthorizationCode {
        AuthorizationCode {
            tenant: "t".into(),
            client_app_id: "c".into(),
            user_id: "u".into(),
            scope: "openid".into(),
            redirect_uri: "http://localhost".into(),
            code_challenge: None,
            code_challenge_method: None,
            nonce: None,
            expires_at,
        }
    }

    #[test]
    fn a_code_redeems_once_and_expires() {
        let flows = Flows::default();
        let value = flows.issue_code(code(100), 0);
        assert!(matches!(flows.redeem_code(&value, 10), Redeem::Ready(_)));
        assert!(matches!(
            flows.redeem_code(&value, 10),
            Redeem::AlreadyRedeemed
        ));
        let late = flows.issue_code(code(100), 0);
        assert!(matches!(flows.redeem_code(&late, 100), Redeem::Expired));
        assert!(matches!(flows.redeem_code("nope", 0), Redeem::Unknown));
    }

    #[test]
    fn a_device_flow_is_pending_until_approved_then_handed_out_once() {
        let flows = Flows::default();
        let (device, user) = flows.start_device("t", "c", "openid", 0);
        assert_eq!(user.len(), 9);
        assert!(matches!(flows.poll_device(&device, 1), Redeem::Pending));
        assert!(
            flows
                .device_by_user_code(&user.to_ascii_lowercase(), 1)
                .is_some()
        );
        assert!(flows.settle_device(
            &user,
            DeviceState::Approved {
                tenant: "t".into(),
                user_id: "u".into()
            }
        ));
        assert!(matches!(flows.poll_device(&device, 2), Redeem::Ready(_)));
        assert!(matches!(flows.poll_device(&device, 3), Redeem::Unknown));
        let (expired, _) = flows.start_device("t", "c", "openid", 0);
        assert!(matches!(
            flows.poll_device(&expired, DEVICE_LIFETIME_SECONDS),
            Redeem::Expired
        ));
    }
}
