//! The population register port (rahvastikuregister, RR): notices of a death, and of a
//! disability severity ending (seed `000_19cdf6fb7baf56d8.txt`, social worker and care
//! worker TO-BE: "Kliendi surma fakti andmete saamine rahvastikuregistrist", "Puude
//! raskusastme lõppemise info saamine"). A notice is data with a source, a date and the
//! person's code (`DOMAIN.md` rule 11), imported idempotently.
//!
//! [`parse_notices`] reads the exchange formats (JSON lines and CSV) without I/O; an
//! adapter that reads a file or a service implements [`PopulationRegister`].

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::name_of;
use crate::person::PersonalCode;

/// What a register notice says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum NoticeKind {
    /// The person died on the date.
    Death,
    /// The person's disability severity ends on the date.
    DisabilitySeverityEnding,
}

/// One notice from the population register.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterNotice {
    /// The person.
    pub personal_code: PersonalCode,
    /// What happened.
    pub kind: NoticeKind,
    /// When.
    pub date: NaiveDate,
    /// The register's reference for the notice (1 to [`MAX_SOURCE_REFERENCE`]
    /// characters).
    pub source_reference: String,
}

/// The longest source reference a notice may carry, in characters: a register's
/// reference is a short code, and a longer one is a damaged line, not a notice.
pub const MAX_SOURCE_REFERENCE: usize = 200;

/// Why a source reference is refused, if it is.
pub fn check_source_reference(source: &str) -> Result<(), String> {
    let chars = source.trim().chars().count();
    if chars == 0 {
        Err("the source reference is empty".into())
    } else if chars > MAX_SOURCE_REFERENCE {
        Err(format!(
            "the source reference has {chars} characters, more than {MAX_SOURCE_REFERENCE}"
        ))
    } else {
        Ok(())
    }
}

impl RegisterNotice {
    /// The key that makes an import idempotent: the same notice twice is one notice.
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.personal_code,
            name_of(&self.kind),
            self.date,
            self.source_reference
        )
    }
}

/// A line that could not be read, with its number (1-based) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineProblem {
    /// Line number in the input, from 1.
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// Notices read from an input, each with its line number, and the lines refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeBatch {
    /// Notices read, with their line numbers.
    pub notices: Vec<(usize, RegisterNotice)>,
    /// Lines that could not be read.
    pub malformed: Vec<LineProblem>,
}

/// A source of register notices.
pub trait PopulationRegister {
    /// The notices available now.
    fn fetch(&self) -> Result<NoticeBatch, crate::TehoError>;
}

/// The exchange format of a notices input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum NoticeFormat {
    /// One JSON object a line: `{"personal_code": "...", "kind": "death", "date":
    /// "2026-11-10", "source_reference": "RR-123"}`.
    JsonLines,
    /// CSV with the header `personal_code,kind,date,source_reference`.
    Csv,
}

#[derive(Deserialize, JsonSchema)]
struct JsonNotice {
    personal_code: String,
    kind: String,
    date: String,
    source_reference: String,
}

fn kind(s: &str) -> Result<NoticeKind, String> {
    match s
        .trim()
        .to_ascii_lowercase()
        .replace(['-', ' '], "_")
        .as_str()
    {
        "death" => Ok(NoticeKind::Death),
        "disability_severity_ending" => Ok(NoticeKind::DisabilitySeverityEnding),
        other => Err(format!(
            "unknown kind {other:?}: expected death or disability_severity_ending"
        )),
    }
}

fn notice(code: &str, k: &str, date: &str, source: &str) -> Result<RegisterNotice, String> {
    let personal_code = PersonalCode::parse(code.trim()).map_err(|e| e.to_string())?;
    let kind = kind(k)?;
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| format!("date {:?} is not YYYY-MM-DD", date.trim()))?;
    check_source_reference(source)?;
    let source_reference = source.trim().to_string();
    Ok(RegisterNotice {
        personal_code,
        kind,
        date,
        source_reference,
    })
}

