//! Delivering a payment's callback to the registry: `POST` JSON, retried with backoff until a
//! 2xx, a bounded number of times.

use std::time::Duration;

use super::{Config, Transaction};

/// Tries per callback, the first included.
const TRIES: u32 = 5;
/// The wait before the second try; it doubles before each later one (0.25 s, 0.5 s, 1 s, 2 s).
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest one try may take.
const TRY_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends `tx` to the callback `repeat` times, one after the other, off the request's task.
pub(super) fn spawn(config: Config, tx: Transaction, repeat: u32) {
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(TRY_TIMEOUT)).build().into();
        for _ in 0..repeat {
            deliver(&agent, &config, &tx);
        }
    });
}

/// One callback, tried until a 2xx or [`TRIES`] attempts.
fn deliver(agent: &ureq::Agent, config: &Config, tx: &Transaction) {
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=TRIES {
        let mut request = agent.post(&config.callback).header("content-type", "application/json");
        if let Some(t) = &config.callback_token {
            request = request.header("authorization", &format!("Bearer {t}"));
        }
        let outcome = match request.send_json(tx) {
            Ok(resp) if resp.status().is_success() => return,
            Ok(resp) => format!("HTTP {}", resp.status()),
            Err(e) => e.to_string(),
        };
        eprintln!("callback {} (try {attempt} of {TRIES}) failed: {outcome}", tx.transaction_id);
        if attempt < TRIES {
            std::thread::sleep(backoff);
            backoff *= 2;
        }
    }
    eprintln!("callback {} given up after {TRIES} tries", tx.transaction_id);
}
