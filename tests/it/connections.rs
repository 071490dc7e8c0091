//! Connection limits of `dwp serve`, from the outside: half-open sockets do
//! not starve the service, idle connections are closed, the cap answers at
//! once, and SIGTERM ends the process within its grace even with a request
//! head left half sent, and, under a load of writes on PostgreSQL, loses no
//! acknowledged write and cuts no answer.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::server::Registry;
use crate::server::{Engine, Server};

/// The start of a request head that is never finished.
const PARTIAL_HEAD: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: registry.test\r\nX-Half: ";

/// Opens a connection and sends part of a request head.
fn half_open(addr: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(PARTIAL_HEAD).expect("send a partial head");
    s
}

/// How a socket ended: when the server closed it (EOF or reset), and what it sent before.
struct Closed {
    after: Duration,
    answer: String,
}

/// Reads until the server closes the socket; `None` if it is still open at `deadline`.
fn wait_closed(mut s: TcpStream, start: Instant, deadline: Instant) -> Option<Closed> {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        s.set_read_timeout(Some(left.max(Duration::from_millis(1)))).expect("read timeout");
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return None,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // A reset is a close too.
            Err(_) => break,
        }
    }
    Some(Closed { after: start.elapsed(), answer: String::from_utf8_lossy(&answer).into_owned() })
}

/// One request on a connection of its own; the status, or `None` if the
/// connection failed or no answer came within `timeout`.
fn get_alone(addr: &str, path: &str, timeout: Duration) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(timeout)).ok()?;
    s.set_write_timeout(Some(timeout)).ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: registry.test\r\nConnection: close\r\n\r\n").as_bytes()).ok()?;
    let mut text = Vec::new();
    s.read_to_end(&mut text).ok()?;
    let text = String::from_utf8_lossy(&text).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    Some((status, text))
}

/// Reads one response of a kept-alive connection (a `Content-Length` body); returns its status.
fn read_response(s: &mut TcpStream) -> u16 {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut buf).expect("reading a response head");
        assert!(n > 0, "connection closed before a response: {:?}", String::from_utf8_lossy(&data));
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("a Content-Length in {head:?}"));
    while data.len() < head_end + length {
        let n = s.read(&mut buf).expect("reading a response body");
        assert!(n > 0, "connection closed inside a response body");
        data.extend_from_slice(&buf[..n]);
    }
    head.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("a status code")
}

const HALF_OPEN: usize = 100;
const CAP: usize = 32;
const HEADER_SECS: u64 = 2;

