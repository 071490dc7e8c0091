//! `dwp verify --batch`: immigration's bulk check during stay extensions, and an employer's check of
//! its workforce (`--employer`). Every row gets a verdict; a bad row is reported, never aborts the
//! run. Signatures are verified in batches (`dwp_verifier::verify::verify_many`).

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use dwp_verifier::holder::{self, HolderWindow};
use dwp_verifier::time::UnixTime;
use dwp_verifier::verify::{self, Audience, Policy, Rejection, VerifiedPermit};

use crate::files;

/// The largest input file.
pub const MAX_BATCH_BYTES: u64 = 512 << 20;
/// Payloads verified per step (the progress bar moves per step).
const STEP: usize = 1024;

/// One input row: its line number, a reference carried to the report, and the payload or why it is unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based line in the input.
    pub line: usize,
    /// The row's own reference (`ref` or `id` column / member), if any.
    pub reference: String,
    /// The payload, or what is wrong with the row.
    pub payload: Result<String, String>,
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// Reads the rows of a `.csv` or `.jsonl` file.
pub fn parse_rows(text: &str, jsonl: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut columns: Option<(usize, Option<usize>)> = None;
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if jsonl {
            let row = match serde_json::from_str::<Value>(line) {
                Ok(Value::String(p)) => Row { line: line_no, reference: String::new(), payload: Ok(p) },
                Ok(Value::Object(o)) => {
                    let reference = o
                        .get("ref")
                        .or_else(|| o.get("id"))
                        .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
                        .unwrap_or_default();
                    let payload = o
                        .get("payload")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| "no \"payload\" string in the object".to_string());
                    Row { line: line_no, reference, payload }
                }
                Ok(_) => Row { line: line_no, reference: String::new(), payload: Err("not a string or object".into()) },
                Err(e) => Row { line: line_no, reference: String::new(), payload: Err(format!("not JSON: {e}")) },
            };
            rows.push(row);
            continue;
        }
        let fields = split_csv_line(line);
        if columns.is_none() {
            let lower: Vec<String> = fields.iter().map(|f| f.trim().to_ascii_lowercase()).collect();
            if let Some(p) = lower.iter().position(|f| f == "payload") {
                columns = Some((p, lower.iter().position(|f| f == "ref" || f == "id")));
                continue; // a header row
            }
            columns = Some((0, None));
        }
        let (pc, rc) = columns.unwrap_or((0, None));
        let reference = rc.and_then(|i| fields.get(i)).cloned().unwrap_or_default();
        let payload = fields
            .get(pc)
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .ok_or_else(|| format!("no payload in column {}", pc + 1));
        rows.push(Row { line: line_no, reference, payload });
    }
    rows
}

/// A CSV field, quoted when needed, and defused against spreadsheet formulas.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// A verdict's outcome in the summary and the report's `reason`: `valid`, the amber holder warning
/// of a valid permit, or the rejection's code.
fn outcome(verdict: &Result<VerifiedPermit, Rejection>) -> &'static str {
    match verdict {
        Ok(v) => v.holder().warning().map_or("valid", |c| c.as_str()),
        Err(r) => r.code(),
    }
}

fn report_line(out: &mut String, row: &Row, verdict: &Result<VerifiedPermit, Rejection>, now: UnixTime) {
    // The holder column says who showed the permit, once the holder check was reached.
    let (valid, detail, holder, permit) = match verdict {
        Ok(v) => ("true", String::new(), v.holder().as_str(), v.display_fields()),
        Err(r) => {
            let holder = if matches!(r, Rejection::HolderProofInvalid { .. }) { "invalid" } else { "" };
            // A genuine permit refused for this employer or workplace names the worker, so that the
            // employer knows whose permit it is (the verdict document shows it too).
            let permit = match (r, row.payload.as_deref()) {
                (Rejection::OtherEmployer { .. } | Rejection::OtherWorkplace(_), Ok(p)) => holder::decode(p.trim())
                    .map(|(sp, _)| verify::display_fields(&sp, None, None))
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            };
            ("false", r.detail().unwrap_or("").to_string(), holder, permit)
        }
    };
    let reason = outcome(verdict).to_string();
    let as_of = verify::status_as_of(verdict).map(|t| t.to_string()).unwrap_or_default();
    let f = |k: &str| permit.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let cells = [
        row.line.to_string(),
        row.reference.clone(),
        valid.to_string(),
        reason,
        detail,
        f("permitNumber"),
        f("name"),
        f("nationality"),
        permit["document"]["number"].as_str().unwrap_or("").to_string(),
        f("validUntil"),
        as_of,
        now.to_string(),
        holder.to_string(),
    ];
    let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
    let _ = writeln!(out, "{}", line.join(","));
}

