//! A class's dashboard (`/classes/{id}`): join code and QR, totals, runs per experiment and the
//! roster with each learner's activity, and who waits in the run queue. The live part is also served alone
//! (`/classes/{id}/live`), for the page's script to refresh while the class works.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Html;
use axum::routing::get;

use super::manage::join_link;
use super::qr::{QrSvg, qr_svg};
use super::queue::{QueueRow, class_queue};
use crate::accounts::class::ClassRow;
use crate::accounts::instructor::Instructor;
use crate::accounts::roster::{self, ClassTotals, ExperimentActivity, RosterRow};
use crate::app::AppState;
use crate::web::error::Result;
use crate::web::pages::{korean_time, render};
use crate::web::paging::{ListQuery, Pager};
use crate::web::resource::TaughtClass;

const ROSTER_PAGE: i64 = 50;
/// A learner who submitted a run within this many minutes counts as active.
const ACTIVE_MINUTES: i64 = 10;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/classes/{id}", get(show_class))
        .route("/classes/{id}/live", get(show_class_live))
}

/// An experiment of the course with what the class did with it.
pub struct ExperimentRow {
    pub id: String,
    pub title: String,
    pub runs: i64,
    pub learners: i64,
    pub succeeded: i64,
    pub last_run: String,
}

/// The part of the dashboard that changes while the class works.
pub struct Live {
    pub class_id: i64,
    pub totals: ClassTotals,
    pub experiments: Vec<ExperimentRow>,
    pub roster: Vec<RosterRow>,
    /// The class's runs waiting in the queue, next to run first.
    pub queue: Vec<QueueRow>,
    pub pager: Pager,
    pub updated: String,
}

impl Live {
    pub fn when(&self, time: &Option<String>) -> String {
        time.as_deref().map_or_else(|| "—".to_owned(), korean_time)
    }
}

fn experiment_rows(state: &AppState, activity: Vec<ExperimentActivity>) -> Vec<ExperimentRow> {
    let content = &state.content;
    let lesson_rank = |slug: &str| content.lessons().iter().position(|l| l.slug == slug);
    let mut experiments: Vec<_> = content.experiments().filter(|e| e.code.is_some()).collect();
    experiments.sort_by_key(|e| (lesson_rank(&e.lesson), e.id.clone()));
    experiments
        .into_iter()
        .map(|e| {
            let done = activity.iter().find(|a| a.experiment == e.id.as_str());
            ExperimentRow {
                id: e.id.to_string(),
                title: e.title.clone(),
                runs: done.map_or(0, |a| a.runs),
                learners: done.map_or(0, |a| a.learners),
                succeeded: done.map_or(0, |a| a.succeeded),
                last_run: done.map_or_else(|| "—".to_owned(), |a| korean_time(&a.last_run_at)),
            }
        })
        .collect()
}

/// Everything the live part shows, for one page of the roster.
pub async fn live(state: &AppState, class: &ClassRow, page: i64) -> Result<Live> {
    let since = chrono::Utc::now() - chrono::Duration::minutes(ACTIVE_MINUTES);
    let since = since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let totals = roster::totals(&state.db, class.class_id, &since).await?;
    let base = format!("/classes/{}?", class.class_id);
    let pager = Pager::new(page, ROSTER_PAGE, totals.members, base);
    let (limit, offset) = pager.window(ROSTER_PAGE);
    let roster = roster::roster(&state.db, class.class_id, limit, offset).await?;
    let activity = roster::experiment_activity(&state.db, class.class_id).await?;
    let updated = korean_time(&crate::runs::now_rfc3339());
    let experiments = experiment_rows(state, activity);
    let queue = class_queue(state, class.class_id).await?;
    Ok(Live { class_id: class.class_id, totals, experiments, roster, queue, pager, updated })
}

#[derive(Template)]
#[template(path = "classes/dashboard.html")]
struct DashboardPage {
    instructor: Instructor,
    class: ClassRow,
    link: String,
    qr: Option<QrSvg>,
    live: Live,
}

async fn show_class(
    State(state): State<AppState>,
    TaughtClass { class, instructor: me }: TaughtClass,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Html<String>> {
    let live = live(&state, &class, query.page()).await?;
    let link = join_link(&headers, &state.config, &class.join_code);
    let qr = qr_svg(&link);
    render(&DashboardPage { instructor: me, class, link, qr, live })
}

#[derive(Template)]
#[template(path = "classes/live.html")]
struct LiveFragment {
    live: Live,
}

async fn show_class_live(
    State(state): State<AppState>,
    TaughtClass { class, .. }: TaughtClass,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>> {
    render(&LiveFragment { live: live(&state, &class, query.page()).await? })
}
