//! People: the client (klient), relatives and guardians, and the Estonian personal
//! identification code (isikukood) that identifies them.
//!
//! A client without an Estonian code is still representable by country and document
//! number (seed `001_c07609eead185765.txt`, annex part 1, points 1.15–1.16).

use chrono::{Datelike, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::ids::PersonId;

/// Sex as encoded in the first digit of a personal code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Sex {
    /// Odd first digit.
    Male,
    /// Even first digit.
    Female,
}

/// Why a string is not a valid Estonian personal code. Each variant carries the
/// offending input so a caller can show it back to the person who typed it; the
/// message never repeats it (nor the birth date it encodes): it is personal data.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, thiserror::Error)]
pub enum PersonalCodeError {
    /// The code must have exactly 11 characters.
    #[error("the personal code has {length} characters, expected 11")]
    WrongLength {
        /// The input as given.
        value: String,
        /// Its length in characters.
        length: usize,
    },
    /// Every character must be an ASCII digit.
    #[error("the personal code has a character that is not a digit at position {position}")]
    NotADigit {
        /// The input as given.
        value: String,
        /// 1-based position of the first non-digit.
        position: usize,
        /// The character found there.
        found: char,
    },
    /// The first digit gives century and sex and must be 1–8.
    #[error("the personal code starts with {digit}, expected a century digit 1-8")]
    BadCenturyDigit {
        /// The input as given.
        value: String,
        /// The first digit.
        digit: u8,
    },
    /// Digits 2–7 must form a real calendar date in the century the first digit gives.
    #[error("the personal code encodes a birth date that does not exist")]
    ImpossibleDate {
        /// The input as given.
        value: String,
        /// Year from the century digit and digits 2–3.
        year: i32,
        /// Month from digits 4–5.
        month: u32,
        /// Day from digits 6–7.
        day: u32,
    },
    /// The last digit must equal the check digit computed from the first ten.
    #[error("the personal code has check digit {found}, expected {expected}")]
    WrongCheckDigit {
        /// The input as given.
        value: String,
        /// The check digit in the input.
        found: u8,
        /// The check digit the first ten digits require.
        expected: u8,
    },
}

/// An Estonian personal identification code (isikukood), parsed and checked.
///
/// Structure: `G YYMMDD SSS C` — `G` gives century and sex (1/2: 1800s, 3/4: 1900s,
/// 5/6: 2000s, 7/8: 2100s; odd male, even female), `YYMMDD` the birth date, `SSS` a
/// serial number and `C` the check digit (two-round weighted sum modulo 11).
///
/// ```
/// use teho_core::person::{PersonalCode, Sex};
/// let code: PersonalCode = "37605030299".parse().unwrap();
/// assert_eq!(code.birth_date().to_string(), "1976-05-03");
/// assert_eq!(code.sex(), Sex::Male);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonalCode([u8; 11]);

impl PersonalCode {
    /// Parses and checks a personal code; every way it can be wrong is its own error.
    pub fn parse(input: &str) -> Result<Self, PersonalCodeError> {
        let value = || input.to_string();
        let length = input.chars().count();
        if length != 11 {
            return Err(PersonalCodeError::WrongLength {
                value: value(),
                length,
            });
        }
        let mut digits = [0u8; 11];
        for (i, c) in input.chars().enumerate() {
            match c.to_digit(10).filter(|_| c.is_ascii_digit()) {
                Some(d) => digits[i] = d as u8,
                None => {
                    return Err(PersonalCodeError::NotADigit {
                        value: value(),
                        position: i + 1,
                        found: c,
                    });
                }
            }
        }
        let century = match digits[0] {
            1 | 2 => 1800,
            3 | 4 => 1900,
            5 | 6 => 2000,
            7 | 8 => 2100,
            digit => {
                return Err(PersonalCodeError::BadCenturyDigit {
                    value: value(),
                    digit,
                });
            }
        };
        let year = century + i32::from(digits[1] * 10 + digits[2]);
        let month = u32::from(digits[3] * 10 + digits[4]);
        let day = u32::from(digits[5] * 10 + digits[6]);
        if NaiveDate::from_ymd_opt(year, month, day).is_none() {
            return Err(PersonalCodeError::ImpossibleDate {
                value: value(),
                year,
                month,
                day,
            });
        }
        let expected = check_digit(&digits[..10]);
        if digits[10] != expected {
            return Err(PersonalCodeError::WrongCheckDigit {
                value: value(),
                found: digits[10],
                expected,
            });
        }
        Ok(Self(digits))
    }

