//! The storage contract, run against every backend (SQLite always; PostgreSQL when
//! YINGJI_TEST_POSTGRES is set, which the README's test command does).

use chrono::{TimeZone, Utc};
use serde_json::json;
use sqlx::Connection;
use yingji_domain::{
    Jurisdiction, Principal, ReadScope, RecordDraft, RecordId, RecordKind, Role, TownCode,
};
use yingji_store::testing::backends;
use yingji_store::{NewUser, RecordFilter, Session, StoreError};

fn at(minute: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 30, 6, minute, 0).unwrap()
}

fn town(code: &str) -> TownCode {
    TownCode::parse("", code).unwrap()
}

fn shelter(id: &str, town_code: &str, lon: f64, capacity: i64) -> RecordDraft {
    RecordDraft {
        kind: RecordKind::Shelter,
        id: RecordId::parse("id", id).unwrap(),
        town_code: Some(town(town_code)),
        synthetic: true,
        geometry: Some(geojson::Geometry::new(geojson::Value::Point(vec![
            lon, 40.0,
        ]))),
        properties: json!({"name": id, "kind": "emergency", "capacity": capacity})
            .as_object()
            .unwrap()
            .clone(),
    }
}

fn team(id: &str, town_code: &str) -> RecordDraft {
    RecordDraft {
        kind: RecordKind::Team,
        properties: json!({"name": id, "team_type": "fire", "members": 12})
            .as_object()
            .unwrap()
            .clone(),
        ..shelter(id, town_code, 117.4, 0)
    }
}

fn admin() -> Principal {
    Principal::system("test")
}

#[tokio::test]
async fn records_round_trip_and_version() {
    for backend in backends().await {
        let store = &backend.store;
        let created = store
            .create_record(
                &admin(),
                shelter("shelter-1", "120119100", 117.4, 500),
                at(0),
            )
            .await
            .unwrap();
        assert_eq!(created.version, 1, "{}", backend.name);
        let read = store
            .get_record(RecordKind::Shelter, "shelter-1")
            .await
            .unwrap();
        assert_eq!(read, created, "{}", backend.name);

        let updated = store
            .update_record(
                &admin(),
                shelter("shelter-1", "120119100", 117.4, 800),
                Some(1),
                at(1),
            )
            .await
            .unwrap();
        assert_eq!(updated.version, 2);
        assert_eq!(updated.properties["capacity"], 800);

        let stale = store
            .update_record(
                &admin(),
                shelter("shelter-1", "120119100", 117.4, 900),
                Some(1),
                at(2),
            )
            .await;
        assert!(
            matches!(
                stale,
                Err(StoreError::Conflict {
                    code: "version_conflict",
                    ..
                })
            ),
            "{}",
            backend.name
        );

        let duplicate = store
            .create_record(&admin(), shelter("shelter-1", "120119100", 117.4, 1), at(3))
            .await;
        assert!(
            matches!(
                duplicate,
                Err(StoreError::Conflict {
                    code: "duplicate_id",
                    ..
                })
            ),
            "{}",
            backend.name
        );
        assert_eq!(
            store
                .get_record(RecordKind::Shelter, "shelter-1")
                .await
                .unwrap()
                .properties["capacity"],
            800
        );

        store
            .delete_record(&admin(), RecordKind::Shelter, "shelter-1", at(4))
            .await
            .unwrap();
        assert!(matches!(
            store.get_record(RecordKind::Shelter, "shelter-1").await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(
            store.verify_audit().await.unwrap().is_empty(),
            "{}",
            backend.name
        );
        assert_eq!(
            store.audit_entries(0, 100).await.unwrap().len(),
            3,
            "create, update, delete"
        );
    }
}

#[tokio::test]
async fn listings_filter_by_bbox_town_and_scope() {
    for backend in backends().await {
        let store = &backend.store;
        let drafts = vec![
            shelter("shelter-a", "120119100", 117.30, 100),
            shelter("shelter-b", "120119101", 117.60, 100),
            team("team-a", "120119100"),
            team("team-b", "120119101"),
        ];
        assert_eq!(
            store.import_records(&admin(), drafts, at(0)).await.unwrap(),
            4
        );

        let mut filter = RecordFilter::all(RecordKind::Shelter);
        filter.bbox = Some([117.5, 39.9, 117.7, 40.1]);
        let ids: Vec<_> = store
            .list_records(&filter)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id.to_string())
            .collect();
        assert_eq!(ids, ["shelter-b"], "{}", backend.name);

        let mut teams = RecordFilter::all(RecordKind::Team);
        teams.scope = ReadScope::Town(town("120119100"));
        let ids: Vec<_> = store
            .list_records(&teams)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id.to_string())
            .collect();
        assert_eq!(
            ids,
            ["team-a"],
            "a town officer lists only its own teams ({})",
            backend.name
        );

        teams.scope = ReadScope::PublicOnly;
        assert!(
            store.list_records(&teams).await.unwrap().is_empty(),
            "teams are not public"
        );

        let mut shelters = RecordFilter::all(RecordKind::Shelter);
        shelters.scope = ReadScope::PublicOnly;
        assert_eq!(
            store.list_records(&shelters).await.unwrap().len(),
            2,
            "shelters are public"
        );

        let mut by_town = RecordFilter::all(RecordKind::Shelter);
        by_town.town = Some(town("120119101"));
        assert_eq!(
            store.list_records(&by_town).await.unwrap()[0].id.as_str(),
            "shelter-b"
        );
    }
}