#[test]
fn half_open_sockets_neither_starve_healthz_nor_stay_open() {
    let server = Server::start_with(
        Engine::Sqlite,
        &["--max-connections", &CAP.to_string(), "--header-timeout-secs", &HEADER_SECS.to_string()],
    );
    let addr = server.addr();
    let header = Duration::from_secs(HEADER_SECS);
    let bound = header + Duration::from_secs(2);

    let start = Instant::now();
    let sockets: Vec<TcpStream> = (0..HALF_OPEN).map(|_| half_open(&addr)).collect();
    let opened = start.elapsed();
    let deadline = start + bound;
    let watchers: Vec<_> =
        sockets.into_iter().map(|s| std::thread::spawn(move || wait_closed(s, start, deadline))).collect();

    // While the half-open sockets are held, /healthz is asked for on fresh connections.
    let mut refused = 0;
    let healthz = loop {
        assert!(Instant::now() < deadline, "/healthz got no 200 within {bound:?} ({refused} refusals)");
        match get_alone(&addr, "/healthz", Duration::from_secs(1)) {
            Some((200, _)) => break start.elapsed(),
            Some((503, text)) => {
                assert!(text.to_ascii_lowercase().contains("\r\nretry-after: "), "a 503 without Retry-After: {text}");
                refused += 1;
            }
            Some((status, text)) => panic!("/healthz answered {status}: {text}"),
            None => {}
        }
        std::thread::sleep(Duration::from_millis(100));
    };

    let closed: Vec<Closed> = watchers
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            w.join().expect("watcher").unwrap_or_else(|| panic!("half-open socket {i} still open after {bound:?}"))
        })
        .collect();
    let last = closed.iter().map(|c| c.after).max().expect("sockets");
    // Those over the cap are answered at once; those within it last until the header timeout.
    let early: Vec<&Closed> = closed.iter().filter(|c| c.after < header / 2).collect();
    let answered_503 = early.iter().filter(|c| c.answer.starts_with("HTTP/1.1 503 ")).count();
    eprintln!(
        "connections: {HALF_OPEN} half-open sockets opened in {opened:?}; {} closed at once ({answered_503} with a \
         503), the last closed after {last:?}; /healthz answered 200 after {healthz:?} ({refused} refusals first)",
        early.len()
    );
    assert_eq!(early.len(), HALF_OPEN - CAP, "sockets over the cap of {CAP} are closed at once, the others are held");
    assert!(answered_503 > 0, "no socket over the cap was answered 503");
    assert!(
        closed.iter().filter(|c| c.after >= header / 2).all(|c| c.after >= header - Duration::from_millis(500)),
        "a socket within the cap was closed before the header timeout"
    );
    assert!(last <= bound, "the last half-open socket closed after {last:?}, over {bound:?}");
    assert!(healthz <= bound, "/healthz answered after {healthz:?}, over {bound:?}");
}

#[test]
fn idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    // An idle timeout longer than the header timeout: waiting for the next request is not reading a head.
    let server = Server::start_with(Engine::Sqlite, &["--header-timeout-secs", "1", "--idle-timeout-secs", "3"]);
    let mut s = TcpStream::connect(server.addr()).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
    let request = b"GET /healthz HTTP/1.1\r\nHost: registry.test\r\n\r\n";
    s.write_all(request).expect("first request");
    assert_eq!(read_response(&mut s), 200, "first request");
    // Idle for longer than the header timeout, then a second request on the same connection.
    std::thread::sleep(Duration::from_millis(1500));
    s.write_all(request).expect("second request");
    assert_eq!(read_response(&mut s), 200, "a request after 1.5 s idle (header timeout 1 s) on the same connection");

    let idle_since = Instant::now();
    let closed = wait_closed(s, idle_since, idle_since + Duration::from_secs(6))
        .expect("the idle connection is still open 6 s after its last response (idle timeout 3 s)");
    eprintln!("connections: idle keep-alive connection closed {:?} after its last response", closed.after);
    assert!(closed.answer.is_empty(), "nothing is sent on an idle connection: {:?}", closed.answer);
    assert!(closed.after >= Duration::from_millis(2500), "closed after {:?}, before the idle timeout", closed.after);
    assert!(closed.after <= Duration::from_secs(5), "closed after {:?}, idle timeout 3 s", closed.after);
}

