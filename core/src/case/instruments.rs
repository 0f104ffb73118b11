//! Assessment instruments, versioned: the national needs-assessment instrument with its
//! seven life domains (seed `001_c07609eead185765.txt`, explanatory memo §2: suhtlemine,
//! vaimne tervis, füüsiline tervis, elukeskkond, hõivatus, vaba aeg ja huvitegevus,
//! igapäevaelu toimingud), and the home nurse's condition and wound questionnaires (seed
//! `000_19cdf6fb7baf56d8.txt`, nursing manager and home nurse TO-BE). An assessment is
//! visible to its instrument's domain.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::name_of;
use crate::org::Domain;

/// The seven life domains of the needs-assessment instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum LifeDomain {
    /// Suhtlemine.
    Communication,
    /// Vaimne tervis.
    MentalHealth,
    /// Füüsiline tervis.
    PhysicalHealth,
    /// Elukeskkond.
    LivingEnvironment,
    /// Hõivatus.
    Occupation,
    /// Vaba aeg ja huvitegevus.
    Leisure,
    /// Igapäevaelu toimingud.
    DailyActivities,
}

impl LifeDomain {
    /// All seven, in the instrument's order.
    pub const ALL: [LifeDomain; 7] = [
        LifeDomain::Communication,
        LifeDomain::MentalHealth,
        LifeDomain::PhysicalHealth,
        LifeDomain::LivingEnvironment,
        LifeDomain::Occupation,
        LifeDomain::Leisure,
        LifeDomain::DailyActivities,
    ];
}

/// What an item's answer looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub enum ItemKind {
    /// A level from 0 to `max`.
    Level {
        /// Highest level.
        max: u8,
    },
    /// A whole number within bounds (e.g. millimetres).
    Number {
        /// Lowest value.
        min: i64,
        /// Highest value.
        max: i64,
    },
    /// One of the listed choices.
    Choice(&'static [&'static str]),
    /// Free text.
    Text,
}

/// An answer to one item.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum AnswerValue {
    /// A level.
    Level(u8),
    /// A number.
    Number(i64),
    /// A choice.
    Choice(String),
    /// Free text.
    Text(String),
}

/// One item of an instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Item {
    /// Item code.
    pub code: &'static str,
    /// Question or label.
    pub text: &'static str,
    /// Answer kind.
    pub kind: ItemKind,
    /// Whether the item must be answered.
    pub required: bool,
    /// The life domain it assesses (needs-assessment instrument).
    pub life_domain: Option<LifeDomain>,
}

/// An assessment instrument, identified by code and version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Instrument {
    /// Code.
    pub code: &'static str,
    /// Version.
    pub version: u32,
    /// Title.
    pub title: &'static str,
    /// Domain: who may see and make assessments with it.
    pub domain: Domain,
    /// Items.
    pub items: &'static [Item],
    /// Whether ICF codes (b, d, e) are recorded with it.
    pub uses_icf: bool,
}

const fn level(code: &'static str, text: &'static str, life_domain: LifeDomain) -> Item {
    Item {
        code,
        text,
        kind: ItemKind::Level { max: 4 },
        required: true,
        life_domain: Some(life_domain),
    }
}

const NEEDS_ITEMS: &[Item] = &[
    level(
        "L1-COMM",
        "Communication (suhtlemine)",
        LifeDomain::Communication,
    ),
    level(
        "L2-MENTAL",
        "Mental health (vaimne tervis)",
        LifeDomain::MentalHealth,
    ),
    level(
        "L3-PHYS",
        "Physical health (füüsiline tervis)",
        LifeDomain::PhysicalHealth,
    ),
    level(
        "L4-ENV",
        "Living environment (elukeskkond)",
        LifeDomain::LivingEnvironment,
    ),
    level("L5-OCC", "Occupation (hõivatus)", LifeDomain::Occupation),
    level(
        "L6-LEISURE",
        "Leisure (vaba aeg ja huvitegevus)",
        LifeDomain::Leisure,
    ),
    level(
        "L7-ADL",
        "Activities of daily living (igapäevaelu toimingud)",
        LifeDomain::DailyActivities,
    ),
    Item {
        code: "SUMMARY",
        text: "Summary of the need for help",
        kind: ItemKind::Text,
        required: false,
        life_domain: None,
    },
];

