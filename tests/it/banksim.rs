//! `dwp bank-sim` from the outside: the real binary on loopback, a callback receiver in the
//! test, QRs made by `dwp_issuer::thaiqr`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Child;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use dwp_issuer::thaiqr::{BillPayment, BillerId, Reference};

/// One callback as the receiver saw it.
#[derive(Debug, Clone, PartialEq)]
struct Callback {
    authorization: Option<String>,
    body: Value,
}

/// A callback receiver on loopback: answers 503 to its first `fail_first` requests, then 200.
struct Receiver {
    url: String,
    calls: mpsc::Receiver<Callback>,
}

impl Receiver {
    fn start(fail_first: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        let url = format!("http://{}/v1/payments/callback", listener.local_addr().expect("address"));
        let (tx, calls) = mpsc::channel();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().take(64).enumerate() {
                let Ok(mut stream) = stream else { continue };
                stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let (mut length, mut authorization) = (0usize, None);
                for _ in 0..100 {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let (name, value) = line.split_once(':').unwrap_or((&line, ""));
                    match name.to_ascii_lowercase().as_str() {
                        "content-length" => length = value.trim().parse().unwrap_or(0),
                        "authorization" => authorization = Some(value.trim().to_string()),
                        _ => {}
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).ok();
                let status = if n < fail_first { "503 Service Unavailable" } else { "200 OK" };
                let answer = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                stream.write_all(answer.as_bytes()).ok();
                let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                if tx.send(Callback { authorization, body }).is_err() {
                    break;
                }
            }
        });
        Receiver { url, calls }
    }

    fn next(&self) -> Callback {
        self.calls.recv_timeout(Duration::from_secs(20)).expect("a callback arrives")
    }

    fn nothing_more(&self, wait: Duration) {
        if let Ok(c) = self.calls.recv_timeout(wait) {
            panic!("an unexpected callback: {c:?}");
        }
    }
}

/// A running `dwp bank-sim`, killed when dropped.
pub struct BankSim {
    child: Child,
    pub base: String,
    agent: ureq::Agent,
}

impl BankSim {
    fn start(callback: &str) -> BankSim {
        BankSim::start_on("127.0.0.1:0", callback, &["--callback-token", "cb-secret"])
    }

    /// A simulator on `listen` calling back `callback`.
    pub fn start_on(listen: &str, callback: &str, extra: &[&str]) -> BankSim {
        use std::ffi::OsStr;
        let mut args: Vec<&OsStr> = ["bank-sim", "--listen", listen, "--callback", callback].map(OsStr::new).to_vec();
        args.extend(extra.iter().map(OsStr::new));
        let (child, base, agent) = crate::common::start_tool(&args, "bank simulator");
        BankSim { child, base, agent }
    }

    pub fn pay(&self, body: &Value) -> (u16, Value) {
        let resp = self.agent.post(&format!("{}/pay", self.base)).send_json(body).expect("POST /pay");
        read(resp)
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        read(self.agent.get(&format!("{}{path}", self.base)).call().expect("GET"))
    }
}

impl Drop for BankSim {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn read(resp: ureq::http::Response<ureq::Body>) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.into_body().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn fee_qr(ref1: &str) -> String {
    BillPayment::new(
        BillerId::parse("099400016550100").expect("biller"),
        Reference::parse(ref1).expect("ref1"),
        Reference::parse("0105561012345").expect("ref2"),
        160_000,
    )
    .expect("bill")
    .encode()
}

const FIELDS: [&str; 7] =
    ["transactionId", "amount", "transactionDateTime", "billerId", "reference1", "reference2", "payerBank"];

#[test]
fn bank_sim_pays_a_fee_qr_and_calls_back_with_the_bill_payment_fields() {
    let receiver = Receiver::start(0);
    let bank = BankSim::start(&receiver.url);
    let (status, paid) = bank.pay(&json!({ "qr": fee_qr("256900000123"), "payerBank": "014" }));
    assert_eq!(status, 200, "{paid}");
    let callback = receiver.next();
    assert_eq!(callback.authorization.as_deref(), Some("Bearer cb-secret"));
    let body = callback.body;
    assert_eq!(body, paid, "the callback carries the transaction");
    assert_eq!(body.as_object().map(|o| o.len()), Some(FIELDS.len()), "{body}");
    assert_eq!(body["amount"], "1600.00");
    assert_eq!(body["billerId"], "099400016550100");
    assert_eq!(body["reference1"], "256900000123");
    assert_eq!(body["reference2"], "0105561012345");
    assert_eq!(body["payerBank"], "014");
    let id = body["transactionId"].as_str().expect("transactionId");
    let when = body["transactionDateTime"].as_str().expect("transactionDateTime");
    assert!(when.len() == 25 && when.ends_with("+07:00"), "{when}");
    assert_eq!(id, format!("BSIM{}000001", when[..10].replace('-', "")));

    let (status, inquiry) = bank.get(&format!("/transactions/{id}"));
    assert_eq!((status, &inquiry), (200, &body), "the inquiry answers the same fields");
    let (status, day) = bank.get(&format!("/transactions?date={}", &when[..10]));
    assert_eq!(status, 200, "{day}");
    assert_eq!(day["transactions"], json!([body]), "the day's list, for reconciliation");
    let (status, other) = bank.get("/transactions?date=2001-01-01");
    assert_eq!((status, other["transactions"].clone()), (200, json!([])));
    assert_eq!(bank.get("/transactions?date=yesterday").0, 422);
    assert_eq!(bank.get("/transactions/BSIM20260101999999").0, 404);
    receiver.nothing_more(Duration::from_millis(500));
}

#[test]
fn bank_sim_refuses_a_qr_with_a_bad_crc() {
    let receiver = Receiver::start(0);
    let bank = BankSim::start(&receiver.url);
    let qr = fee_qr("APP1");
    let forged = format!("{}FFFF", &qr[..qr.len() - 4]);
    let (status, problem) = bank.pay(&json!({ "qr": forged, "payerBank": "014" }));
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["code"], "qr_invalid");
    let detail = problem["detail"].as_str().unwrap_or("");
    assert!(detail.contains("CRC is FFFF") && detail.contains(&qr[qr.len() - 4..]), "{detail}");
    let promptpay = "00020101021229370016A0000006770101110113006680111111153037645802TH540520.15630442BE";
    let (status, problem) = bank.pay(&json!({ "qr": promptpay, "payerBank": "014" }));
    assert_eq!((status, problem["code"].as_str()), (422, Some("not_bill_payment")), "{problem}");
    let (status, problem) = bank.pay(&json!({ "qr": qr, "payerBank": "KBANK" }));
    assert_eq!((status, problem["code"].as_str()), (422, Some("invalid_payer_bank")), "{problem}");
    receiver.nothing_more(Duration::from_millis(500));
}

