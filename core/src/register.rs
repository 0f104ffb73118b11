//! The population register port (rahvastikuregister, RR): notices of a death, and of a
//! disability severity ending (seed `000_19cdf6fb7baf56d8.txt`, social worker and care
//! worker TO-BE: "Kliendi surma fakti andmete saamine rahvastikuregistrist", "Puude
//! raskusastme lõppemise info saamine"). A notice is data with a source, a date and the
//! person's code (`DOMAIN.md` rule 11), imported idempotently.
//!
//! [`NoticeReader`] reads the exchange formats (JSON lines and CSV) from any stream, in
//! chunks, and [`parse_notices`] from text; an adapter that reads a file or a service
//! implements [`PopulationRegister`].

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

/// The longest line of a notices file: a notice is a few dozen characters, and a longer
/// line is damage, refused by number without reading it whole into memory.
pub const MAX_LINE: usize = 64 * 1024;

/// The CSV header a notices file must start with.
const CSV_HEADER: [&str; 4] = ["personal_code", "kind", "date", "source_reference"];

/// Reads notices from a stream, in chunks ([`NoticeReader::next_chunk`]), so that a file
/// of any size is imported a thousand lines at a time, with progress between chunks,
/// and never held whole in memory. Every line that cannot be read is reported with its
/// number and does not stop the rest; blank lines are skipped. CSV is read as RFC 4180
/// says (quoted fields, doubled quotes, commas and line breaks inside quotes: the same
/// notice in CSV and in JSON lines is the same notice) and must start with the header
/// `personal_code,kind,date,source_reference`: without it nothing of the file is read —
/// its columns cannot be trusted (a wrong header once recorded a death and cancelled 85
/// visits) — and the header's line is reported.
pub struct NoticeReader<R: std::io::BufRead> {
    input: R,
    format: NoticeFormat,
    /// The header was read (or refused: then nothing more is).
    started: bool,
    /// Nothing more to read.
    done: bool,
    /// Lines read so far (the number of the last one).
    lines: usize,
}

impl<R: std::io::BufRead> NoticeReader<R> {
    /// A reader of `input` in `format`.
    pub fn new(input: R, format: NoticeFormat) -> Self {
        Self {
            input,
            format,
            started: false,
            done: false,
            lines: 0,
        }
    }

    /// The number of the last line read so far (progress).
    pub fn lines_read(&self) -> usize {
        self.lines
    }

    /// The next notices, at most `max` (and their problems), or `None` at the end. A
    /// CSV file's wrong header is its first chunk's only problem, and nothing follows.
    pub fn next_chunk(&mut self, max: usize) -> Option<NoticeBatch> {
        if self.done {
            return None;
        }
        let mut batch = NoticeBatch::default();
        while batch.notices.len() + batch.malformed.len() < max.max(1) {
            match self.next_line() {
                Some((n, Ok(notice))) => batch.notices.push((n, notice)),
                Some((line, Err(problem))) => batch.malformed.push(LineProblem { line, problem }),
                None => {
                    self.done = true;
                    break;
                }
            }
        }
        Some(batch)
    }

    /// The next line that holds something: its number and its notice or problem.
    fn next_line(&mut self) -> Option<(usize, Result<RegisterNotice, String>)> {
        if self.done {
            return None;
        }
        let input = &mut self.input;
        match self.format {
            NoticeFormat::JsonLines => loop {
                let (n, line) = match read_bounded_line(input, &mut self.lines) {
                    Ok(Some(l)) => l,
                    Ok(None) => return None,
                    Err(problem) => return Some((self.lines, Err(problem))),
                };
                if line.trim().is_empty() {
                    continue;
                }
                return Some((
                    n,
                    serde_json::from_str::<JsonNotice>(&line)
                        .map_err(|e| format!("not a notice object: {e}"))
                        .and_then(|j| {
                            notice(&j.personal_code, &j.kind, &j.date, &j.source_reference)
                        }),
                ));
            },
            NoticeFormat::Csv => loop {
                // A record is a line, or more while a quoted field is open (an odd
                // number of quotes so far): its number is its first line's.
                let (n, mut text) = match read_bounded_line(input, &mut self.lines) {
                    Ok(Some(l)) => l,
                    Ok(None) => return None,
                    Err(problem) => return Some((self.lines, Err(problem))),
                };
                while text.bytes().filter(|b| *b == b'"').count() % 2 == 1 {
                    match read_bounded_line(input, &mut self.lines) {
                        Ok(Some((_, more))) if text.len() + more.len() < MAX_LINE => {
                            text.push('\n');
                            text.push_str(&more);
                        }
                        Ok(Some(_)) => {
                            return Some((n, Err(format!("longer than {MAX_LINE} bytes"))));
                        }
                        Ok(None) => break,
                        Err(problem) => return Some((n, Err(problem))),
                    }
                }
                if text.trim().is_empty() {
                    continue;
                }
                let fields = csv_record(&text);
                if !self.started {
                    self.started = true;
                    let header = fields.as_ref().is_ok_and(|f| {
                        f.len() == CSV_HEADER.len()
                            && f.iter()
                                .zip(CSV_HEADER)
                                .all(|(f, h)| f.trim().eq_ignore_ascii_case(h))
                    });
                    if header {
                        continue;
                    }
                    self.done = true;
                    return Some((n, Err(header_problem())));
                }
                return Some((
                    n,
                    fields.and_then(|f| match f.as_slice() {
                        [code, k, date, source] => notice(code, k, date, source),
                        fields => Err(format!(
                            "expected 4 comma-separated fields, found {}",
                            fields.len()
                        )),
                    }),
                ));
            },
        }
    }
}

