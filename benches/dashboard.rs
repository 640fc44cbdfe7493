//! Benchmark of the class pages: a class of LEARNERS learners (default 200) with RUNS runs each
//! (default 20), seeded straight into SQLite, then each page requested ROUNDS times (default 50)
//! through the real router (layers, session lookup, templates) and its server time printed:
//! median, 95th percentile and maximum. The query plans of the dashboard's queries follow.
//!
//! Run: `cargo bench --bench dashboard`. Not a test: it prints figures (the goals: the dashboard
//! and the class experiment page in ≤ 50 ms, the CSV in ≤ 200 ms).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use gil_lab::accounts::fields::{ClassName, Email, Password, PersonName};
use gil_lab::accounts::password::Passwords;
use gil_lab::accounts::{class, instructor, session};
use gil_lab::app::{AppState, router};
use gil_lab::config::Config;
use gil_lab::runs::result::RunResult;
use gil_lab::sandbox::FakeBackend;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sqlx::SqlitePool;
use sqlx::types::Json;
use tower::ServiceExt;

const EXPERIMENTS: [&str; 5] = ["cpu-bound", "io-bound", "races", "timeline", "start-methods"];

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(bench());
}

async fn bench() {
    let (learners, runs, rounds) =
        (env_number("LEARNERS", 200), env_number("RUNS", 20), env_number("ROUNDS", 50));
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let content = concat!(env!("CARGO_MANIFEST_DIR"), "/content").into();
    let state = AppState::build(Config::for_tests(url, content), Arc::new(FakeBackend))
        .await
        .expect("state");
    let (class_id, cookie) = seed_instructor(&state.db).await;
    let started = Instant::now();
    let sqlite = state.db.as_sqlite().expect("the dashboard bench measures SQLite");
    let first_learner = seed_class(sqlite, class_id, learners, runs).await;
    println!(
        "seeded {learners} learners × {runs} runs = {} runs in {:.1} s",
        learners * runs,
        started.elapsed().as_secs_f64()
    );
    let app = router(state.clone());
    let pages = [
        ("dashboard", format!("/classes/{class_id}")),
        ("dashboard, live part", format!("/classes/{class_id}/live")),
        ("dashboard, roster page 4", format!("/classes/{class_id}?page=4")),
        ("experiment cpu-bound", format!("/classes/{class_id}/experiments/cpu-bound")),
        ("learner", format!("/classes/{class_id}/learners/{first_learner}")),
        ("runs.csv", format!("/classes/{class_id}/runs.csv")),
    ];
    for (name, path) in &pages {
        let times = time_page(&app, path, &cookie, rounds).await;
        report(name, times);
    }
    print_plans(sqlite, class_id).await;
}

async fn seed_instructor(db: &gil_lab::db::Pool) -> (i64, String) {
    let email = Email::parse("bench@school.kr").expect("email");
    let name = PersonName::parse("벤치 선생").expect("name");
    let password = Password::parse("benchmark password").expect("password");
    let instructor::SignUp::Created(me) =
        instructor::sign_up(db, &Passwords::new(1), &email, &name, &password)
            .await
            .expect("sign up")
    else {
        panic!("fresh database");
    };
    let token = session::start(db, me.instructor_id, None).await.expect("session");
    let pair = format!("gil_lab_instructor={}", token.reveal());
    let class_name = ClassName::parse("벤치마크 200명 반").expect("class name");
    let class = class::create(db, me.instructor_id, &class_name).await.expect("class");
    (class.class_id, pair)
}

/// A result shaped like a real run's: three variants, four workers with 50 spans each.
fn result(i: usize) -> Value {
    let jitter = (i % 17) as f64 / 100.0;
    let variant = |name: &str, wall: f64, speedup: f64| {
        let workers: Vec<Value> = (0..4)
            .map(|w| {
                let spans: Vec<Value> =
                    (0..50).map(|s| json!([s as f64 * 0.01, s as f64 * 0.01 + 0.005])).collect();
                json!({"id": w, "cpu_s": wall / 4.0, "spans": spans})
            })
            .collect();
        json!({"name": name, "wall_s": wall, "cpu_s": wall, "effective_cores": speedup, "speedup": speedup,
               "repeats": 3, "workers": workers, "metrics": {"lost_updates": i % 5},
               "metrics_by_repeat": [{"lost_updates": i % 5}, {"lost_updates": 0}]})
    };
    json!({
        "variants": [variant("sequential", 1.0, 1.0), variant("threads", 1.02, 0.98 - jitter),
                     variant("processes", 0.55, 1.8 + jitter), variant("unlocked", 0.5, 1.0)],
        "environment": {"python": "3.11.2", "implementation": "cpython", "gil_enabled": true,
                        "cores": 2, "contended": i.is_multiple_of(23)},
        "metrics": {},
    })
}

