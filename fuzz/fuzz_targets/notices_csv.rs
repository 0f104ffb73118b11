//! Death and disability notices read from CSV (RFC 4180, header `personal_code,kind,date,source_reference` required): arbitrary bytes through
//! `register::NoticeReader` in chunks of a size the first byte gives, and, when they are
//! UTF-8, through `register::parse_notices`. Both must read the same; every line is a
//! notice or a reported problem, in order, and the batch survives a JSON round trip (it
//! travels to `import_notices` that way).
#![no_main]

use libfuzzer_sys::fuzz_target;
use teho_core::register::NoticeFormat;

fuzz_target!(|data: &[u8]| teho_fuzz::fuzz_notices(data, NoticeFormat::Csv));
