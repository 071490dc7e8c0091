//! The layout of `src/`, read from the source tree: only `main.rs` reaches
//! into the command line, every SQL query is in `src/registry/db/`, and no
//! file grows past one idea.

use std::path::{Path, PathBuf};

/// The most lines a Rust file of any crate may have, its `#[cfg(test)]` module aside.
const MAX_LINES: usize = 450;

/// Files over [`MAX_LINES`] today, waiting to be split. A file leaves this list
/// when it is split; nothing new joins it.
const OVER_THE_LIMIT: &[&str] = &[];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn src() -> PathBuf {
    root().join("src")
}

/// Every crate's sources: the binary's and the library's, the two crates, the developers' tools.
const CRATE_SOURCES: &[&str] = &["src", "verifier/src", "issuer/src", "xtask/src"];

/// Every `.rs` file under `dir`, as (path relative to `base`, text).
fn rust_files(base: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(base, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            let rel = path.strip_prefix(base).expect("under its base").to_string_lossy().replace('\\', "/");
            out.push((rel, text));
        }
    }
}

fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(&src(), &src(), &mut files);
    assert!(files.iter().any(|(p, _)| p == "main.rs"), "no src/main.rs found under {}", src().display());
    files.sort();
    files
}

/// Whether `text` names the `cli` module: a path through it, or a `crate::{…}` group listing it.
fn names_cli(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let path = ["crate::cli", "dwp::cli", "super::cli"].iter().any(|p| {
        compact.match_indices(p).any(|(at, _)| {
            // `crate::client` is another module.
            compact[at + p.len()..].chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
    });
    if path {
        return true;
    }
    compact.match_indices("crate::{").any(|(at, _)| {
        let group = &compact[at + "crate::{".len()..];
        let group = &group[..group.find('}').unwrap_or(group.len())];
        group.split(',').any(|item| item == "cli" || item.starts_with("cli::"))
    })
}

#[test]
fn only_main_imports_the_command_line() {
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(path, _)| path != "main.rs" && !path.starts_with("cli/"))
        .filter(|(_, text)| names_cli(text))
        .map(|(path, _)| format!("src/{path}"))
        .collect();
    assert!(
        offenders.is_empty(),
        "only src/main.rs may use the command line (src/cli/); move what these need into a library module: {offenders:?}"
    );
}

#[test]
fn names_cli_sees_paths_and_groups() {
    assert!(names_cli("use crate::cli::{ISSUER_KEY};"));
    assert!(names_cli("let k = crate :: cli :: load_issuer_key(dir)?;"));
    assert!(names_cli("use crate::{cli, files};"));
    assert!(names_cli("dwp::cli::run(cli)"));
    assert!(!names_cli("use crate::{client, files};\nuse crate::client::Agent;\nfn create_token_cli() {}"));
}

/// What runs SQL through sqlx: only `src/registry/db/` may name these.
const SQL_CALLS: &[&str] = &["sqlx::query", "query_scalar", "query_as", "raw_sql"];

/// The SQL calls `text` makes outside its `#[cfg(test)]` module.
fn sql_calls(text: &str) -> Vec<&'static str> {
    let code: String = text.lines().take_while(|l| !l.starts_with("#[cfg(test)]")).collect::<Vec<_>>().join("\n");
    SQL_CALLS.iter().copied().filter(|call| code.contains(call)).collect()
}

#[test]
fn every_sql_query_is_in_the_registry_db() {
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(path, _)| !path.starts_with("registry/db/"))
        .filter_map(|(path, text)| {
            let calls = sql_calls(&text);
            (!calls.is_empty()).then(|| format!("src/{path} ({})", calls.join(", ")))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "SQL belongs in src/registry/db/; move these queries into a function there: {offenders:?}"
    );
}

#[test]
fn sql_calls_are_seen_outside_tests_only() {
    assert_eq!(sql_calls("let n = sqlx::query_scalar(\"SELECT 1\")"), vec!["sqlx::query", "query_scalar"]);
    assert_eq!(sql_calls("conn.raw_sql(\"PRAGMA x\")"), vec!["raw_sql"]);
    assert!(sql_calls("fn f() {}\n#[cfg(test)]\nmod tests { sqlx::query(\"SELECT 1\"); }").is_empty());
}

/// Lines of `text` before its `#[cfg(test)]` module, if any.
fn lines_outside_tests(text: &str) -> usize {
    text.lines().take_while(|l| !l.starts_with("#[cfg(test)]")).count()
}

/// Every crate's `.rs` files, as (path relative to the workspace, text).
fn all_sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for dir in CRATE_SOURCES {
        rust_files(&root(), &root().join(dir), &mut files);
    }
    assert!(files.iter().any(|(p, _)| p == "verifier/src/lib.rs"), "no verifier/src/lib.rs under {}", root().display());
    files.sort();
    files
}

#[test]
fn no_new_file_over_the_line_limit() {
    let files = all_sources();
    let over: Vec<(String, usize)> = files
        .iter()
        .map(|(path, text)| (path.clone(), lines_outside_tests(text)))
        .filter(|(_, n)| *n > MAX_LINES)
        .collect();
    let new: Vec<String> = over
        .iter()
        .filter(|(p, _)| !OVER_THE_LIMIT.contains(&p.as_str()))
        .map(|(p, n)| format!("{p} ({n} lines)"))
        .collect();
    assert!(new.is_empty(), "files over {MAX_LINES} lines outside their tests; find the second idea in each: {new:?}");
    let stale: Vec<&str> =
        OVER_THE_LIMIT.iter().copied().filter(|allowed| !over.iter().any(|(p, _)| p == allowed)).collect();
    assert!(stale.is_empty(), "split or gone, take them off OVER_THE_LIMIT: {stale:?}");
}
