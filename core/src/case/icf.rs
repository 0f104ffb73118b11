//! ICF codes (RFK, rahvusvaheline funktsioneerimisvõime klassifikatsioon) for the
//! national needs-assessment instrument: body functions (`b`), activities and
//! participation (`d`) and environmental factors (`e`), each with qualifiers. Body
//! structures (`s`) are not used in the assessment of need (seed
//! `001_c07609eead185765.txt`, explanatory memo §2: "s-koode ei kasutata").

use schemars::JsonSchema;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The ICF component of a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum IcfComponent {
    /// `b`: body functions.
    BodyFunctions,
    /// `d`: activities and participation.
    ActivitiesParticipation,
    /// `e`: environmental factors.
    Environment,
}

/// How an environmental factor acts: a barrier (`.`) or a facilitator (`+`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum IcfDirection {
    /// A barrier (`e310.2`).
    Barrier,
    /// A facilitator (`e310+2`).
    Facilitator,
}

/// A qualified ICF code, e.g. `b280.2`, `d450.23` (performance 2, capacity 3),
/// `e310+3` (a substantial facilitator).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct IcfCode {
    /// Component.
    pub component: IcfComponent,
    /// The category digits (3 to 5), e.g. `280`, `4500`.
    pub category: String,
    /// For `e` codes: barrier or facilitator.
    pub direction: Option<IcfDirection>,
    /// The qualifiers: 0–4 (none to complete), 8 (not specified), 9 (not applicable).
    /// `b` and `e` take one; `d` takes one or two (performance, capacity).
    pub qualifiers: Vec<u8>,
}

/// Why a text is not an acceptable ICF code. Each variant carries the value; the
/// message does not repeat it (a client's ICF code is health data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, JsonSchema)]
pub enum IcfError {
    /// An `s` (body structure) code: not used in the assessment of need.
    #[error("the ICF code is a body-structure (s) code, which the assessment of need does not use")]
    StructureCode {
        /// The code.
        value: String,
    },
    /// Not a b, d or e code.
    #[error("an ICF code must start with b, d or e")]
    UnknownComponent {
        /// The code.
        value: String,
    },
    /// The category is not 3–5 digits.
    #[error("an ICF code needs 3 to 5 category digits after the letter")]
    BadCategory {
        /// The code.
        value: String,
    },
    /// Missing, malformed or out-of-range qualifiers.
    #[error("the ICF code has bad qualifiers: {why}")]
    BadQualifier {
        /// The code.
        value: String,
        /// What is wrong.
        why: String,
    },
}

impl FromStr for IcfCode {
    type Err = IcfError;

    fn from_str(value: &str) -> Result<Self, IcfError> {
        let v = value.trim();
        let bad_q = |why: &str| IcfError::BadQualifier {
            value: value.into(),
            why: why.into(),
        };
        let component = match v.chars().next() {
            Some('b') => IcfComponent::BodyFunctions,
            Some('d') => IcfComponent::ActivitiesParticipation,
            Some('e') => IcfComponent::Environment,
            Some('s') => {
                return Err(IcfError::StructureCode {
                    value: value.into(),
                });
            }
            _ => {
                return Err(IcfError::UnknownComponent {
                    value: value.into(),
                });
            }
        };
        let rest = &v[1..];
        let split = rest
            .find(['.', '+'])
            .ok_or_else(|| bad_q("a qualifier after '.' (or '+' for a facilitator) is required"))?;
        let (category, qual) = rest.split_at(split);
        if !(3..=5).contains(&category.len()) || !category.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IcfError::BadCategory {
                value: value.into(),
            });
        }
        let direction = match (component, &qual[..1]) {
            (IcfComponent::Environment, "+") => Some(IcfDirection::Facilitator),
            (IcfComponent::Environment, _) => Some(IcfDirection::Barrier),
            (_, "+") => return Err(bad_q("only e codes may be facilitators (+)")),
            _ => None,
        };
        let digits = &qual[1..];
        let qualifiers: Vec<u8> = digits
            .chars()
            .map(|c| {
                c.to_digit(10)
                    .map(|d| d as u8)
                    .filter(|d| *d <= 4 || *d == 8 || *d == 9)
            })
            .collect::<Option<_>>()
            .ok_or_else(|| bad_q("each qualifier is 0-4, 8 or 9"))?;
        let allowed = match component {
            IcfComponent::ActivitiesParticipation => 1..=2,
            _ => 1..=1,
        };
        if !allowed.contains(&qualifiers.len()) {
            return Err(bad_q(match component {
                IcfComponent::ActivitiesParticipation => {
                    "d codes take one or two qualifiers (performance, capacity)"
                }
                _ => "b and e codes take one qualifier",
            }));
        }
        Ok(Self {
            component,
            category: category.into(),
            direction,
            qualifiers,
        })
    }
}

impl fmt::Display for IcfCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = match self.component {
            IcfComponent::BodyFunctions => 'b',
            IcfComponent::ActivitiesParticipation => 'd',
            IcfComponent::Environment => 'e',
        };
        let sep = if self.direction == Some(IcfDirection::Facilitator) {
            '+'
        } else {
            '.'
        };
        write!(f, "{letter}{}{sep}", self.category)?;
        for q in &self.qualifiers {
            write!(f, "{q}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_d_and_e_codes_with_qualifiers_parse_and_print_back() {
        for text in [
            "b280.2", "b1440.3", "d450.23", "d5101.1", "e310+3", "e1101.4", "d920.8",
        ] {
            let c: IcfCode = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(c.to_string(), text);
        }
        let e: IcfCode = "e310+3".parse().unwrap();
        assert_eq!(e.direction, Some(IcfDirection::Facilitator));
    }

    #[test]
    fn s_codes_and_malformed_codes_are_refused_naming_the_value() {
        assert_eq!(
            "s750.2".parse::<IcfCode>(),
            Err(IcfError::StructureCode {
                value: "s750.2".into()
            })
        );
        assert!(
            matches!("x450.2".parse::<IcfCode>(), Err(IcfError::UnknownComponent { value }) if value == "x450.2")
        );
        assert!(matches!(
            "d45.2".parse::<IcfCode>(),
            Err(IcfError::BadCategory { .. })
        ));
        assert!(matches!(
            "d450".parse::<IcfCode>(),
            Err(IcfError::BadQualifier { .. })
        ));
        assert!(matches!(
            "d450.5".parse::<IcfCode>(),
            Err(IcfError::BadQualifier { .. })
        ));
        assert!(matches!(
            "b280.23".parse::<IcfCode>(),
            Err(IcfError::BadQualifier { .. })
        ));
        assert!(matches!(
            "d450+2".parse::<IcfCode>(),
            Err(IcfError::BadQualifier { .. })
        ));
        assert!(matches!(
            "".parse::<IcfCode>(),
            Err(IcfError::UnknownComponent { .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn parsing_any_text_never_panics(s in "\\PC{0,12}") {
            let _ = s.parse::<IcfCode>();
        }
    }
}