#[tokio::test]
async fn an_import_is_all_or_nothing() {
    for backend in backends().await {
        let store = &backend.store;
        store
            .create_record(
                &admin(),
                shelter("shelter-1", "120119100", 117.4, 500),
                at(0),
            )
            .await
            .unwrap();
        let audit_before = store.audit_entries(0, 1000).await.unwrap().len();
        // The batch writes shelter-2 and team-1, then meets team-1 again and must roll back.
        let batch = vec![
            shelter("shelter-2", "120119100", 117.4, 1),
            shelter("shelter-1", "120119100", 117.4, 9),
            team("team-1", "120119100"),
            team("team-1", "120119100"),
        ];
        let result = store.import_records(&admin(), batch, at(1)).await;
        assert!(
            matches!(
                result,
                Err(StoreError::Conflict {
                    code: "duplicate_id",
                    ..
                })
            ),
            "{}: {result:?}",
            backend.name
        );
        assert_eq!(
            store.count_records(RecordKind::Shelter).await.unwrap(),
            1,
            "{}",
            backend.name
        );
        assert_eq!(store.count_records(RecordKind::Team).await.unwrap(), 0);
        assert_eq!(
            store
                .get_record(RecordKind::Shelter, "shelter-1")
                .await
                .unwrap()
                .properties["capacity"],
            500
        );
        assert_eq!(
            store.audit_entries(0, 1000).await.unwrap().len(),
            audit_before,
            "no audit for a rolled-back import"
        );
        assert!(store.verify_audit().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn users_sessions_and_roles() {
    for backend in backends().await {
        let store = &backend.store;
        let user = NewUser {
            id: "user-1".into(),
            username: "zhang".into(),
            display_name: "张值班".into(),
            password_hash: "$argon2id$fake".into(),
            roles: vec![Role::TownOfficer],
            jurisdiction: Jurisdiction::Town(town("120119100")),
        };
        store
            .create_user(&admin(), user.clone(), at(0))
            .await
            .unwrap();
        let again = store.create_user(&admin(), user, at(1)).await;
        assert!(matches!(
            again,
            Err(StoreError::Conflict {
                code: "duplicate_username",
                ..
            })
        ));
        let (found, hash) = store.find_user("zhang").await.unwrap().unwrap();
        assert_eq!(hash, "$argon2id$fake");
        assert_eq!(
            found.principal().read_scope(),
            ReadScope::Town(town("120119100"))
        );

        let session = Session {
            token_hash: "abc".into(),
            user_id: "user-1".into(),
            created_at: at(0),
            expires_at: at(30),
        };
        store.create_session(&session).await.unwrap();
        assert_eq!(
            store
                .session_user("abc", at(10))
                .await
                .unwrap()
                .unwrap()
                .username,
            "zhang"
        );
        assert!(
            store.session_user("abc", at(31)).await.unwrap().is_none(),
            "expired"
        );
        store.delete_session("abc").await.unwrap();
        assert!(
            store.session_user("abc", at(10)).await.unwrap().is_none(),
            "logged out"
        );
        let audit = store.audit_entries(0, 10).await.unwrap();
        assert!(
            !audit[0].after.as_deref().unwrap().contains("argon2"),
            "no password hash in the audit log"
        );
    }
}

/// Tampering is done with plain SQL on the database file/server, as an intruder would.
async fn tamper(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::query(sql).execute(&mut conn).await.unwrap();
}

#[tokio::test]
async fn audit_detects_edited_deleted_and_inserted_entries() {
    for backend in backends().await {
        let store = &backend.store;
        for i in 0..5 {
            store
                .create_record(&admin(), team(&format!("team-{i}"), "120119100"), at(i))
                .await
                .unwrap();
        }
        assert!(store.verify_audit().await.unwrap().is_empty());

        tamper(
            &backend.url,
            "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2",
        )
        .await;
        let breaks = store.verify_audit().await.unwrap();
        assert_eq!(
            (breaks[0].seq, breaks[0].problem),
            (2, "edited"),
            "{}: {breaks:?}",
            backend.name
        );

        tamper(
            &backend.url,
            "UPDATE audit_log SET actor = 'system:test' WHERE seq = 2",
        )
        .await;
        assert!(store.verify_audit().await.unwrap().is_empty(), "restored");

        tamper(&backend.url, "DELETE FROM audit_log WHERE seq = 3").await;
        let breaks = store.verify_audit().await.unwrap();
        assert!(
            breaks.iter().any(|b| b.seq == 3 && b.problem == "deleted"),
            "{}: {breaks:?}",
            backend.name
        );

        // An inserted entry in the gap, with a self-consistent hash but not chained.
        tamper(
            &backend.url,
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, hash) \
             SELECT 3, at, actor, action, entity, 'forged', before_json, after_json, prev_hash, hash FROM audit_log WHERE seq = 2",
        )
        .await;
        let breaks = store.verify_audit().await.unwrap();
        assert!(
            breaks.iter().any(|b| b.seq == 3),
            "{}: {breaks:?}",
            backend.name
        );

        tamper(&backend.url, "DELETE FROM audit_log WHERE seq = 5").await;
        let breaks = store.verify_audit().await.unwrap();
        assert!(
            breaks.iter().any(|b| b.problem == "deleted" && b.seq == 5),
            "a deleted tail is caught: {breaks:?}"
        );
    }
}

#[tokio::test]
async fn concurrent_writers_never_see_locked_database() {
    for backend in backends().await {
        let mut tasks = Vec::new();
        for i in 0..64 {
            let store = backend.store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .create_record(&admin(), team(&format!("team-{i}"), "120119100"), at(0))
                    .await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(
            backend.store.count_records(RecordKind::Team).await.unwrap(),
            64,
            "{}",
            backend.name
        );
        assert!(
            backend.store.verify_audit().await.unwrap().is_empty(),
            "{}",
            backend.name
        );
    }
}