    /// The birth date encoded in digits 1–7.
    pub fn birth_date(&self) -> NaiveDate {
        let d = &self.0;
        let century = 1800 + 100 * i32::from((d[0] - 1) / 2);
        let year = century + i32::from(d[1] * 10 + d[2]);
        NaiveDate::from_ymd_opt(
            year,
            u32::from(d[3] * 10 + d[4]),
            u32::from(d[5] * 10 + d[6]),
        )
        .expect("parse() admitted only codes with a real birth date")
    }

    /// The sex encoded in the first digit (odd male, even female).
    pub fn sex(&self) -> Sex {
        if self.0[0] % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> i32 {
        let born = self.birth_date();
        let mut age = on.year() - born.year();
        if (on.month(), on.day()) < (born.month(), born.day()) {
            age -= 1;
        }
        age
    }
}

/// The isikukood check digit: weights 1..9,1; if the remainder modulo 11 is 10, a
/// second round with weights 3..9,1,2,3; if that is 10 again, the check digit is 0.
pub fn check_digit(first_ten: &[u8]) -> u8 {
    const ROUND_1: [u8; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1];
    const ROUND_2: [u8; 10] = [3, 4, 5, 6, 7, 8, 9, 1, 2, 3];
    let weighted = |w: &[u8; 10]| -> u32 {
        first_ten
            .iter()
            .zip(w)
            .map(|(d, w)| u32::from(*d) * u32::from(*w))
            .sum::<u32>()
            % 11
    };
    match weighted(&ROUND_1) {
        10 => match weighted(&ROUND_2) {
            10 => 0,
            r => r as u8,
        },
        r => r as u8,
    }
}

impl FromStr for PersonalCode {
    type Err = PersonalCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for PersonalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.0 {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for PersonalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonalCode({self})")
    }
}

impl Serialize for PersonalCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for PersonalCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PersonalCode".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[1-6][0-9]{10}$",
            "description": "An Estonian personal code (isikukood): 11 digits, checked by its check digit."
        })
    }
}

impl<'de> Deserialize<'de> for PersonalCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// How a person is identified: by an Estonian personal code, or — for a foreign client
/// absent from the population register — by country and identity document number
/// (seed `001_c07609eead185765.txt`, annex part 1, 1.15–1.16).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum PersonIdentity {
    /// Identified by isikukood.
    Estonian(PersonalCode),
    /// Identified by a foreign identity document.
    Foreign {
        /// ISO 3166-1 alpha-2 country code of the issuing state, upper case.
        country: String,
        /// The document number as printed.
        document_number: String,
    },
}

impl PersonIdentity {
    /// A foreign identity, checked: `country` must be two ASCII capital letters and the
    /// document number 1–40 letters, digits or dashes.
    pub fn foreign(country: &str, document_number: &str) -> Result<Self, crate::TehoError> {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(crate::TehoError::InvalidInput {
                field: "country".into(),
                value: country.into(),
                problem: "expected an ISO 3166-1 alpha-2 code such as FI or LV".into(),
            });
        }
        let doc = document_number.trim();
        if doc.is_empty()
            || doc.len() > 40
            || !doc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(crate::TehoError::InvalidInput {
                field: "document_number".into(),
                value: document_number.into(),
                problem: "expected 1-40 letters, digits or dashes".into(),
            });
        }
        Ok(Self::Foreign {
            country: country.into(),
            document_number: doc.into(),
        })
    }

    /// The personal code, when the person has one.
    pub fn personal_code(&self) -> Option<PersonalCode> {
        match self {
            Self::Estonian(c) => Some(*c),
            Self::Foreign { .. } => None,
        }
    }

    /// A stable text key for uniqueness checks and audit entries.
    pub fn key(&self) -> String {
        match self {
            Self::Estonian(c) => format!("EE:{c}"),
            Self::Foreign {
                country,
                document_number,
            } => format!("{country}:DOC:{document_number}"),
        }
    }
}

