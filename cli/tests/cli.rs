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

    // The operator prints the client's access log on the client's request.
    let log = teho(&["access-log", "--db", db, "--client", "43803030124"]);
    assert!(
        log.status.success(),
        "{}",
        String::from_utf8_lossy(&log.stderr)
    );
    assert!(
        stdout(&log).contains("client_file.read"),
        "{}",
        stdout(&log)
    );
    // Retention as the administrator the demo names.
    let ids = stdout(&demo);
    let admin = ids
        .split("administrator ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .trim()
        .to_string();
    let due = teho(&[
        "retention",
        "due",
        "--db",
        db,
        "--at",
        "2036-11-20",
        "--as",
        &admin,
    ]);
    assert!(
        due.status.success(),
        "{}",
        String::from_utf8_lossy(&due.stderr)
    );
    assert!(stdout(&due).contains("TEHO-1.1"), "{}", stdout(&due));
    let holds = teho(&["holds", "list", "--db", db, "--as", &admin]);
    assert!(holds.status.success());
    let head = ids
        .split("head of department ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .trim()
        .to_string();
    let create = teho(&[
        "destruction-act",
        "create",
        "--db",
        db,
        "--as",
        &admin,
        "--series",
        "TEHO-1.1",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--planned",
        "2036-11-20",
        "--appraisal",
        "RA 2036/1",
        "--method",
        "secure deletion",
        "--place",
        "Tallinn",
    ]);
    assert!(
        create.status.success(),
        "{}",
        String::from_utf8_lossy(&create.stderr)
    );
    let act = stdout(&create)
        .split_whitespace()
        .nth(2)
        .unwrap()
        .to_string();
    let self_approve = teho(&[
        "destruction-act",
        "approve",
        "--db",
        db,
        "--as",
        &admin,
        "--act",
        &act,
    ]);
    assert_eq!(
        self_approve.status.code(),
        Some(2),
        "the author cannot approve"
    );
    let approve = teho(&[
        "destruction-act",
        "approve",
        "--db",
        db,
        "--as",
        &head,
        "--act",
        &act,
    ]);
    assert!(
        approve.status.success(),
        "{}",
        String::from_utf8_lossy(&approve.stderr)
    );
    // Today (2026) nothing of it is due yet: execution is refused, naming the record.
    let early = teho(&[
        "destruction-act",
        "execute",
        "--db",
        db,
        "--as",
        &head,
        "--act",
        &act,
    ]);
    assert_eq!(early.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&early.stderr).contains("not due before"),
        "{}",
        String::from_utf8_lossy(&early.stderr)
    );
    let refused = teho(&[
        "retention",
        "due",
        "--db",
        db,
        "--at",
        "2036-11-20",
        "--as",
        "not-a-uuid",
    ]);
    assert_eq!(refused.status.code(), Some(2));

    let cp = teho(&["audit", "checkpoint", "--db", db]);
    let cp = stdout(&cp).trim().to_string();
    let verify = teho(&["audit", "verify", "--db", db, "--checkpoint", &cp]);
    assert!(verify.status.success());
    assert!(stdout(&verify).contains("audit chain intact"));
    let bad = teho(&["audit", "verify", "--db", db, "--checkpoint", "12:zz"]);
    assert_eq!(bad.status.code(), Some(2));
    let since = teho(&["audit", "verify", "--db", db, "--since", &cp]);
    assert!(
        stdout(&since).contains("audit chain intact: 2 entries after entry"),
        "{}",
        stdout(&since)
    );
    let forensic = teho(&["audit", "verify", "--db", db, "--read-only"]);
    assert!(forensic.status.success());
    assert!(stdout(&forensic).contains("forensic verification"));
    assert!(stdout(&forensic).contains("audit chain intact"));
}

/// Only `init` and the demo create a database; every other command on a missing or
/// empty file says it is not a TEHO database and leaves it as it was (issue 17, item 6).
#[test]
fn only_init_and_the_demo_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.db");
    let missing = missing.to_str().unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let empty = empty.to_str().unwrap();
    for db in [missing, empty] {
        for args in [
            &["audit", "verify", "--db", db][..],
            &["audit", "verify", "--db", db, "--read-only"],
            &["audit", "checkpoint", "--db", db],
            &["access-log", "--db", db, "--client", "43803030124"],
            &[
                "holds",
                "list",
                "--db",
                db,
                "--as",
                "0190f2a0-0000-7000-8000-000000000001",
            ],
        ] {
            let out = teho(args);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("not a TEHO database"), "{args:?}: {err}");
        }
    }
    assert!(!std::path::Path::new(missing).exists());
    assert_eq!(std::fs::metadata(empty).unwrap().len(), 0);

    let init = teho(&["init", "--db", missing]);
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let verify = teho(&["audit", "verify", "--db", missing]);
    assert!(
        stdout(&verify).contains("audit chain intact: 0 entries"),
        "{}",
        stdout(&verify)
    );
    let again = teho(&["init", "--db", missing]);
    assert_eq!(again.status.code(), Some(2), "init never over a database");
    let verify = teho(&["audit", "verify", "--db", missing]);
    assert!(
        stdout(&verify).contains("audit chain intact: 1 entries"),
        "{}",
        stdout(&verify)
    );
}