#[test]
fn sigterm_finishes_requests_in_flight_and_exits_within_the_grace() {
    let grace = Duration::from_secs(2);
    // The header timeout is far longer than the grace: only the grace can end the half-sent head.
    let mut server = Server::start_with(Engine::Sqlite, &["--header-timeout-secs", "60", "--shutdown-grace-secs", "2"]);
    let addr = server.addr();
    let stuck = half_open(&addr);
    let mut finishing = half_open(&addr);
    let mut idle = TcpStream::connect(&addr).expect("connect");
    idle.set_read_timeout(Some(Duration::from_secs(10))).expect("read timeout");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: registry.test\r\n\r\n").expect("request");
    assert_eq!(read_response(&mut idle), 200);
    std::thread::sleep(Duration::from_millis(200));

    let pid = server.pid();
    let sent = Instant::now();
    let finisher = std::thread::spawn(move || {
        // The rest of this head arrives after SIGTERM: the request is in flight and is answered.
        std::thread::sleep(Duration::from_millis(300));
        finishing.write_all(b"1\r\n\r\n").expect("finish the head");
        finishing.set_read_timeout(Some(Duration::from_secs(5))).expect("read timeout");
        let mut text = String::new();
        finishing.read_to_string(&mut text).ok();
        text
    });
    let idle_closed = std::thread::spawn(move || wait_closed(idle, sent, sent + Duration::from_secs(5)));
    let stuck_closed = std::thread::spawn(move || wait_closed(stuck, sent, sent + Duration::from_secs(5)));
    let (exit_after, status) = server.terminate(grace + Duration::from_secs(3));

    let answer = finisher.join().expect("finisher");
    let idle_closed = idle_closed.join().expect("idle").expect("the idle connection was not closed");
    let stuck_closed = stuck_closed.join().expect("stuck").expect("the half-sent head was not closed");
    eprintln!(
        "connections: SIGTERM to {pid}: idle connection closed after {:?}, half-sent head closed after {:?}, \
         exit after {exit_after:?} ({status})",
        idle_closed.after, stuck_closed.after
    );
    assert!(answer.starts_with("HTTP/1.1 200 "), "a request finished after SIGTERM is answered: {answer:?}");
    assert!(status.success(), "exit status {status}");
    assert!(idle_closed.after < Duration::from_secs(1), "idle connection closed after {:?}", idle_closed.after);
    assert!(exit_after >= grace - Duration::from_millis(500), "exit after {exit_after:?}, before the grace");
    assert!(exit_after <= grace + Duration::from_millis(1500), "exit after {exit_after:?}, grace {grace:?}");
}

