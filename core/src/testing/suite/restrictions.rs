//! Access-restriction marks (seed 004): basis, set on, valid until; a mark lapses by
//! itself at its end; setting and lifting are audited.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use crate::TehoError;
use crate::access::{Actor, DenyReason};
use crate::testing::{Town, day, denied, tallinn};

fn a_mark_is_in_force_until_its_last_day_then_lapses_by_itself(t: Town) {
    let sw = Actor::Worker(t.social_worker);
    let cp = t.engine.audit_checkpoint(&Actor::System).unwrap();
    let r = t
        .engine
        .set_restriction(
            &sw,
            t.file,
            None,
            "AvTS § 35 lg 1 p 12".into(),
            day(2026, 12, 31),
        )
        .unwrap();
    assert_eq!(
        (r.basis.as_str(), r.set_on),
        ("AvTS § 35 lg 1 p 12", day(2026, 11, 2))
    );
    assert_eq!(
        t.engine.audit_checkpoint(&Actor::System).unwrap().entries,
        cp.entries + 2,
        "setting is audited"
    );
    let marks = |t: &Town| {
        t.engine
            .client_file(&Actor::Worker(t.nurse), t.file)
            .unwrap()
            .restrictions
    };
    assert_eq!(marks(&t), std::slice::from_ref(&r));
    t.clock.set(tallinn(2026, 12, 31, 23, 59));
    assert_eq!(marks(&t).len(), 1);
    t.clock.set(tallinn(2027, 1, 1, 0, 0));
    assert!(marks(&t).is_empty(), "lapsed by itself");
    assert!(matches!(
        t.engine.lift_restriction(&sw, t.file, r.id, "x".into()),
        Err(TehoError::Conflict { .. })
    ));
}

fn a_mark_is_lifted_with_a_reason_by_the_right_roles_only(t: Town) {
    let sw = Actor::Worker(t.social_worker);
    let r = t
        .engine
        .set_restriction(
            &sw,
            t.file,
            None,
            "AvTS § 35 lg 1 p 12".into(),
            day(2101, 11, 2),
        )
        .unwrap();
    assert!(matches!(
        denied(t.engine.set_restriction(
            &Actor::Worker(t.care_worker),
            t.file,
            None,
            "x".into(),
            day(2027, 1, 1)
        )),
        DenyReason::RoleNotPermitted { .. }
    ));
    assert!(matches!(
        t.engine
            .set_restriction(&sw, t.file, None, " ".into(), day(2027, 1, 1)),
        Err(TehoError::InvalidInput { .. })
    ));
    assert!(matches!(
        t.engine
            .set_restriction(&sw, t.file, None, "AvTS".into(), day(2026, 1, 1)),
        Err(TehoError::InvalidPeriod { .. })
    ));
    assert!(matches!(
        t.engine.lift_restriction(&sw, t.file, r.id, "".into()),
        Err(TehoError::ReasonRequired { .. })
    ));
    let lifted = t
        .engine
        .lift_restriction(&sw, t.file, r.id, "The court lifted the restriction".into())
        .unwrap();
    assert!(lifted.lifted.is_some());
    assert!(
        t.engine
            .client_file(&sw, t.file)
            .unwrap()
            .restrictions
            .is_empty()
    );
}

crate::testing::tests![
    a_mark_is_in_force_until_its_last_day_then_lapses_by_itself,
    a_mark_is_lifted_with_a_reason_by_the_right_roles_only,
];
