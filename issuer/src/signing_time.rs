//! When the issuer may sign: never with a time earlier than its last signature
//! (a verifier that ordered by time would take the later list for the newer),
//! nor before its key's window in the trust list opens (a verifier refuses what
//! a key signed outside its window). A clock that reads earlier is a fault to
//! report, never a time to sign with. Pure: the caller passes every time.

use dwp_verifier::time::UnixTime;

/// Why `now` may not be signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClockBehind {
    /// Earlier than the issuer's last signature.
    #[error(
        "the clock reads {now} but the registry's last signature is {last}; nothing is signed until the clock is right"
    )]
    LastSignature {
        /// The clock.
        now: UnixTime,
        /// The last signature's time.
        last: UnixTime,
    },
    /// Before the signing key's window opens.
    #[error(
        "the clock reads {now} but the signing key's validity starts at {not_before}; nothing is signed until the clock is right"
    )]
    KeyWindow {
        /// The clock.
        now: UnixTime,
        /// The start of the key's window.
        not_before: UnixTime,
    },
}

/// Checks that `now` may be signed with, after a last signature at `last_signed`
/// by a key whose window opens at `key_not_before`.
///
/// # Errors
/// [`ClockBehind`], naming the later of the two bounds `now` is behind.
pub fn check(now: UnixTime, last_signed: UnixTime, key_not_before: UnixTime) -> Result<(), ClockBehind> {
    if now < key_not_before && key_not_before >= last_signed {
        return Err(ClockBehind::KeyWindow { now, not_before: key_not_before });
    }
    if now < last_signed {
        return Err(ClockBehind::LastSignature { now, last: last_signed });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_behind_either_bound_is_refused_naming_the_later() {
        let t = UnixTime;
        assert_eq!(check(t(100), t(90), t(50)), Ok(()));
        assert_eq!(check(t(90), t(90), t(90)), Ok(()), "the same second as the last signature is fine");
        assert_eq!(check(t(80), t(90), t(50)), Err(ClockBehind::LastSignature { now: t(80), last: t(90) }));
        assert_eq!(check(t(40), t(0), t(50)), Err(ClockBehind::KeyWindow { now: t(40), not_before: t(50) }));
        assert_eq!(check(t(40), t(45), t(50)), Err(ClockBehind::KeyWindow { now: t(40), not_before: t(50) }));
        assert_eq!(check(t(40), t(60), t(50)), Err(ClockBehind::LastSignature { now: t(40), last: t(60) }));
    }
}