#[test]
fn bank_sim_repeats_a_callback_when_asked() {
    let receiver = Receiver::start(0);
    let bank = BankSim::start(&receiver.url);
    let (status, paid) = bank.pay(&json!({ "qr": fee_qr("APP2"), "payerBank": "002", "repeatCallback": 3 }));
    assert_eq!(status, 200, "{paid}");
    let calls = [receiver.next(), receiver.next(), receiver.next()];
    assert!(calls.iter().all(|c| c.body == paid), "three identical callbacks: {calls:?}");
    receiver.nothing_more(Duration::from_millis(500));
}

#[test]
fn bank_sim_deny_sends_a_forged_callback_whose_inquiry_is_not_found() {
    let receiver = Receiver::start(0);
    let bank = BankSim::start(&receiver.url);
    let (status, paid) = bank.pay(&json!({ "qr": fee_qr("APP3"), "payerBank": "014", "deny": true }));
    assert_eq!(status, 200, "{paid}");
    let callback = receiver.next();
    assert_eq!(callback.body, paid);
    let id = paid["transactionId"].as_str().expect("id");
    let (status, problem) = bank.get(&format!("/transactions/{id}"));
    assert_eq!((status, problem["code"].as_str()), (404, Some("transaction_not_found")), "{problem}");
}

#[test]
fn bank_sim_pays_without_a_callback_or_calls_back_with_a_wrong_amount() {
    let receiver = Receiver::start(0);
    let bank = BankSim::start(&receiver.url);
    let (status, quiet) = bank.pay(&json!({ "qr": fee_qr("APP4"), "payerBank": "014", "noCallback": true }));
    assert_eq!(status, 200, "{quiet}");
    let (status, wrong) = bank.pay(&json!({ "qr": fee_qr("APP5"), "payerBank": "014", "amountOverride": "1.00" }));
    assert_eq!(status, 200, "{wrong}");
    let callback = receiver.next();
    assert_eq!(callback.body["reference1"], "APP5", "only the second payment calls back");
    assert_eq!(callback.body["amount"], "1.00");
    let (_, inquiry) = bank.get(&format!("/transactions/{}", wrong["transactionId"].as_str().expect("id")));
    assert_eq!(inquiry["amount"], "1600.00", "the inquiry tells the amount paid");
    let date = &quiet["transactionDateTime"].as_str().expect("time")[..10];
    let (_, day) = bank.get(&format!("/transactions?date={date}"));
    assert_eq!(day["transactions"], json!([quiet, wrong]), "reconciliation finds the silent payment");
    receiver.nothing_more(Duration::from_millis(500));
}

#[test]
fn bank_sim_retries_a_callback_until_it_is_accepted() {
    let receiver = Receiver::start(2);
    let bank = BankSim::start(&receiver.url);
    let (status, paid) = bank.pay(&json!({ "qr": fee_qr("APP6"), "payerBank": "014" }));
    assert_eq!(status, 200, "{paid}");
    let calls = [receiver.next(), receiver.next(), receiver.next()];
    assert!(calls.iter().all(|c| c.body == paid), "two refused tries, then the accepted one: {calls:?}");
    receiver.nothing_more(Duration::from_millis(1500));
}
