//! Entra's password complexity rule for `passwordProfile.password` in POST /users and PATCH
//! /users/{id} (<https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy#microsoft-entra-password-policies>):
//! 8 to 256 characters, and characters of at least three of four classes (upper case, lower
//! case, digits, symbols). `passwordPolicies: DisableStrongPassword` lifts the class rule and the
//! minimum length (<https://learn.microsoft.com/graph/api/resources/user>).

use crate::error::GraphError;

/// [V] Graph's answer to a weak password (msgraph-sdk-java-auth#36: "The specified password does
/// not comply with password complexity requirements. Please provide a different password.").
pub const TOO_WEAK: &str = "The specified password does not comply with password complexity requirements. Please provide a different password.";

/// 400 `Request_BadRequest` unless `password` meets the rule (given the user's
/// `passwordPolicies`).
pub fn check_complexity(password: &str, policies: Option<&str>) -> Result<(), GraphError> {
    let strong_required = !policies.is_some_and(|p| {
        p.split(',')
            .any(|item| item.trim().eq_ignore_ascii_case("DisableStrongPassword"))
    });
    let length = password.chars().count();
    let classes = [
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        // Symbols include the blank space.
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .into_iter()
    .filter(|&present| present)
    .count();
    let weak = length > 256 || (strong_required && (length < 8 || classes < 3));
    if weak {
        return Err(GraphError::request_bad_request(TOO_WEAK));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_complexity;

    #[test]
    fn three_of_four_classes_and_eight_to_256_characters() {
        for strong in [
            "Passw0rd!",
            "xWwvJ]6NMw+bWH-d",
            "abcdEFGH1",
            "abc 123 DEF",
            "ÄÖÜäöü12",
        ] {
            assert!(check_complexity(strong, None).is_ok(), "{strong}");
        }
        for weak in [
            "",
            "Pa0!",
            "password",
            "PASSWORD1",
            "abcdefgh!",
            "12345678",
            &"Aa1!".repeat(65),
        ] {
            assert!(check_complexity(weak, None).is_err(), "{weak}");
        }
        assert!(
            check_complexity(
                "password",
                Some("DisablePasswordExpiration, DisableStrongPassword")
            )
            .is_ok()
        );
        assert!(check_complexity(&"a".repeat(257), Some("DisableStrongPassword")).is_err());
    }
}
