//! `/classes/{id}/runs.csv`: one row per run of the class, for a spreadsheet. UTF-8 with a BOM
//! so Excel shows Korean, CRLF rows, every text cell quoted, and any cell that a spreadsheet
//! would read as a formula (`=`, `+`, `-`, `@`, tab, CR first) defused with a leading `'`.
//! After the learners' own runs come the class demos: each demo run, then each learner's
//! prediction for it judged against it; the last column tells the three apart.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sqlx::types::Json;

use super::experiment::CodeQuery;
use crate::accounts::class_insight;
use crate::accounts::class_runs::{self, ClassRun};
use crate::accounts::code_filter::CodeFilter;
use crate::accounts::demo::{DemoPrediction, store};
use crate::app::AppState;
use crate::content::{Content, ExperimentId};
use crate::runs::store::{self as runs_store, RunRow};
use crate::runs::{RunId, RunStatus};
use crate::web::error::Result;
use crate::web::resource::TaughtClass;
use crate::web::run_view::speedups;

pub fn router() -> Router<AppState> {
    Router::new().route("/classes/{id}/runs.csv", get(export_class_csv))
}

const HEADER: [&str; 19] = [
    "학습자",
    "실험 ID",
    "실험",
    "실행 ID",
    "상태",
    "매개변수",
    "코드 수정",
    "속도 향상",
    "예측 대상 측정값",
    "다른 프로그램이 쓴 코어",
    "예측",
    "예측 판정",
    "실제 측정",
    "설명",
    "제출 시각 (KST)",
    "시작 시각 (KST)",
    "종료 시각 (KST)",
    "실행 시간 (초)",
    "구분",
];

/// The last column: a learner's own run, a class demo's run, or a learner's prediction for one
/// (its row carries the demo run's numbers, judged against that learner's prediction).
const OWN_RUN: &str = "직접 실행";
const DEMO_RUN: &str = "수업 실험 실행";
const DEMO_PREDICTION: &str = "수업 실험 예측";
const DEMO_RUNNER_NAME: &str = "(선생님 수업 실험)";

/// A text cell: quoted, and defused if a spreadsheet would take it for a formula.
pub fn text_cell(value: &str) -> String {
    let risky = value.trim_start_matches(' ').starts_with(['=', '+', '-', '@', '\t', '\r']);
    let value = if risky { format!("'{value}") } else { value.to_owned() };
    format!("\"{}\"", value.replace('"', "\"\""))
}

fn number_cell(value: Option<f64>) -> String {
    value
        .filter(|v| v.is_finite())
        .map_or_else(String::new, |v| format!("{}", (v * 1000.0).round() / 1000.0))
}

fn kst(rfc3339: Option<&str>) -> String {
    let seoul = chrono::FixedOffset::east_opt(9 * 3600);
    let parsed = rfc3339.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    match (parsed, seoul) {
        (Some(time), Some(seoul)) => {
            time.with_timezone(&seoul).format("%Y-%m-%d %H:%M:%S").to_string()
        }
        _ => String::new(),
    }
}

fn seconds_between(start: Option<&str>, end: Option<&str>) -> Option<f64> {
    let parse = |t: Option<&str>| chrono::DateTime::parse_from_rfc3339(t?).ok();
    let (start, end) = (parse(start)?, parse(end)?);
    Some((end - start).num_milliseconds() as f64 / 1000.0)
}

fn row(content: &Content, run: &ClassRun, kind: &str) -> Vec<String> {
    let experiment = ExperimentId::parse(&run.experiment).and_then(|id| content.experiment(&id));
    let result = run.result();
    let judgement = experiment.and_then(|e| class_insight::judge(e, run));
    let measure = experiment
        .and_then(|e| e.prediction.as_ref())
        .zip(result)
        .and_then(|(p, r)| p.measure.eval(r));
    let predicted = judgement
        .as_ref()
        .map(|j| j.predicted.clone())
        .or_else(|| run.prediction().map(|p| p.to_string()));
    let verdict = judgement.as_ref().map_or("", |j| if j.correct { "맞음" } else { "틀림" });
    let status: &str = match RunStatus::parse(&run.status) {
        Some(status) => status.label(),
        None => &run.status,
    };
    // The cores others kept busy beside the run: 0 where it was quiet, empty for old results.
    let others = result
        .and_then(|r| r.environment.others_cores.or((!r.environment.contended).then_some(0.0)));
    vec![
        text_cell(&run.display_name),
        text_cell(&run.experiment),
        text_cell(experiment.map_or("", |e| e.title.as_str())),
        text_cell(&run.run_id),
        text_cell(status),
        text_cell(&serde_json::to_string(&run.params.0).unwrap_or_default()),
        text_cell(if run.code_edited { "예" } else { "아니오" }),
        text_cell(&result.map(speedups).unwrap_or_default()),
        number_cell(measure),
        number_cell(others),
        text_cell(predicted.as_deref().unwrap_or_default()),
        text_cell(verdict),
        text_cell(judgement.as_ref().map_or("", |j| j.measured.as_str())),
        text_cell(run.explanation().unwrap_or_default()),
        text_cell(&kst(Some(&run.submitted_at))),
        text_cell(&kst(run.started_at.as_deref())),
        text_cell(&kst(run.finished_at.as_deref())),
        number_cell(seconds_between(run.started_at.as_deref(), run.finished_at.as_deref())),
        text_cell(kind),
    ]
}

