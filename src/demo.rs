//! `dwp demo`: the whole journey on one machine, offline — keys, the sample
//! permit signed, its QR shown and saved, the saved image read back with a real
//! decoder, and the verdict printed in English and Thai.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use dwp_issuer::qr::Qr;
use dwp_verifier::credential::StatusRef;
use dwp_verifier::permit::Permit;
use dwp_verifier::verify;

use crate::files;
use crate::issuance::{issue_with, random_index};
use crate::keyfiles::{ISSUER_KEY, ROOT_PUBLIC, TRUST_LIST, generate_keys, load_trust};
use crate::registry::Clock;
use crate::verdict::print_verdict;

/// The sample permit of the format's specification.
pub const SAMPLE_PERMIT: &str = include_str!("../wallet-spec/examples/permit-sample.json");
/// The largest realistic permit: a 60-character Thai employer name, a Burmese name, a holder key.
pub const WORST_PERMIT: &str = include_str!("../wallet-spec/examples/permit-worst.json");

/// Runs the demo in `out`.
pub fn run(out: &Path) -> Result<ExitCode> {
    let now = Clock::system().now();
    if out.join(ISSUER_KEY).exists() {
        println!("1. Using the demo keys in {}", out.display());
    } else {
        generate_keys(out, "did:web:dwp.doe.go.th", &dwp_issuer::trust::Authority::demo(), now)?;
        println!("1. Generated demo keys in {} (secret keys with mode 0600)", out.display());
    }
    let permit = Permit::from_json(SAMPLE_PERMIT).context("the sample permit")?;
    let status = StatusRef { shard: 1, index: random_index().context("system random source")? };
    let issued = issue_with(out, permit, now, status)?;
    let qr = Qr::new(&issued.payload)?;
    println!(
        "2. Signed the sample permit {}: payload {} characters, QR version {} at error correction Q",
        issued.signed.permit().permit_number(),
        issued.payload.len(),
        qr.version()
    );
    println!("{}", qr.terminal());
    println!("{}\n", issued.payload);
    let png = out.join("permit.png");
    files::write_public(&png, &qr.png(8)?)?;
    files::write_public(&out.join("permit.svg"), qr.svg().as_bytes())?;
    let credential: Value = serde_json::from_str(&issued.credential_json)?;
    files::write_public(&out.join("permit-credential.json"), serde_json::to_string_pretty(&credential)?.as_bytes())?;
    println!("3. Wrote {}, permit.svg and permit-credential.json (the W3C VC 2.0 credential)", png.display());

    let scanned = crate::scan::payload_from_image(&png)?;
    if scanned != issued.payload {
        bail!("the QR image decoded to a different payload");
    }
    println!("4. Read the PNG back with the rxing QR decoder: same payload");

    let root = out.join(ROOT_PUBLIC).to_string_lossy().to_string();
    let (trust, pinned) = load_trust(&out.join(TRUST_LIST), Some(&root))?;
    let verdict = verify::verify(&scanned, &trust, now);
    println!("5. Verified offline against {} (root key pinned), at {now}:\n", out.join(TRUST_LIST).display());
    let mut doc = dwp_verifier::report::document(&scanned, &verdict, &trust, None, now);
    doc["rootPinned"] = pinned.into();
    print_verdict(&doc);
    println!(
        "\nTry: dwp verify --trust {0}/trust-list.json --root {0}/root-public-key.json --image {0}/permit.png",
        out.display()
    );
    Ok(if verdict.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
