//! The restore drill, on both engines: a verifier in the field syncs; the
//! database is backed up beside the running registry; more is published (a
//! permit issued, one revoked, a rotation's trust list) and the verifier syncs
//! again; the backup is restored and the registry started again. The verifier
//! takes the next bundle (no sequence went down), the permit issued after the
//! backup and the revocation are reported lost, and no status index is handed
//! out twice.

use serde_json::{Value, json};

use crate::common::{code, dwp, stderr, stdout};
use crate::server::{Engine, Registry, Server, sample_permit};

fn status_of(permit: &Value) -> (i64, i64) {
    (permit["status"]["shard"].as_i64().expect("shard"), permit["status"]["index"].as_i64().expect("index"))
}

fn drill(engine: Engine) {
    let mut s = Server::start(engine);
    let dir = tempfile::tempdir().expect("tempdir");
    let data = s.data().display().to_string();
    let root = s.data().join("keys/root-public-key.json").display().to_string();
    let reg = s.token("registrar", None);
    let kept = s.issue(&reg, &sample_permit(1));
    let revoked_later = s.issue(&reg, &sample_permit(2));
    let held = dir.path().join("held.json").display().to_string();
    let fetch = |s: &Server| dwp(&["bundle", "fetch", "--from", &s.base, "--out", &held, "--root", &root]);
    let out = fetch(&s);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // The backup, beside the running registry.
    let file = dir.path().join("registry.backup").display().to_string();
    let out = s.beside(&["backup", "--data", &data, "--to", &file]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(code(&s.beside(&["backup", "--data", &data, "--to", &file])), 2, "a backup never overwrites");

    // Published after the backup: a permit, a revocation, a trust list; the field syncs.
    let lost = s.issue(&reg, &sample_permit(3));
    let lost_id = lost["id"].as_str().expect("id").to_string();
    let gone_id = revoked_later["id"].as_str().expect("id").to_string();
    assert_eq!(s.act(&reg, &gone_id, "revoke", &json!({ "reason": "drill" })).status, 200);
    let out = s.beside(&["keys", "rotate", "--data", &data]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let out = fetch(&s);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let synced: Value = serde_json::from_str(&std::fs::read_to_string(&held).expect("held")).expect("bundle");
    assert_eq!(synced["trustList"]["sequence"], 2, "the field holds trust list 2");

    // The restore, the registry stopped.
    s.kill();
    let out = s.beside(&["restore", "--data", &data, "--from", &file]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}{}", stderr(&out));
    assert!(text.contains("1 permit(s) issued and 1 status change(s) made after the backup"), "{text}");
    assert!(text.contains(&format!("issued after the backup: {lost_id}")), "{text}");
    assert!(text.contains(&format!("changed after the backup: {gone_id} was revoked")), "{text}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(s.data().join("lost-in-restore-1.json")).expect("report"))
            .expect("json");
    assert_eq!(report["lostPermits"][0]["id"], lost_id.as_str());
    s.restart();
    assert!(s.stderr().contains("published again the trust list of sequence 2"), "{}", s.stderr());
    assert_eq!(s.get("/trust-list", None).json()["sequence"], 2, "the trust list did not go back");

    // The verifier in the field takes the next bundle; the new permits take indices no permit had.
    let out = fetch(&s);
    assert_eq!(
        code(&out),
        0,
        "a verifier that synced after the backup accepts the restored registry: {}",
        stderr(&out)
    );
    let taken = [status_of(&kept), status_of(&revoked_later), status_of(&lost)];
    for n in 10..14 {
        let p = s.issue(&reg, &sample_permit(n));
        assert!(!taken.contains(&status_of(&p)), "index {:?} handed out twice", status_of(&p));
        assert!(status_of(&p).0 > status_of(&lost).0, "new permits start in a shard above the lost one's");
    }
    // The lost revocation is made again by the registrar, and the field sees it.
    assert_eq!(s.act(&reg, &gone_id, "revoke", &json!({ "reason": "made again after the restore" })).status, 200);
    let out = fetch(&s);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let auditor = s.token("auditor", None);
    let verified = s.get("/v1/audit/verify", Some(&auditor));
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert_eq!(verified.json()["valid"], true, "the audit chain after the restore: {}", verified.body);
}
crate::both_engines!(the_restore_drill, super::drill);