/// Reads notices from text; every line that cannot be read is reported with its number
/// and does not stop the rest. Blank lines are skipped. A CSV file must start with the
/// header `personal_code,kind,date,source_reference`: without it nothing of the file is
/// read (its columns cannot be trusted — a wrong header once recorded a death and
/// cancelled 85 visits), and the header's line is reported.
pub fn parse_notices(text: &str, format: NoticeFormat) -> NoticeBatch {
    let mut batch = NoticeBatch::default();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    if format == NoticeFormat::Csv {
        let mut first = lines.by_ref().find(|(_, l)| !l.trim().is_empty());
        match first.take() {
            Some((_, h))
                if h.trim()
                    .eq_ignore_ascii_case("personal_code,kind,date,source_reference") => {}
            Some((n, _)) => {
                batch.malformed.push(LineProblem {
                    line: n,
                    problem: "expected the header personal_code,kind,date,source_reference; \
                              nothing of the file was read"
                        .into(),
                });
                return batch;
            }
            None => return batch,
        }
    }
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let read = match format {
            NoticeFormat::JsonLines => serde_json::from_str::<JsonNotice>(line)
                .map_err(|e| format!("not a notice object: {e}"))
                .and_then(|j| notice(&j.personal_code, &j.kind, &j.date, &j.source_reference)),
            NoticeFormat::Csv => {
                let fields: Vec<&str> = line.split(',').collect();
                match fields.as_slice() {
                    [code, k, date, source] => notice(code, k, date, source),
                    _ => Err(format!(
                        "expected 4 comma-separated fields, found {}",
                        fields.len()
                    )),
                }
            }
        };
        match read {
            Ok(x) => batch.notices.push((n, x)),
            Err(problem) => batch.malformed.push(LineProblem { line: n, problem }),
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_and_csv_read_the_same_notices_and_report_bad_lines_by_number() {
        let json = r#"{"personal_code":"43803030124","kind":"death","date":"2026-11-10","source_reference":"RR-1"}
not json
{"personal_code":"43803030125","kind":"death","date":"2026-11-10","source_reference":"RR-2"}

{"personal_code":"36506060134","kind":"disability_severity_ending","date":"2026-12-31","source_reference":"RR-3"}"#;
        let b = parse_notices(json, NoticeFormat::JsonLines);
        assert_eq!(
            b.notices.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            [1, 5]
        );
        assert_eq!(
            b.malformed.iter().map(|p| p.line).collect::<Vec<_>>(),
            [2, 3]
        );
        assert!(
            b.malformed[1].problem.contains("check digit"),
            "{}",
            b.malformed[1].problem
        );
        let csv = "personal_code,kind,date,source_reference\n43803030124,death,2026-11-10,RR-1\n43803030124,death,10.11.2026,RR-1\n36506060134,disability_severity_ending,2026-12-31,RR-3\n1,2\n";
        let c = parse_notices(csv, NoticeFormat::Csv);
        assert_eq!(
            c.notices.iter().map(|(_, x)| x.clone()).collect::<Vec<_>>(),
            b.notices.iter().map(|(_, x)| x.clone()).collect::<Vec<_>>()
        );
        assert_eq!(
            c.malformed.iter().map(|p| p.line).collect::<Vec<_>>(),
            [3, 5]
        );
    }

    /// A CSV file whose header is not the expected one imports nothing (issue 17: a
    /// wrong header still imported its rows — a death recorded, 85 visits cancelled).
    #[test]
    fn a_csv_file_without_its_header_imports_nothing() {
        let rows = "43803030124,death,2026-11-10,RR-1\n36506060134,death,2026-11-10,RR-2\n";
        for text in [
            rows.to_string(),
            format!("code,kind,date,source\n{rows}"),
            format!("\n\npersonal_code,date,kind,source_reference\n{rows}"),
        ] {
            let b = parse_notices(&text, NoticeFormat::Csv);
            assert!(b.notices.is_empty(), "{text:?} imported {:?}", b.notices);
            assert_eq!(b.malformed.len(), 1, "{text:?}");
            assert!(
                b.malformed[0]
                    .problem
                    .contains("nothing of the file was read")
            );
        }
        let ok = parse_notices(
            &format!("\npersonal_code,kind,date,source_reference\n{rows}"),
            NoticeFormat::Csv,
        );
        assert_eq!(ok.notices.len(), 2);
    }

    /// A source reference is a short code: a longer one, or none, is a line refused by
    /// number, never a notice (issue 17: 50 MB were accepted).
    #[test]
    fn a_source_reference_is_bounded() {
        let long = "R".repeat(MAX_SOURCE_REFERENCE + 1);
        let text = format!(
            "{{\"personal_code\":\"43803030124\",\"kind\":\"death\",\"date\":\"2026-11-10\",\"source_reference\":\"{long}\"}}\n\
             {{\"personal_code\":\"43803030124\",\"kind\":\"death\",\"date\":\"2026-11-10\",\"source_reference\":\" \"}}\n\
             {{\"personal_code\":\"43803030124\",\"kind\":\"death\",\"date\":\"2026-11-10\",\"source_reference\":\"{}\"}}",
            &long[1..]
        );
        let b = parse_notices(&text, NoticeFormat::JsonLines);
        assert_eq!(b.notices.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [3]);
        assert_eq!(
            b.malformed.iter().map(|p| p.line).collect::<Vec<_>>(),
            [1, 2]
        );
        assert!(
            b.malformed[0].problem.contains("more than 200"),
            "{}",
            b.malformed[0].problem
        );
    }

    proptest::proptest! {
        #[test]
        fn parsing_any_text_never_panics(s in "\\PC{0,200}") {
            let _ = parse_notices(&s, NoticeFormat::JsonLines);
            let _ = parse_notices(&s, NoticeFormat::Csv);
        }
    }
}