/// A person: a client, a relative, a guardian (isik).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Person {
    /// Id in TEHO.
    pub id: PersonId,
    /// Personal code or foreign document.
    pub identity: PersonIdentity,
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Birth date: derived from the personal code, or given for a foreign person.
    pub birth_date: Option<NaiveDate>,
    /// Date of death once known (from the population register).
    pub deceased_on: Option<NaiveDate>,
}

impl Person {
    /// "Given Family".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

/// What a caller supplies to register a person; the engine assigns the id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    /// Personal code or foreign document.
    pub identity: PersonIdentity,
    /// Given name(s), non-empty.
    pub given_name: String,
    /// Family name, non-empty.
    pub family_name: String,
    /// Only for a foreign person; an Estonian one's comes from the code.
    pub birth_date: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> PersonalCodeError {
        PersonalCode::parse(s).expect_err(s)
    }

    #[test]
    fn known_valid_codes_parse_with_birth_date_and_sex() {
        // (code, birth date, sex): published sample codes and hand-computed ones.
        let cases = [
            ("37605030299", "1976-05-03", Sex::Male),
            ("60001019906", "2000-01-01", Sex::Female),
            ("30303039914", "1903-03-03", Sex::Male),
            ("50001010006", "2000-01-01", Sex::Male),
        ];
        for (code, born, sex) in cases {
            let c = PersonalCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(c.birth_date().to_string(), born, "{code}");
            assert_eq!(c.sex(), sex, "{code}");
            assert_eq!(c.to_string(), code);
        }
    }

    #[test]
    fn century_digits_cover_1800s_to_2100s() {
        // 1 and 2: 1800s; 7 and 8: 2100s.
        let c = PersonalCode::parse(&with_check("1850101000")).unwrap();
        assert_eq!(c.birth_date().to_string(), "1885-01-01");
        assert_eq!(c.sex(), Sex::Male);
        let c = PersonalCode::parse(&with_check("2991231000")).unwrap();
        assert_eq!(c.birth_date().to_string(), "1899-12-31");
        assert_eq!(c.sex(), Sex::Female);
        let c = PersonalCode::parse(&with_check("7000101000")).unwrap();
        assert_eq!(c.birth_date().to_string(), "2100-01-01");
        let c = PersonalCode::parse(&with_check("8000101000")).unwrap();
        assert_eq!(c.sex(), Sex::Female);
        // 2000 is a leap year (digit 5/6), 1900 is not (digit 3/4).
        assert!(PersonalCode::parse(&with_check("6000229000")).is_ok());
        assert!(matches!(
            err(&with_check("4000229000")),
            PersonalCodeError::ImpossibleDate {
                year: 1900,
                month: 2,
                day: 29,
                ..
            }
        ));
        for bad in ['0', '9'] {
            let s = format!("{bad}7605030299");
            assert_eq!(
                err(&s),
                PersonalCodeError::BadCenturyDigit {
                    value: s.clone(),
                    digit: bad.to_digit(10).unwrap() as u8
                }
            );
        }
    }

    fn with_check(first_ten: &str) -> String {
        let d: Vec<u8> = first_ten.bytes().map(|b| b - b'0').collect();
        format!("{first_ten}{}", check_digit(&d))
    }