/// A well-formed checkpoint.
const CP: &str = "1:0000000000000000000000000000000000000000000000000000000000000000";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The subcommands `teho <path> --help` lists under "Commands:" (without `help`).
fn listed(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect()
}

/// Every command teaches itself (issue 21, item 5): the walk starts at `teho --help`
/// and follows every subcommand each help lists, so a new one is walked without a line
/// here. Each help exits 0 and shows the command's own usage line.
#[test]
fn every_subcommand_has_its_help() {
    let mut walked = Vec::new();
    let mut todo = vec![Vec::<String>::new()];
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = teho(&args);
        let shown = format!("teho {}", path.join(" "));
        assert!(out.status.success(), "{shown} --help: {}", stderr(&out));
        let help = stdout(&out);
        assert!(
            help.contains(&format!("Usage: {}", shown.trim_end())),
            "{shown} --help shows another usage:\n{help}"
        );
        for sub in listed(&help) {
            let mut deeper = path.clone();
            deeper.push(sub);
            todo.push(deeper);
        }
        walked.push(shown);
    }
    walked.sort();
    // What the operator knew before clap, each still there.
    for old in [
        "teho demo",
        "teho init",
        "teho api",
        "teho audit verify",
        "teho audit checkpoint",
        "teho notices import",
        "teho access-log",
        "teho retention due",
        "teho holds list",
        "teho holds set",
        "teho holds lift",
        "teho destruction-act create",
        "teho destruction-act approve",
        "teho destruction-act execute",
        "teho completions",
    ] {
        assert!(
            walked.iter().any(|w| w == old),
            "{old} not walked: {walked:?}"
        );
    }
    // Flags named in each help: the ones the commands took before.
    let verify = stdout(&teho(&["audit", "verify", "--help"]));
    for flag in [
        "--db",
        "--checkpoint ",
        "--since",
        "--deep",
        "--read-only",
        "--checkpoints",
        "--checkpoint-every",
    ] {
        assert!(verify.contains(flag), "audit verify --help lacks {flag}");
    }
}