const CONDITION_ITEMS: &[Item] = &[
    Item {
        code: "MOBILITY",
        text: "Mobility (0 independent - 4 bedridden)",
        kind: ItemKind::Level { max: 4 },
        required: true,
        life_domain: None,
    },
    Item {
        code: "NUTRITION",
        text: "Nutrition (0 good - 4 poor)",
        kind: ItemKind::Level { max: 4 },
        required: true,
        life_domain: None,
    },
    Item {
        code: "SKIN",
        text: "Skin condition (0 intact - 4 ulcers)",
        kind: ItemKind::Level { max: 4 },
        required: true,
        life_domain: None,
    },
    Item {
        code: "PAIN",
        text: "Pain (0-10)",
        kind: ItemKind::Level { max: 10 },
        required: true,
        life_domain: None,
    },
    Item {
        code: "NOTES",
        text: "Notes",
        kind: ItemKind::Text,
        required: false,
        life_domain: None,
    },
];

const WOUND_ITEMS: &[Item] = &[
    Item {
        code: "LOCATION",
        text: "Location of the wound",
        kind: ItemKind::Text,
        required: true,
        life_domain: None,
    },
    Item {
        code: "LENGTH_MM",
        text: "Length (mm)",
        kind: ItemKind::Number { min: 0, max: 1000 },
        required: true,
        life_domain: None,
    },
    Item {
        code: "WIDTH_MM",
        text: "Width (mm)",
        kind: ItemKind::Number { min: 0, max: 1000 },
        required: true,
        life_domain: None,
    },
    Item {
        code: "EXUDATE",
        text: "Exudate",
        kind: ItemKind::Choice(&["none", "low", "moderate", "high"]),
        required: true,
        life_domain: None,
    },
    Item {
        code: "TISSUE",
        text: "Wound bed",
        kind: ItemKind::Choice(&["epithelial", "granulation", "slough", "necrosis"]),
        required: true,
        life_domain: None,
    },
];

/// Every instrument TEHO knows, every version.
pub const INSTRUMENTS: &[Instrument] = &[
    Instrument {
        code: "NEEDS",
        version: 1,
        title: "Abi- ja toetusvajaduse hindamise instrument (national needs assessment, 2025)",
        domain: Domain::Social,
        items: NEEDS_ITEMS,
        uses_icf: true,
    },
    Instrument {
        code: "NURSING-CONDITION",
        version: 1,
        title: "Patsiendi seisundi hindamine (patient condition)",
        domain: Domain::Nursing,
        items: CONDITION_ITEMS,
        uses_icf: false,
    },
    Instrument {
        code: "WOUND",
        version: 1,
        title: "Haava seisundi hindamine (wound condition)",
        domain: Domain::Nursing,
        items: WOUND_ITEMS,
        uses_icf: false,
    },
];

/// The instrument with this code and version.
pub fn instrument(code: &str, version: u32) -> Option<&'static Instrument> {
    INSTRUMENTS
        .iter()
        .find(|i| i.code == code && i.version == version)
}

impl Instrument {
    /// Checks the answers against the items: each item known, answered at most once, of
    /// its kind and range; every required item answered. Names the item that fails.
    pub fn check(&self, answers: &[(String, AnswerValue)]) -> Result<(), crate::TehoError> {
        let bad = |item: &str, why: &str| crate::TehoError::invalid("answer", item, why);
        for (i, (code, value)) in answers.iter().enumerate() {
            let item = self
                .items
                .iter()
                .find(|it| it.code == code)
                .ok_or_else(|| bad(code, "is not an item of this instrument version"))?;
            if answers[..i].iter().any(|(c, _)| c == code) {
                return Err(bad(code, "answered twice"));
            }
            let ok = match (item.kind, value) {
                (ItemKind::Level { max }, AnswerValue::Level(l)) => *l <= max,
                (ItemKind::Number { min, max }, AnswerValue::Number(n)) => (min..=max).contains(n),
                (ItemKind::Choice(choices), AnswerValue::Choice(c)) => {
                    choices.contains(&c.as_str())
                }
                (ItemKind::Text, AnswerValue::Text(t)) => {
                    !t.trim().is_empty() && t.chars().count() <= 5000
                }
                _ => false,
            };
            if !ok {
                return Err(bad(code, &format!("expects {}", name_of(&item.kind))));
            }
        }
        if let Some(missing) = self
            .items
            .iter()
            .find(|it| it.required && !answers.iter().any(|(c, _)| c == it.code))
        {
            return Err(bad(missing.code, "is required"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_needs_instrument_covers_the_seven_life_domains_and_is_versioned() {
        let needs = instrument("NEEDS", 1).unwrap();
        let domains: Vec<LifeDomain> = needs.items.iter().filter_map(|i| i.life_domain).collect();
        assert_eq!(domains, LifeDomain::ALL);
        assert!(needs.uses_icf && needs.domain == Domain::Social);
        assert!(instrument("NEEDS", 2).is_none());
        assert_eq!(instrument("WOUND", 1).unwrap().domain, Domain::Nursing);
    }
}
