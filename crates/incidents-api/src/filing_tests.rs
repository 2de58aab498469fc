//! The writer on its own, against each backend: idempotency inside one batch, refusals
//! that leave the rest of the batch alone, and a database error confined to its report.

use super::*;
use crate::incidents::NewIncident;
use yingji_domain::incident::{IncidentType, Severity};
use yingji_domain::{Jurisdiction, LonLat, Role, TownCode};
use yingji_incidents::{Figure, ReportedFigures};
use yingji_store::testing::{backends, sqlite};

fn officer(name: &str) -> Principal {
    Principal {
        user_id: Some(format!("user-{name}")),
        username: name.into(),
        roles: vec![Role::DutyOfficer],
        jurisdiction: Jurisdiction::District,
    }
}

fn report(incident_id: Option<&str>, text: &str, injured: Option<i64>) -> ReportInput {
    ReportInput {
        incident_id: incident_id.map(str::to_string),
        new_incident: incident_id.is_none().then(|| NewIncident {
            kind: IncidentType::parse("type", "flood").unwrap(),
            severity: Severity::IV,
            title: "渔阳镇洪涝灾害".into(),
            town: TownCode::parse("town", "120119100").unwrap(),
            at: LonLat::parse("location", 117.368263, 40.071546).unwrap(),
            area: None,
            occurred_at: Utc::now(),
            drill: None,
        }),
        location: None,
        occurred_at: None,
        figures: ReportedFigures(injured.map(|n| (Figure::Injured, n)).into_iter().collect()),
        correction: false,
        text: Some(text.into()),
        drill: None,
        photos: Vec::new(),
    }
}

fn submission(actor: &str, key: &str, hash: &str, report: ReportInput) -> Submission {
    Submission {
        principal: officer(actor),
        key: key.into(),
        hash: hash.into(),
        report,
    }
}

fn json(filed: &Filed) -> Value {
    serde_json::from_slice(&filed.body).unwrap()
}

/// Files a group on the write connection and returns it to the pool, as the writer does
/// when its queue runs dry.
async fn file_on_writer(db: &Db, submissions: &[Submission]) -> Vec<ApiResult<Filed>> {
    let mut connection = db.writer.acquire().await.unwrap();
    file_group(db, &mut connection, submissions).await
}

async fn count(db: &Db, sql: &str, id: &str) -> i64 {
    sqlx::query(sql)
        .bind(id)
        .fetch_one(&db.reader)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

async fn open_incident(db: &Db) -> String {
    let opened = file_on_writer(
        db,
        &[submission("duty", "open", "h0", report(None, "open", None))],
    )
    .await;
    let filed = opened.into_iter().next().unwrap().unwrap();
    json(&filed)["incident"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn one_batch_keeps_idempotency_and_refuses_reports_one_by_one() {
    for store in backends().await {
        let db = store.store.db().clone();
        crate::schema::apply(&db).await.unwrap();
        let id = open_incident(&db).await;
        let inc = Some(id.as_str());
        let outcomes = file_on_writer(
            &db,
            &[
                submission("duty", "k1", "h1", report(inc, "first", Some(2))),
                submission("duty", "k1", "h1", report(inc, "first", Some(2))),
                submission("duty", "k1", "h2", report(inc, "other", Some(2))),
                submission(
                    "duty2",
                    "k1",
                    "h1",
                    report(inc, "another actor's key", None),
                ),
                submission(
                    "duty",
                    "k3",
                    "h3",
                    report(Some("inc-nope"), "unknown", None),
                ),
                submission("duty", "k4", "h4", report(inc, "decrease", Some(1))),
                submission("duty", "k5", "h5", report(inc, "last", Some(3))),
            ],
        )
        .await;
        let codes: Vec<String> = outcomes
            .iter()
            .map(|o| match o {
                Ok(filed) => filed.status.as_u16().to_string(),
                Err(e) => e.code.to_string(),
            })
            .collect();
        assert_eq!(
            codes,
            [
                "201",
                "201",
                "idempotency_conflict",
                "201",
                "not_found",
                "invalid_value",
                "201"
            ],
            "{}",
            store.name
        );
        let (first, retry) = (outcomes[0].as_ref().unwrap(), outcomes[1].as_ref().unwrap());
        assert_eq!(json(first), json(retry), "the retry gets the first answer");
        assert!(
            first.fresh.is_some() && retry.fresh.is_none(),
            "the retry files nothing"
        );
        let first_id = json(first)["report"]["id"].clone();
        let other_actor = json(outcomes[3].as_ref().unwrap())["report"]["id"].clone();
        assert!(first_id.is_string());
        assert_ne!(first_id, other_actor, "keys are per actor");
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM inc_reports WHERE incident_id = $1",
                &id
            )
            .await,
            4,
            "{}: the opening report and three filed",
            store.name
        );
        let seqs: Vec<i64> =
            sqlx::query("SELECT seq FROM inc_timeline WHERE incident_id = $1 ORDER BY seq")
                .bind(&id)
                .fetch_all(&db.reader)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get(0).unwrap())
                .collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5], "{}", store.name);
        let incident = incidents::load(&db, &id).await.unwrap().unwrap();
        let injured = &incident.figures.0[&Figure::Injured];
        assert_eq!((injured.value, injured.change), (3, 1), "{}", store.name);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM audit_log WHERE action = $1",
                "report.file"
            )
            .await,
            4,
            "{}: every filed report is audited",
            store.name
        );
        // The keys of the batch are stored: a later retry gets the first answer from the table.
        let later = file_on_writer(
            &db,
            &[submission(
                "duty",
                "k1",
                "h1",
                report(inc, "first", Some(2)),
            )],
        )
        .await;
        assert_eq!(
            json(later[0].as_ref().unwrap()),
            json(first),
            "{}",
            store.name
        );
    }
}