/// ", for employer 0215559001234 at TH-21, ESIE" when the batch is checked for an employer.
fn for_whom(audience: &Audience) -> String {
    let Some(scope) = audience.employer() else { return String::new() };
    let place: Vec<&str> =
        [scope.province(), scope.industrial_estate().map(|e| e.as_str())].into_iter().flatten().collect();
    let at = if place.is_empty() { String::new() } else { format!(" at {}", place.join(", ")) };
    format!(", for employer {}{at}", scope.juristic_id())
}

/// Runs a batch: every row's outcome in the summary and the report's `reason` (`other_employer`
/// and `other_workplace` when checked for an employer).
pub fn run(
    input: &Path,
    bundle_path: &Path,
    root: Option<&str>,
    (policy, audience): (Policy, &Audience),
    (now, window): (UnixTime, HolderWindow),
    report: Option<&Path>,
) -> Result<ExitCode> {
    let (bundle, _) = crate::field::load_bundle(bundle_path, root)?;
    let bytes = files::read_bytes(input, "batch file", MAX_BATCH_BYTES)?;
    let text = String::from_utf8_lossy(&bytes);
    let jsonl = match input.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("jsonl" | "ndjson") => true,
        Some("csv" | "txt") => false,
        _ => bail!("{}: the batch file must end in .csv or .jsonl", input.display()),
    };
    let rows = parse_rows(&text, jsonl);
    let bar = indicatif::ProgressBar::new(rows.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} permits  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let mut csv = String::from(
        "line,ref,valid,reason,detail,permitNumber,name,nationality,documentNumber,validUntil,statusAsOf,checkedAt,holder\n",
    );
    let mut rejected = 0usize;
    let start = std::time::Instant::now();
    for chunk in rows.chunks(STEP) {
        let readable: Vec<&str> = chunk.iter().filter_map(|r| r.payload.as_deref().ok()).collect();
        let mut verdicts = verify::verify_many_within(&readable, &bundle, policy, now, window, audience).into_iter();
        for row in chunk {
            let verdict = match &row.payload {
                // invariant: verify_many answers each readable payload once, in order.
                Ok(_) => verdicts.next().expect("invariant: one verdict per readable row"),
                Err(why) => {
                    *counts.entry("unreadable row".into()).or_default() += 1;
                    rejected += 1;
                    let _ = writeln!(
                        csv,
                        "{},{},false,unreadable_row,{},,,,,,,{now},",
                        row.line,
                        csv_field(&row.reference),
                        csv_field(why)
                    );
                    continue;
                }
            };
            rejected += usize::from(verdict.is_err());
            *counts.entry(outcome(&verdict).to_string()).or_default() += 1;
            report_line(&mut csv, row, &verdict, now);
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    let elapsed = start.elapsed().as_secs_f64();
    if let Some(path) = report {
        files::write_public(path, csv.as_bytes()).with_context(|| format!("writing the report {}", path.display()))?;
    }
    let total = rows.len();
    println!("{:<24} {:>9}  {:>6}", "outcome / ผลการตรวจ", "permits", "share");
    for (outcome, n) in &counts {
        println!("{outcome:<24} {n:>9}  {:>5.1}%", 100.0 * *n as f64 / total.max(1) as f64);
    }
    println!(
        "{:<24} {total:>9}  ({:.0} per second, {policy} policy{for_whom})",
        "total / รวม",
        total as f64 / elapsed.max(1e-9),
        policy = policy.as_str(),
        for_whom = for_whom(audience),
    );
    if let Some(path) = report {
        println!("report: {}", path.display());
    }
    // Amber rows (a holder warning) are valid permits: the run fails on rejections and unreadable rows.
    Ok(if rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_from_csv_and_jsonl_and_bad_rows_are_kept() {
        let csv = parse_rows("ref,payload\nA-1,DWP1:AAA\n\"B,2\",\"DWP1:B\"\"\"\nC-3,\n", false);
        assert_eq!(csv.len(), 3);
        assert_eq!((csv[0].reference.as_str(), csv[0].payload.as_deref()), ("A-1", Ok("DWP1:AAA")));
        assert_eq!((csv[1].reference.as_str(), csv[1].payload.as_deref()), ("B,2", Ok("DWP1:B\"")));
        assert!(csv[2].payload.is_err());
        let bare = parse_rows("DWP1:X\nDWP1:Y\n", false);
        assert_eq!(
            bare.iter().map(|r| r.payload.clone()).collect::<Vec<_>>(),
            [Ok("DWP1:X".into()), Ok("DWP1:Y".into())]
        );
        let jsonl = parse_rows("\"DWP1:A\"\n{\"ref\":7,\"payload\":\"DWP1:B\"}\n{oops\n[1]\n", true);
        assert_eq!(jsonl.len(), 4);
        assert_eq!(jsonl[1].reference, "7");
        assert!(jsonl[2].payload.is_err() && jsonl[3].payload.is_err());
    }

    #[test]
    fn report_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }
}