    #[test]
    fn each_kind_of_wrong_input_has_its_own_error_naming_the_value() {
        assert_eq!(
            err("3760503029"),
            PersonalCodeError::WrongLength {
                value: "3760503029".into(),
                length: 10
            }
        );
        assert_eq!(
            err(""),
            PersonalCodeError::WrongLength {
                value: "".into(),
                length: 0
            }
        );
        assert_eq!(
            err("3760503O299"),
            PersonalCodeError::NotADigit {
                value: "3760503O299".into(),
                position: 8,
                found: 'O'
            }
        );
        // A non-ASCII digit is not a digit here.
        assert!(matches!(
            err("3760503029٩"),
            PersonalCodeError::NotADigit { position: 11, .. }
        ));
        assert_eq!(
            err("37613030299"),
            PersonalCodeError::ImpossibleDate {
                value: "37613030299".into(),
                year: 1976,
                month: 13,
                day: 3
            }
        );
        assert!(matches!(
            err("37600000299"),
            PersonalCodeError::ImpossibleDate { month: 0, .. }
        ));
        assert_eq!(
            err("37605030298"),
            PersonalCodeError::WrongCheckDigit {
                value: "37605030298".into(),
                found: 8,
                expected: 9
            }
        );
        assert!(err("37605030298").to_string().contains("expected 9"));
    }

    #[test]
    fn check_digit_uses_second_round_and_zero_when_both_rounds_give_ten() {
        // Walk a thousand serials and check every code against the definition written
        // out longhand; the walk must meet both the second round and the double ten.
        let longhand = |d: &[u8]| -> (u32, u32) {
            let r1 = (d[0] as u32)
                + d[1] as u32 * 2
                + d[2] as u32 * 3
                + d[3] as u32 * 4
                + d[4] as u32 * 5
                + d[5] as u32 * 6
                + d[6] as u32 * 7
                + d[7] as u32 * 8
                + d[8] as u32 * 9
                + (d[9] as u32);
            let r2 = d[0] as u32 * 3
                + d[1] as u32 * 4
                + d[2] as u32 * 5
                + d[3] as u32 * 6
                + d[4] as u32 * 7
                + d[5] as u32 * 8
                + d[6] as u32 * 9
                + (d[7] as u32)
                + d[8] as u32 * 2
                + d[9] as u32 * 3;
            (r1 % 11, r2 % 11)
        };
        let (mut second_round, mut both_ten) = (0, 0);
        for serial in 0..1000u32 {
            let s = format!("4900101{serial:03}");
            let d: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
            let (r1, r2) = longhand(&d);
            let c = check_digit(&d);
            if r1 != 10 {
                assert_eq!(u32::from(c), r1, "{s}");
            } else if r2 != 10 {
                second_round += 1;
                assert_eq!(u32::from(c), r2, "{s}");
            } else {
                both_ten += 1;
                assert_eq!(c, 0, "{s}");
            }
            assert!(PersonalCode::parse(&format!("{s}{c}")).is_ok());
        }
        assert!(
            second_round > 0 && both_ten > 0,
            "{second_round} {both_ten}"
        );
    }

    #[test]
    fn foreign_identity_is_representable_and_checked() {
        let f = PersonIdentity::foreign("FI", "PA1234567").unwrap();
        assert_eq!(f.personal_code(), None);
        assert_eq!(f.key(), "FI:DOC:PA1234567");
        assert!(matches!(
            PersonIdentity::foreign("fin", "X1"),
            Err(crate::TehoError::InvalidInput { field, .. }) if field == "country"
        ));
        assert!(matches!(
            PersonIdentity::foreign("LV", "  "),
            Err(crate::TehoError::InvalidInput { field, .. }) if field == "document_number"
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn parsing_any_string_never_panics_and_rejects_with_a_typed_error(s in "\\PC{0,14}|[0-9]{11}") {
            match PersonalCode::parse(&s) {
                Ok(c) => proptest::prop_assert_eq!(c.to_string(), s),
                Err(e) => {
                    let shown = match &e {
                        PersonalCodeError::WrongLength { value, .. }
                        | PersonalCodeError::NotADigit { value, .. }
                        | PersonalCodeError::BadCenturyDigit { value, .. }
                        | PersonalCodeError::ImpossibleDate { value, .. }
                        | PersonalCodeError::WrongCheckDigit { value, .. } => value,
                    };
                    proptest::prop_assert_eq!(shown, &s);
                    // The message never repeats the value: it is personal data.
                    if s.chars().count() >= 4 {
                        proptest::prop_assert!(!e.to_string().contains(&s), "{}", e);
                    }
                }
            }
        }
    }
}
