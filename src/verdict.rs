//! A verdict for people: the verdict document of
//! `dwp_verifier::report::document` printed on the terminal, in English and Thai.

use serde_json::Value;

fn field<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter().try_fold(v, |v, k| v.get(k)).and_then(Value::as_str).unwrap_or("-")
}

/// Prints a verdict for people, in English and Thai.
pub fn print_verdict(report: &Value) {
    let en = field(report, &["message", "en"]);
    let th = field(report, &["message", "th"]);
    if report["valid"] == true {
        let warning = report["warning"].as_str();
        match report.get("statusFreshness").filter(|_| warning.is_none()) {
            Some(f) => println!(
                "VALID / ถูกต้อง — {en} {th} — {} / {}",
                f["en"].as_str().unwrap_or("-"),
                f["th"].as_str().unwrap_or("-")
            ),
            None => match warning {
                Some(w) => println!("VALID, CHECK THE PASSPORT / ถูกต้อง ให้ตรวจหนังสือเดินทาง ({w}) — {en} {th}"),
                None => println!("VALID / ถูกต้อง — {en} {th}"),
            },
        }
        let p = &report["permit"];
        println!("  Permit / เลขที่ใบอนุญาต     {} ({})", field(p, &["permitNumber"]), field(p, &["category"]));
        let native = p.get("nativeName").and_then(Value::as_str).map(|n| format!(" ({n})")).unwrap_or_default();
        println!("  Name / ชื่อ               {}{native}", field(p, &["name"]));
        println!("  Nationality / สัญชาติ      {} ({})", field(p, &["nationalityName"]), field(p, &["nationality"]));
        println!("  Born / วันเกิด             {}", field(p, &["birthDate"]));
        println!(
            "  Document / เอกสาร         {} {} ({})",
            field(p, &["document", "type"]),
            field(p, &["document", "number"]),
            field(p, &["document", "country"])
        );
        println!(
            "  Employer / นายจ้าง         {} ({})",
            field(p, &["employer", "name"]),
            field(p, &["employer", "juristicId"])
        );
        println!(
            "  Workplace / สถานที่ทำงาน   {} / {} {}",
            field(p, &["workplace", "provinceName", "en"]),
            field(p, &["workplace", "provinceName", "th"]),
            p["workplace"]["industrialEstate"].as_str().unwrap_or("")
        );
        println!(
            "  Occupation / อาชีพ        {} {}",
            field(p, &["occupation", "isco08"]),
            field(p, &["occupation", "title"])
        );
        println!("  Valid / มีผล               {} to/ถึง {}", field(p, &["validFrom"]), field(p, &["validUntil"]));
        println!("  Issuer / ผู้ออก             {}", field(p, &["issuerName", "en"]));
        if report["statusChecked"] == true {
            println!(
                "  Status / สถานะ             not revoked or suspended — {} / {}",
                field(report, &["statusFreshness", "en"]),
                field(report, &["statusFreshness", "th"])
            );
        } else {
            println!("  Status lists not checked (no bundle) / ยังไม่ได้ตรวจสถานะการเพิกถอน");
        }
        print_holder(report);
    } else {
        println!("REJECTED / ไม่ผ่าน ({}) — {en} {th}", field(report, &["reason"]));
        println!("  {}", field(report, &["explanation"]));
        if report.get("statusFreshness").is_some() {
            println!("  {} / {}", field(report, &["statusFreshness", "en"]), field(report, &["statusFreshness", "th"]));
        }
    }
}

/// The holder line of a valid verdict (`wallet-spec/SPEC.md` §12).
fn print_holder(report: &Value) {
    let line = match report["holder"].as_str() {
        Some("live") => {
            format!("{} / {}", field(report, &["holderFreshness", "en"]), field(report, &["holderFreshness", "th"]))
        }
        Some("stale" | "missing") => {
            format!("{} / {}", field(report, &["title", "en"]), field(report, &["title", "th"]))
        }
        _ => "not bound to a phone key (a printed card) / ไม่ได้ผูกกับกุญแจของโทรศัพท์".to_string(),
    };
    println!("  Holder / ผู้ถือ             {line}");
}