#[test]
fn more_idle_sockets_than_descriptors_do_not_stop_healthz() {
    // 300 sockets against a process allowed 256 descriptors, with the default connection cap of
    // 1024: the cap is lowered to fit, and what is over it is turned away rather than left to
    // exhaust the descriptors.
    const SOCKETS: usize = 300;
    let server = Server::start_limited(Engine::Sqlite, &["--header-timeout-secs", &HEADER_SECS.to_string()], 256);
    let addr = server.addr();
    let bound = Duration::from_secs(HEADER_SECS) + Duration::from_secs(2);
    let start = Instant::now();
    let deadline = start + bound;
    let watchers: Vec<_> = (0..SOCKETS)
        .map(|_| {
            let s = half_open(&addr);
            std::thread::spawn(move || wait_closed(s, start, deadline))
        })
        .collect();
    let healthz = loop {
        assert!(Instant::now() < deadline, "/healthz got no 200 within {bound:?}");
        if let Some((200, _)) = get_alone(&addr, "/healthz", Duration::from_secs(1)) {
            break start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let still_open = watchers.into_iter().map(|w| w.join().expect("watcher")).filter(Option::is_none).count();
    eprintln!(
        "connections: {SOCKETS} half-open sockets under 256 descriptors; /healthz answered 200 after {healthz:?}"
    );
    assert_eq!(still_open, 0, "{still_open} of {SOCKETS} half-open sockets still open after {bound:?}");
    assert!(healthz <= bound, "/healthz answered after {healthz:?}, over {bound:?}");
}

/// A client that sends an oversized body whole before it reads — as Python's urllib does — reads the
/// 413 problem the registry answered on the Content-Length, instead of a reset connection.
#[test]
fn an_oversized_body_sent_whole_still_reads_its_413() {
    let s = Server::start(Engine::Sqlite);
    let reg = s.token("registrar", None);
    let mut stream = TcpStream::connect(s.addr()).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    stream.set_write_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let size = 5 << 20;
    let head = format!(
        "POST /v1/permits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {reg}\r\n\
         Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("head");
    let chunk = vec![b' '; 64 << 10];
    let mut sent = 0;
    while sent < size {
        match stream.write_all(&chunk) {
            Ok(()) => sent += chunk.len(),
            Err(e) => panic!("the registry cut the connection after {sent} of {size} bytes: {e}"),
        }
    }
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    assert!(read.is_ok(), "reading the answer: {read:?} ({text})");
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("\"code\":\"body_too_large\""), "{text}");
}

/// A request whose body the registry answered without reading (a path that does not exist) is
/// answered with `Connection: close` and the connection closed, so that a client never sends its
/// next request on a connection with the rest of a body in it; a request whose body was read
/// keeps its connection.
#[test]
fn an_answer_before_the_body_is_read_closes_the_connection_and_says_so() {
    let s = Server::start(Engine::Sqlite);
    let mut stream = TcpStream::connect(s.addr()).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let post = |path: &str, body: &str| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    // Read: a malformed tracking body is refused after it was read; the connection stays.
    stream.write_all(post("/v1/track", "{\"number\":1}").as_bytes()).expect("first");
    assert_eq!(read_response(&mut stream), 422);
    stream.write_all(post("/v1/permits/x/explode", "{\"reason\":\"unread\"}").as_bytes()).expect("second");
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    assert!(read.is_ok(), "the answer is read whole, not reset: {read:?} {text}");
    assert!(text.starts_with("http/1.1 404"), "{text}");
    assert!(text.contains("connection: close"), "the client is told not to reuse it: {text}");
}

/// SIGTERM under a load of writes, on PostgreSQL: every request answered is answered whole, every
/// acknowledged issuance is there after the restart, and the requests refused are refused before
/// any answer began (a closed connection), never cut in the middle.
#[test]
fn sigterm_under_writes_loses_no_acknowledged_write_and_cuts_no_answer() {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    let mut server = Server::start_with(Engine::Postgres, &["--shutdown-grace-secs", "5"]);
    let reg = server.token("registrar", None);
    let base = server.base.clone();
    let acked = Mutex::new(BTreeSet::<String>::new());
    let cut = Mutex::new(Vec::<String>::new());
    std::thread::scope(|scope| {
        for worker in 0..4usize {
            let (acked, cut, base, reg) = (&acked, &cut, base.clone(), reg.clone());
            scope.spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(20)))
                    .build()
                    .into();
                for n in 0..400usize {
                    let body = crate::server::sample_permit(worker * 1000 + n).to_string();
                    let sent = agent
                        .post(format!("{base}/v1/permits"))
                        .header("authorization", format!("Bearer {reg}"))
                        .header("content-type", "application/json")
                        .send(body.as_bytes());
                    // Refused before an answer began: the listener is closed.
                    let Ok(resp) = sent else { return };
                    let status = resp.status().as_u16();
                    match resp.into_body().read_json::<serde_json::Value>() {
                        Ok(v) if status == 201 => {
                            acked.lock().expect("lock").insert(v["id"].as_str().unwrap_or_default().to_string());
                        }
                        Ok(v) => cut.lock().expect("lock").push(format!("HTTP {status}: {v}")),
                        Err(e) => cut.lock().expect("lock").push(format!("HTTP {status}, the body cut: {e}")),
                    }
                }
            });
        }
        let start = Instant::now();
        while acked.lock().expect("lock").len() < 60 && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let (_, status) = server.terminate(Duration::from_secs(10));
        assert!(status.success(), "exit status {status}");
    });
    let (acked, cut) = (acked.into_inner().expect("lock"), cut.into_inner().expect("lock"));
    assert!(cut.is_empty(), "answers cut or refused after they began: {cut:?}");
    assert!(acked.len() >= 60, "{} acknowledged before SIGTERM", acked.len());
    server.restart();
    for id in &acked {
        assert_eq!(server.read(&format!("/v1/permits/{id}"), Some(&reg), "issuance").status, 200, "acknowledged {id}");
    }
    eprintln!("connections: SIGTERM under writes: {} issuances acknowledged, all there after the restart", acked.len());
}
