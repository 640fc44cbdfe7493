//! The class's part of the run queue, for its dashboard: which learners wait, since when and
//! for how long, at which place, and when their run is expected to start.

use std::collections::HashMap;

use crate::accounts::roster;
use crate::app::AppState;
use crate::content::ExperimentId;
use crate::format;
use crate::runs::waiting::waiting;
use crate::web::error::Result;
use crate::web::pages::korean_time;

/// One waiting run of a learner of the class.
pub struct QueueRow {
    pub learner_id: i64,
    pub display_name: String,
    pub experiment: String,
    pub since: String,
    pub waited: String,
    pub position: i64,
    pub expected_start: String,
}

/// The class's waiting runs in claim order.
pub async fn class_queue(state: &AppState, class_id: i64) -> Result<Vec<QueueRow>> {
    let queue = waiting(&state.db, state.config.parallel_runs()).await?;
    if queue.is_empty() {
        return Ok(Vec::new());
    }
    let names: HashMap<i64, String> =
        roster::members(&state.db, class_id).await?.into_iter().collect();
    Ok(queue
        .into_iter()
        .filter_map(|w| {
            let display_name = names.get(&w.learner_id)?.clone();
            let id = ExperimentId::parse(&w.experiment);
            let experiment = id.and_then(|id| state.content.experiment(&id));
            Some(QueueRow {
                learner_id: w.learner_id,
                display_name,
                experiment: experiment.map_or(w.experiment, |e| e.title.clone()),
                since: korean_time(&w.submitted_at),
                waited: format::duration(w.waited_s),
                position: w.position,
                expected_start: format::expected_start(w.eta_s),
            })
        })
        .collect())
}