/// The fields of one CSV record, read by the `csv` crate as RFC 4180 says: quoted
/// fields, doubled quotes, commas and line breaks inside quotes.
fn csv_record(text: &str) -> Result<Vec<String>, String> {
    // A buffer the record's size, not the default 8 KiB: one reader per record.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(text.len().max(64))
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => Ok(record.iter().map(str::to_string).collect()),
        Ok(false) => Ok(Vec::new()),
        Err(e) => Err(format!("not a CSV record: {}", csv_problem(&e))),
    }
}

fn header_problem() -> String {
    "expected the header personal_code,kind,date,source_reference; nothing of the file was read"
        .into()
}

/// A CSV error without the text of the record (which may hold a personal code).
fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8".into(),
        csv::ErrorKind::Io(_) => "could not be read".into(),
        _ => "malformed".into(),
    }
}

/// Reads one line of at most [`MAX_LINE`] bytes, counting it in `lines`; a longer line
/// is skipped to its end and refused by number, a line not in UTF-8 likewise.
fn read_bounded_line<R: std::io::BufRead>(
    input: &mut R,
    lines: &mut usize,
) -> Result<Option<(usize, String)>, String> {
    let mut bytes = Vec::new();
    let mut too_long = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => {
                *lines += 1;
                return Err("could not be read".into());
            }
        };
        if buf.is_empty() {
            if bytes.is_empty() && !too_long {
                return Ok(None);
            }
            break;
        }
        let (take, end) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if !too_long {
            if bytes.len() + take > MAX_LINE + 1 {
                too_long = true;
                bytes.clear();
            } else {
                bytes.extend_from_slice(&buf[..take]);
            }
        }
        input.consume(take);
        if end {
            break;
        }
    }
    *lines += 1;
    if too_long {
        return Err(format!("longer than {MAX_LINE} bytes"));
    }
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    Ok(Some((
        *lines,
        text.trim_end_matches(['\n', '\r']).to_string(),
    )))
}

/// Reads all notices from text ([`NoticeReader`] over a string, in one chunk).
pub fn parse_notices(text: &str, format: NoticeFormat) -> NoticeBatch {
    NoticeReader::new(text.as_bytes(), format)
        .next_chunk(usize::MAX)
        .unwrap_or_default()
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

#[cfg(test)]
mod streaming {
    use super::*;

    const JSON_1: &str = r#"{"personal_code":"43803030124","kind":"death","date":"2026-11-10","source_reference":"RR-1, Tallinn"}"#;

    /// Issue 17, item 3: CSV quoting was ignored, so the same notice as CSV and as JSON
    /// lines was two notices and the workers were told twice. Quoted fields, doubled
    /// quotes and a line break inside quotes read as RFC 4180 says, on the right lines.
    #[test]
    fn csv_is_read_as_rfc_4180_says_and_matches_json_lines() {
        let csv = "personal_code,kind,date,source_reference\r\n\
                   \"43803030124\",death,2026-11-10,\"RR-1, Tallinn\"\r\n\
                   36506060134,\"disability_severity_ending\",2026-12-31,\"RR \"\"3\"\"\nsecond line\"\n\
                   \n\
                   1,2\n";
        let c = parse_notices(csv, NoticeFormat::Csv);
        let j = parse_notices(JSON_1, NoticeFormat::JsonLines);
        assert_eq!(c.notices[0].1, j.notices[0].1, "the same notice");
        assert_eq!(c.notices[0].1.key(), j.notices[0].1.key());
        assert_eq!(c.notices[1].1.source_reference, "RR \"3\"\nsecond line");
        assert_eq!(
            c.notices.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            [2, 3]
        );
        assert_eq!(c.malformed.iter().map(|p| p.line).collect::<Vec<_>>(), [6]);
    }

    /// A large input streams in chunks, numbered across them, with progress; a line too
    /// long to be a notice is refused by number without being held whole.
    #[test]
    fn a_large_input_streams_in_chunks_and_an_overlong_line_is_refused() {
        let mut text = String::new();
        for i in 0..2_500 {
            text.push_str(&JSON_1.replace("RR-1, Tallinn", &format!("RR-{i}")));
            text.push('\n');
            if i == 1_200 {
                text.push_str(&"x".repeat(MAX_LINE * 3));
                text.push('\n');
            }
        }
        let mut r = NoticeReader::new(text.as_bytes(), NoticeFormat::JsonLines);
        let mut seen = Vec::new();
        let mut progress = Vec::new();
        while let Some(chunk) = r.next_chunk(1_000) {
            assert!(chunk.notices.len() + chunk.malformed.len() <= 1_000);
            seen.extend(chunk.notices.iter().map(|(n, _)| *n));
            for p in chunk.malformed {
                assert_eq!(p.line, 1_202);
                assert!(p.problem.contains("longer than"), "{}", p.problem);
            }
            progress.push(r.lines_read());
        }
        assert_eq!(seen.len(), 2_500);
        assert_eq!(seen[1_201], 1_203, "numbers go on past the refused line");
        assert_eq!(progress, [1_000, 2_000, 2_501]);
    }
}
