//! The warning lifecycle and the book that keeps one open warning per rule and subject.

#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use chrono::Duration;
use common::at;
use yingji_monitoring::lifecycle::{
    Action, Applied, LifecycleError, Warning, WarningBook, WarningId, WarningState,
};
use yingji_monitoring::Level::*;
use yingji_monitoring::{Event, FaultKind, Level, RuleId, Signal, Subject};

fn signal(minute: i64, event: Event) -> Signal {
    Signal {
        rule: RuleId::parse("rain-1h").unwrap(),
        version: 1,
        subject: Subject("datastream:7".into()),
        at: at(minute),
        event,
    }
}

fn raised(minute: i64, level: Level) -> Signal {
    signal(minute, Event::Raised { level, value: 0.0 })
}

fn changed(minute: i64, from: Level, to: Level) -> Signal {
    signal(
        minute,
        Event::LevelChanged {
            from,
            to,
            value: 0.0,
        },
    )
}

fn lifted(minute: i64, from: Level) -> Signal {
    signal(
        minute,
        Event::Lifted {
            from,
            value: Some(0.0),
        },
    )
}

fn new_warning() -> Warning {
    Warning::raise(
        WarningId(1),
        RuleId::parse("r").unwrap(),
        Subject("s".into()),
        Yellow,
        at(0),
    )
}

#[test]
fn a_warning_walks_through_raise_acknowledge_escalate_lift_recording_every_step() {
    let mut book = WarningBook::default();
    let Applied::Open(id) = book.apply(&raised(0, Blue)).unwrap() else {
        panic!()
    };
    book.acknowledge(id, "值班员 张三", at(3)).unwrap();
    book.apply(&changed(10, Blue, Orange)).unwrap();
    assert_eq!(
        book.get(id).unwrap().state,
        WarningState::Escalated,
        "a rise needs a new ack"
    );
    book.acknowledge(id, "指挥长 李四", at(12)).unwrap();
    book.apply(&changed(30, Orange, Yellow)).unwrap();
    assert_eq!(book.get(id).unwrap().state, WarningState::Acknowledged);
    let Applied::Closed(warning) = book.apply(&lifted(50, Yellow)).unwrap() else {
        panic!()
    };
    assert!(book.open().is_empty());

    let steps: Vec<(i64, Level, Action)> = warning
        .history
        .iter()
        .map(|s| ((s.at - at(0)).num_minutes(), s.level, s.action.clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (0, Blue, Action::Raised),
            (
                3,
                Blue,
                Action::Acknowledged {
                    by: "值班员 张三".into()
                }
            ),
            (10, Orange, Action::LevelRose { from: Blue }),
            (
                12,
                Orange,
                Action::Acknowledged {
                    by: "指挥长 李四".into()
                }
            ),
            (30, Yellow, Action::LevelFell { from: Orange }),
            (50, Yellow, Action::Lifted { by: None }),
        ]
    );
    assert_eq!(warning.state, WarningState::Lifted);
}

#[test]
fn one_open_warning_per_rule_and_subject() {
    let mut book = WarningBook::default();
    book.apply(&raised(0, Blue)).unwrap();
    assert!(matches!(
        book.apply(&raised(1, Red)),
        Err(LifecycleError::AlreadyOpen { .. })
    ));
    book.apply(&lifted(2, Blue)).unwrap();
    let Applied::Open(second) = book.apply(&raised(3, Red)).unwrap() else {
        panic!()
    };
    assert_eq!(second, WarningId(1), "a new warning after the lift");
    assert!(matches!(
        WarningBook::default().apply(&lifted(0, Blue)),
        Err(LifecycleError::NoOpenWarning { .. })
    ));
}

#[test]
fn faults_are_not_warnings() {
    let fault = signal(
        0,
        Event::FaultRaised {
            fault: FaultKind::Silence,
            value: None,
        },
    );
    let mut book = WarningBook::default();
    assert_eq!(book.apply(&fault).unwrap(), Applied::Fault);
    assert!(book.open().is_empty());
}