/// A demo run as a class run under `name`, with `prediction` (a learner's) beside it.
fn demo_run_as(run: &RunRow, name: &str, prediction: Option<&DemoPrediction>) -> ClassRun {
    ClassRun {
        run_id: run.run_id.to_string(),
        learner_id: prediction.map_or(run.learner_id, |p| p.learner_id),
        display_name: name.to_owned(),
        experiment: run.experiment.clone(),
        status: run.status.as_str().to_owned(),
        params: run.params.clone(),
        code_edited: run.code_edited,
        prediction: prediction.map(|p| p.prediction.clone()),
        explanation: None,
        result: run.result().map(Json),
        submitted_at: prediction
            .map_or_else(|| run.submitted_at.clone(), |p| p.predicted_at.clone()),
        started_at: run.started_at.clone(),
        finished_at: run.finished_at.clone(),
        code: None,
    }
}

/// Each demo that ran: its run, then every learner's prediction for it.
async fn demo_rows(
    state: &AppState,
    class_id: i64,
    filter: CodeFilter,
    body: &mut String,
) -> Result<()> {
    for demo in store::all_run(&state.db, class_id).await? {
        let Some(id) = demo.run_id.as_deref().and_then(RunId::parse) else { continue };
        let Some(run) = runs_store::get(&state.db, &id).await? else { continue };
        if !filter.keeps(run.code_edited) {
            continue;
        }
        let mut rows =
            vec![row(&state.content, &demo_run_as(&run, DEMO_RUNNER_NAME, None), DEMO_RUN)];
        for prediction in store::predictions(&state.db, &demo).await? {
            let as_run = demo_run_as(&run, &prediction.display_name, Some(&prediction));
            rows.push(row(&state.content, &as_run, DEMO_PREDICTION));
        }
        for cells in rows {
            body.push_str(&cells.join(","));
            body.push_str("\r\n");
        }
    }
    Ok(())
}

/// The start of the file: the BOM and the header row.
fn csv_header() -> String {
    let header: Vec<String> = HEADER.iter().map(|h| text_cell(h)).collect();
    format!("\u{feff}{}\r\n", header.join(","))
}

async fn export_class_csv(
    State(state): State<AppState>,
    TaughtClass { class, .. }: TaughtClass,
    Query(code): Query<CodeQuery>,
) -> Result<Response> {
    // `?code=original` leaves out the runs of edited programs; the 코드 수정 column marks them.
    let filter = code.filter()?;
    let mut body = csv_header();
    class_runs::each_run(&state.db, class.class_id, |run| {
        if filter.keeps(run.code_edited) {
            body.push_str(&row(&state.content, &run, OWN_RUN).join(","));
            body.push_str("\r\n");
        }
    })
    .await?;
    demo_rows(&state, class.class_id, filter, &mut body).await?;
    let suffix = match filter {
        CodeFilter::All => String::new(),
        other => format!("-{}", other.as_str()),
    };
    let disposition = format!("attachment; filename=\"class-{}-runs{suffix}.csv\"", class.class_id);
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?,
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    Ok((headers, body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_defused() {
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for risky in ["+1", "-2+3", "@SUM(A1)", "\tx", " =1"] {
            assert!(text_cell(risky).starts_with("\"'"), "{risky}");
        }
        assert_eq!(text_cell("김민준"), "\"김민준\"");
        assert_eq!(text_cell("줄\n바꿈"), "\"줄\n바꿈\"");
    }

    #[test]
    fn numbers_are_plain_and_missing_ones_empty() {
        assert_eq!(number_cell(Some(1.81818)), "1.818");
        assert_eq!(number_cell(Some(-0.5)), "-0.5");
        assert_eq!(number_cell(None), "");
        assert_eq!(number_cell(Some(f64::NAN)), "");
    }

    #[test]
    fn times_are_korean_and_durations_in_seconds() {
        assert_eq!(kst(Some("2026-11-25T08:40:12.345Z")), "2026-11-25 17:40:12");
        let took =
            seconds_between(Some("2026-11-25T08:40:12.345Z"), Some("2026-11-25T08:40:14.000Z"));
        assert_eq!(took, Some(1.655));
    }
}
