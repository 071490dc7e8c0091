//! The registry's clock, passed in so that tests can set the time.

use std::sync::Arc;

use dwp_verifier::time::UnixTime;

/// The registry's clock: the system's, or one a test sets.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> UnixTime + Send + Sync>);

impl Clock {
    /// The system clock, to the second.
    pub fn system() -> Clock {
        Clock(Arc::new(|| {
            let secs =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            UnixTime(i64::try_from(secs).unwrap_or(0))
        }))
    }

    /// A clock read from `f`.
    pub fn from_fn(f: impl Fn() -> UnixTime + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    /// The current time.
    pub fn now(&self) -> UnixTime {
        (self.0)()
    }
}