/// Bad arguments get clap's errors, exit 2, naming the argument and what it wanted —
/// never an id or a date silently taken for something else.
#[test]
fn bad_arguments_are_refused_by_name() {
    let cases: &[(&[&str], &str)] = &[
        (&["notices", "import", "--db", "x.db"], "<FILE>"),
        (
            &["demo", "--checkpoints", "c.txt"],
            "unexpected argument '--checkpoints'",
        ),
        (
            &[
                "holds",
                "lift",
                "--db",
                "x.db",
                "--as",
                "Anu",
                "--hold",
                "0190f2a0-0000-7000-8000-000000000001",
            ],
            "'--as <WORKER_ID>'",
        ),
        (
            &[
                "retention",
                "due",
                "--db",
                "x.db",
                "--as",
                "0190f2a0-0000-7000-8000-000000000001",
                "--at",
                "2027-02-29",
            ],
            "not a date YYYY-MM-DD",
        ),
        (
            &["audit", "verify", "--db", "x.db", "--checkpoint", "12:zz"],
            "'--checkpoint <ENTRIES:HASH>'",
        ),
        (
            &["audit", "verify", "--db", "x.db", "--since", CP, "--deep"],
            "cannot be used with",
        ),
        (
            &[
                "audit",
                "verify",
                "--db",
                "x.db",
                "--checkpoint-every",
                "0",
                "--checkpoints",
                "c",
            ],
            "--checkpoint-every",
        ),
        (
            &[
                "audit",
                "verify",
                "--db",
                "x.db",
                "--checkpoint-every",
                "10",
            ],
            "--checkpoints <FILE>",
        ),
        (
            &[
                "notices", "import", "--db", "x.db", "--format", "xml", "n.txt",
            ],
            "[possible values: jsonl, csv]",
        ),
        (
            &["destruction-act", "sign"],
            "unrecognized subcommand 'sign'",
        ),
        (&["completions", "tcsh"], "invalid value 'tcsh'"),
    ];
    for (args, says) in cases {
        let out = teho(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(
            !std::path::Path::new("x.db").exists(),
            "{args:?} made a file"
        );
    }
    // A personal code that does not parse is refused without being repeated.
    let out = teho(&[
        "access-log",
        "--db",
        "nowhere.db",
        "--client",
        "43803030125",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("43803030125"), "{}", stderr(&out));
}

/// `teho completions SHELL` prints a completion script that knows the subcommands.
#[test]
fn shell_completions_know_every_command() {
    for (shell, marker) in [
        ("bash", "_teho()"),
        ("zsh", "#compdef teho"),
        ("fish", "complete -c teho"),
    ] {
        let out = teho(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: no {marker}");
        for word in ["destruction-act", "access-log", "checkpoint-every"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
}

/// Helju's access log on the command line (the operator's view for her request).
fn helju_access_log(db: &str) -> String {
    stdout(&teho(&[
        "access-log",
        "--db",
        db,
        "--client",
        "44001010013",
    ]))
}

/// The id after `label` in the demo's "ids for the operator commands" line.
fn id_after(demo: &str, label: &str) -> String {
    let line = demo
        .lines()
        .find(|l| l.starts_with("ids for the operator commands: "))
        .unwrap();
    line.split(label)
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .trim()
        .to_string()
}

/// `teho export ics` writes a client's calendar as iCalendar for her care manager and records
/// the disclosure in the client's access log; a refused export writes and records
/// nothing, and leaves a file already at the path as it was.
#[test]
fn export_ics_writes_the_calendar_and_records_the_disclosure() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let db = db.to_str().unwrap();
    let demo = teho(&["demo", "--db", db]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let out = stdout(&demo);
    let (manager, file) = (
        id_after(&out, "care manager "),
        id_after(&out, "Helju's file "),
    );
    assert!(
        out.contains("teho export ics --db"),
        "the demo shows the command"
    );
    let ics = dir.path().join("helju.ics");
    let args = |who: &str, path: &str| {
        vec![
            "export".to_string(),
            "ics".into(),
            "--db".into(),
            db.into(),
            "--as".into(),
            who.into(),
            "--file".into(),
            file.clone(),
            "--from".into(),
            "2026-10-01".into(),
            "--until".into(),
            "2026-10-31".into(),
            "--to".into(),
            "the home-care roster".into(),
            "--basis".into(),
            "TTKS § 4^1".into(),
            "--out".into(),
            path.into(),
        ]
    };
    let run = |a: Vec<String>| teho(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let done = run(args(&manager, ics.to_str().unwrap()));
    assert!(done.status.success(), "{}", stderr(&done));
    let text = std::fs::read_to_string(&ics).unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    let events = text.matches("BEGIN:VEVENT").count();
    assert!(events > 10, "{events} events");
    assert!(
        stderr(&done).contains(&format!("{events} visit(s) exported")),
        "{}",
        stderr(&done)
    );
    // Helju's access log shows the disclosure.
    let log = helju_access_log(db);
    assert!(log.contains("Disclosure"), "{log}");
    assert!(log.contains("the home-care roster"), "{log}");

    // Someone outside the network is refused; the file already there stays as it was.
    let admin = id_after(&out, "administrator ");
    let refused = run(args(&admin, ics.to_str().unwrap()));
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("denied"), "{}", stderr(&refused));
    assert_eq!(std::fs::read_to_string(&ics).unwrap(), text);
    let log_after = helju_access_log(db);
    assert_eq!(log_after.matches("the home-care roster").count(), 1);
    // The same file as FHIR R4, to standard output: a Bundle, and a second disclosure.
    let fhir = teho(&[
        "export",
        "fhir",
        "--db",
        db,
        "--as",
        &manager,
        "--file",
        &file,
        "--from",
        "2026-10-01",
        "--until",
        "2026-10-31",
        "--to",
        "Ida-Tallinna Keskhaigla",
        "--basis",
        "TTKS § 4^1",
    ]);
    assert!(fhir.status.success(), "{}", stderr(&fhir));
    let bundle: serde_json::Value = serde_json::from_str(&stdout(&fhir)).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    let n = bundle["entry"].as_array().unwrap().len();
    assert!(
        stderr(&fhir).contains(&format!("{n} resources exported")),
        "{}",
        stderr(&fhir)
    );
    let log = helju_access_log(db);
    assert!(log.contains("HL7 FHIR R4"), "{log}");
    // Without --out the calendar goes to standard output.
    let mut plain = args(&manager, "");
    plain.truncate(plain.len() - 2);
    let printed = run(plain);
    assert!(
        stdout(&printed).starts_with("BEGIN:VCALENDAR"),
        "{}",
        stderr(&printed)
    );
}