#[test]
fn illegal_moves_are_errors_and_change_nothing() {
    let mut w = new_warning();
    assert_eq!(w.acknowledge("  ", at(1)), Err(LifecycleError::Anonymous));
    w.acknowledge("a", at(1)).unwrap();
    assert_eq!(
        w.acknowledge("b", at(2)),
        Err(LifecycleError::AlreadyAcknowledged(WarningId(1)))
    );
    assert!(matches!(
        w.change_level(Yellow, at(2)),
        Err(LifecycleError::SameLevel { .. })
    ));
    assert!(matches!(
        w.change_level(Red, at(0)),
        Err(LifecycleError::OutOfOrder { .. })
    ));
    w.lift(Some("c"), at(3)).unwrap();
    let lifted = w.clone();
    assert_eq!(
        w.acknowledge("d", at(4)),
        Err(LifecycleError::Lifted(WarningId(1)))
    );
    assert_eq!(
        w.change_level(Red, at(4)),
        Err(LifecycleError::Lifted(WarningId(1)))
    );
    assert_eq!(
        w.lift(None, at(4)),
        Err(LifecycleError::Lifted(WarningId(1)))
    );
    assert_eq!(w, lifted);
}

#[test]
fn unacknowledged_warnings_become_due_for_escalation_once_after_the_deadline() {
    let deadline = Duration::minutes(15);
    let mut book = WarningBook::default();
    let Applied::Open(id) = book.apply(&raised(0, Yellow)).unwrap() else {
        panic!()
    };
    assert!(book.due_escalations(at(14), deadline).is_empty());
    assert_eq!(book.due_escalations(at(15), deadline), [id]);
    book.escalate_overdue(id, at(15)).unwrap();
    assert_eq!(book.get(id).unwrap().state, WarningState::Escalated);
    assert!(
        book.due_escalations(at(40), deadline).is_empty(),
        "escalated once"
    );
    assert_eq!(
        book.escalate_overdue(id, at(41)),
        Err(LifecycleError::NotOverdue(id))
    );

    // Acknowledged warnings are never due; a level rise starts a new deadline.
    book.acknowledge(id, "duty officer", at(42)).unwrap();
    assert!(book.due_escalations(at(100), deadline).is_empty());
    book.apply(&changed(100, Yellow, Red)).unwrap();
    assert!(book.due_escalations(at(114), deadline).is_empty());
    assert_eq!(book.due_escalations(at(115), deadline), [id]);
}

#[test]
fn a_warning_can_be_lifted_by_hand_and_the_book_round_trips_as_json() {
    let mut book = WarningBook::default();
    let Applied::Open(id) = book.apply(&raised(0, Red)).unwrap() else {
        panic!()
    };
    let json = serde_json::to_string(&book).unwrap();
    let mut restored: WarningBook = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, book);
    let closed = restored.lift(id, "指挥长", at(5)).unwrap();
    assert_eq!(
        closed.history.last().unwrap().action,
        Action::Lifted {
            by: Some("指挥长".into())
        }
    );
    assert!(restored.open().is_empty());
}

#[test]
fn a_rule_step_older_than_a_persons_step_is_recorded_after_it() {
    // Observation at minute 5 processed after the officer acknowledged at minute 8.
    let mut book = WarningBook::default();
    let Applied::Open(id) = book.apply(&raised(0, Yellow)).unwrap() else {
        panic!("raised")
    };
    book.acknowledge(id, "duty", at(8)).unwrap();
    assert!(matches!(
        book.apply(&changed(5, Yellow, Orange)),
        Ok(Applied::Open(_))
    ));
    let Applied::Closed(w) = book.apply(&lifted(6, Orange)).unwrap() else {
        panic!("lifted")
    };
    let times: Vec<_> = w.history.iter().map(|s| s.at).collect();
    assert_eq!(times, vec![at(0), at(8), at(8), at(8)]);
    assert_eq!(w.level, Orange);
}