#[tokio::test]
async fn a_database_error_fails_only_the_report_that_causes_it() {
    let store = sqlite().await;
    let db = store.store.db().clone();
    crate::schema::apply(&db).await.unwrap();
    let id = open_incident(&db).await;
    // A report the database refuses (SQLite trigger): the batch's transaction fails with it.
    sqlx::query(
        "CREATE TRIGGER poison BEFORE INSERT ON inc_reports WHEN NEW.body LIKE '%poison%' \
         BEGIN SELECT RAISE(ABORT, 'poisoned report'); END",
    )
    .execute(&db.writer)
    .await
    .unwrap();
    let inc = Some(id.as_str());
    let outcomes = file_on_writer(
        &db,
        &[
            submission("duty", "a", "ha", report(inc, "fine", Some(1))),
            submission("duty", "b", "hb", report(inc, "poison", Some(2))),
            submission("duty", "c", "hc", report(inc, "fine too", Some(3))),
        ],
    )
    .await;
    assert!(
        outcomes[0].is_ok() && outcomes[2].is_ok(),
        "the others are filed"
    );
    assert!(outcomes[1]
        .as_ref()
        .is_err_and(|e| e.status.is_server_error()));
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM inc_reports WHERE incident_id = $1",
            &id
        )
        .await,
        3,
        "the opening report and the two good ones"
    );
    let incident = incidents::load(&db, &id).await.unwrap().unwrap();
    assert_eq!(incident.figures.value(Figure::Injured), 3);
    let timeline = timeline::list(&db, &id).await.unwrap();
    assert_eq!(timeline.len(), 4, "no trace of the refused report");
}

/// The writer keeps the write connection while reports keep coming, but never for good:
/// another write (an order, a status change) gets it within [`HOLD_AT_MOST`] and a batch,
/// not only once the surge is over. The bound asserted is generous (a liveness check, not a
/// timing target): without the release the other write would wait for the pool's 60 s
/// acquire timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_writer_gets_the_write_connection_while_reports_keep_coming() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let store = sqlite().await;
    let db = store.store.db().clone();
    crate::schema::apply(&db).await.unwrap();
    let id = open_incident(&db).await;
    let filing = Filing::start(db.clone(), FilingConfig::default()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let filed = Arc::new(AtomicUsize::new(0));
    // Enough officers that the writer's queue is never empty between batches.
    let officers: Vec<_> = (0..300)
        .map(|officer| {
            let (filing, stop, filed, id) =
                (filing.clone(), stop.clone(), filed.clone(), id.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let key = format!("o{officer}-{n}");
                    let report = report(Some(&id), "巡查", None);
                    filing
                        .file(submission("duty", &key, &key, report))
                        .await
                        .unwrap();
                    filed.fetch_add(1, Ordering::Relaxed);
                    n += 1;
                }
            })
        })
        .collect();
    while filed.load(Ordering::Relaxed) < 2_000 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let waited = Instant::now();
    let mut tx = db.begin_write().await.unwrap();
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
        .bind("another-writer")
        .bind("in the middle of a surge")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let waited = waited.elapsed();
    stop.store(true, Ordering::Relaxed);
    for officer in officers {
        officer.await.unwrap();
    }
    assert!(
        waited < Duration::from_secs(10),
        "another write waited {waited:?} for the write connection"
    );
}