/// Learners, their membership and their runs, in one transaction; the first learner's id.
async fn seed_class(db: &SqlitePool, class_id: i64, learners: usize, runs: usize) -> i64 {
    let mut tx = db.begin().await.expect("begin");
    let mut first = 0;
    for l in 0..learners {
        let learner: i64 = sqlx::query_scalar(
            "insert into learner (token_hash, created_at, last_seen_at) \
             values (?, '2026-11-25T08:00:00.000Z', '2026-11-25T09:00:00.000Z') returning learner_id",
        )
        .bind(format!("bench-learner-{l}").into_bytes())
        .fetch_one(&mut *tx)
        .await
        .expect("learner");
        first = if l == 0 { learner } else { first };
        sqlx::query("insert into class_member values (?, ?, ?, '2026-11-25T08:00:00.000Z')")
            .bind(class_id)
            .bind(learner)
            .bind(format!("학생 {l:03}"))
            .execute(&mut *tx)
            .await
            .expect("member");
        for r in 0..runs {
            insert_run(&mut tx, learner, l * runs + r).await;
        }
    }
    tx.commit().await.expect("commit");
    first
}

async fn insert_run(tx: &mut sqlx::SqliteConnection, learner: i64, i: usize) {
    let minute = i % 60;
    let submitted = format!("2026-11-25T08:{minute:02}:{:02}.000Z", i % 60);
    let finished = format!("2026-11-25T08:{minute:02}:{:02}.500Z", (i + 3) % 60);
    // Stored as the worker stores a result: its numbers apart from its timelines.
    let result: RunResult = serde_json::from_value(result(i)).expect("a result");
    let (numbers, timelines) = result.split_timelines();
    sqlx::query(
        "insert into run (run_id, learner_id, experiment, params, code, code_edited, prediction, \
         explanation, status, stdout, stderr, result, timelines, submitted_at, started_at, \
         finished_at) \
         values (?, ?, ?, '{\"workers\": 4}', 'print(1)', ?, ?, ?, 'succeeded', '', '', ?, ?, ?, ?, ?)",
    )
    .bind(format!("bench{i:07}"))
    .bind(learner)
    .bind(EXPERIMENTS[i % EXPERIMENTS.len()])
    .bind(i.is_multiple_of(7))
    .bind(json!({"value": 1.0 + (i % 4) as f64}).to_string())
    .bind(i.is_multiple_of(3).then(|| format!("설명 {i}: 프로세스는 GIL을 따로 가지니까요.")))
    .bind(Json(numbers))
    .bind(Json(timelines))
    .bind(&submitted)
    .bind(&submitted)
    .bind(&finished)
    .execute(tx)
    .await
    .expect("run");
}

async fn time_page(app: &axum::Router, path: &str, cookie: &str, rounds: usize) -> Vec<f64> {
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds + 3 {
        let request = Request::get(path)
            .header("host", "bench.test")
            .header("cookie", cookie)
            .body(Body::empty())
            .expect("request");
        let started = Instant::now();
        let response = app.clone().oneshot(request).await.expect("response");
        let status = response.status();
        let body = response.into_body().collect().await.expect("body").to_bytes();
        let elapsed = started.elapsed().as_secs_f64() * 1e3;
        assert!(status.is_success(), "{path}: {status}");
        assert!(body.len() > 1000, "{path}: a real page");
        if round >= 3 {
            times.push(elapsed);
        }
    }
    times
}

fn report(name: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{name:<26} median {:>6.1} ms · p95 {:>6.1} ms · max {:>6.1} ms ({} requests)",
        at(0.5),
        at(0.95),
        at(1.0),
        times.len()
    );
}

async fn print_plans(db: &SqlitePool, class_id: i64) {
    let queries = [
        (
            "roster page",
            "select m.learner_id, count(r.learner_id), max(r.submitted_at), sum(r.status in ('queued', 'running')) from (select learner_id, display_name from class_member where class_id = ?1 order by display_name, learner_id limit 50) m left join run r on r.learner_id = m.learner_id group by m.learner_id",
        ),
        (
            "runs per experiment",
            "select r.experiment, count(*) from class_member m join run r on r.learner_id = m.learner_id where m.class_id = ?1 group by r.experiment",
        ),
    ];
    for (name, sql) in queries {
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("explain query plan {sql}")))
                .bind(class_id)
                .fetch_all(db)
                .await
                .expect("plan");
        println!("plan of the {name}:");
        for (_, _, _, detail) in plan {
            println!("  {detail}");
        }
    }
}
