//! The `teho` command line end to end: the demo into a kept file, a notices import
//! (twice: idempotent), and audit verification with and without a checkpoint.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::process::{Command, Output};

fn teho(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_teho"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn demo_notices_import_and_audit_verify_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let db = db.to_str().unwrap();
    let demo = teho(&["demo", "--db", db]);
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    assert!(stdout(&demo).contains("chain intact"));
    // A fresh demo never overwrites an existing file.
    let again = teho(&["demo", "--db", db]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let notices = dir.path().join("notices.csv");
    std::fs::write(
        &notices,
        "personal_code,kind,date,source_reference\n36506060134,death,2026-11-21,RR-77\nbroken\n",
    )
    .unwrap();
    let first = teho(&["notices", "import", "--db", db, notices.to_str().unwrap()]);
    let out = stdout(&first);
    assert!(out.contains("line 2: death recorded"), "{out}");
    assert!(out.contains("line 3: NOT IMPORTED"), "{out}");
    assert_eq!(
        first.status.code(),
        Some(1),
        "a bad line makes the exit code 1"
    );
    let second = teho(&["notices", "import", "--db", db, notices.to_str().unwrap()]);
    assert!(stdout(&second).contains("line 2: already imported, nothing changed"));

    let cp = teho(&["audit", "checkpoint", "--db", db]);
    let cp = stdout(&cp).trim().to_string();
    let verify = teho(&["audit", "verify", "--db", db, "--checkpoint", &cp]);
    assert!(verify.status.success());
    assert!(stdout(&verify).contains("audit chain intact"));
    let bad = teho(&["audit", "verify", "--db", db, "--checkpoint", "12:zz"]);
    assert_eq!(bad.status.code(), Some(2));
    let missing = teho(&[
        "audit",
        "verify",
        "--db",
        dir.path().join("nope.db").to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
}
