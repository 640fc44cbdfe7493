//! Submitting a run: parse the request against the catalogue, check the learner's limits, enqueue.

use serde::Deserialize;
use serde_json::{Map, Value};
use sqlx::types::Json;

use super::RunId;
use super::prediction::{self, Prediction};
use super::queue::{self, NewRun};
use super::store;
use crate::content::{Content, ExperimentId, ParamValues, check_values};

/// Why a submission was refused; each message is the Korean sentence the learner reads.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("알 수 없는 실험입니다.")]
    UnknownExperiment,
    #[error("이 실험은 아직 실행할 수 없습니다.")]
    NotRunnable,
    /// A parameter or the prediction is not what the experiment accepts.
    #[error("{0}")]
    Invalid(String),
    #[error("이 실험은 예측을 받지 않습니다.")]
    PredictionNotAsked,
    #[error("코드가 너무 깁니다: {} KiB까지 실행할 수 있습니다.", .max_bytes / 1024)]
    CodeTooLong { max_bytes: usize },
    #[error("이미 실행을 기다리는 실험이 {waiting}개 있습니다. 끝난 뒤에 다시 실행해 주세요.")]
    TooManyWaiting { waiting: i64 },
    #[error("실행 요청이 너무 잦습니다. 1분쯤 뒤에 다시 실행해 주세요.")]
    TooFrequent,
    #[error(
        "이 주소에서 반에 참여하지 않은 채 기다리는 실행이 너무 많습니다({waiting}개). \
         선생님이 알려 준 참여 코드로 반에 참여하거나, 앞의 실행이 끝난 뒤에 다시 실행해 주세요."
    )]
    TooManyAnonymousFromAddress { waiting: i64 },
    #[error(
        "지금은 반에 참여하지 않은 방문자의 실행이 많이 밀려 있습니다. \
         반에 참여하거나 잠시 뒤에 다시 실행해 주세요."
    )]
    AnonymousQueueFull,
    #[error("실행 대기열이 가득 찼습니다. 잠시 뒤에 다시 실행해 주세요.")]
    QueueStorageFull,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// The JSON body of `POST /api/runs`, as it arrives.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    pub experiment: String,
    #[serde(default)]
    pub params: Map<String, Value>,
    pub code: Option<String>,
    pub prediction: Option<Value>,
}

/// Limits on submitting: per learner, and on the queue as a whole.
#[derive(Debug, Clone, Copy)]
pub struct SubmitLimits {
    pub max_code_bytes: usize,
    pub max_queued: i64,
    pub max_per_minute: i64,
    /// Waiting runs of learners in no class, from one client address.
    pub max_anonymous_per_address: i64,
    /// Waiting runs of learners in no class, from everywhere.
    pub max_anonymous: i64,
    /// Bytes of code in queued runs, everyone's together.
    pub max_queued_code_bytes: i64,
}

/// A submission that passed every check.
#[derive(Debug)]
pub struct Submission {
    pub experiment: ExperimentId,
    pub params: ParamValues,
    pub code: String,
    pub code_edited: bool,
    pub prediction: Option<Prediction>,
    /// The work asked for against the experiment's defaults (`Experiment::size`).
    pub size: f64,
}

impl Submission {
    pub fn parse(
        request: SubmitRequest,
        content: &Content,
        limits: &SubmitLimits,
    ) -> Result<Submission, SubmitError> {
        let id = ExperimentId::parse(&request.experiment).ok_or(SubmitError::UnknownExperiment)?;
        let experiment = content.experiment(&id).ok_or(SubmitError::UnknownExperiment)?;
        let original = experiment.code.as_deref().ok_or(SubmitError::NotRunnable)?;
        let params =
            check_values(&experiment.params, &request.params).map_err(SubmitError::Invalid)?;
        let code = request.code.unwrap_or_else(|| original.to_owned());
        if code.len() > limits.max_code_bytes {
            return Err(SubmitError::CodeTooLong { max_bytes: limits.max_code_bytes });
        }
        let code_edited = normalize(&code) != normalize(original);
        let prediction = match (request.prediction, &experiment.prediction) {
            (None | Some(Value::Null), _) => None,
            (Some(_), None) => return Err(SubmitError::PredictionNotAsked),
            (Some(given), Some(spec)) => {
                Some(prediction::check(spec, &given).map_err(SubmitError::Invalid)?)
            }
        };
        let size = experiment.size(&params);
        Ok(Submission { experiment: id, params, code, code_edited, prediction, size })
    }
}

/// Line endings from a browser's textarea must not count as an edit.
fn normalize(code: &str) -> String {
    code.replace("\r\n", "\n").trim_end().to_owned()
}

/// Checks the learner's and the queue's caps, then inserts the run (which enqueues it),
/// atomically. `address` is the client's, as the caller knows it (a plain string here).
pub async fn submit(
    pool: &crate::db::Pool,
    learner_id: i64,
    address: &str,
    submission: &Submission,
    limits: &SubmitLimits,
) -> Result<RunId, SubmitError> {
    let mut tx = pool.begin_write().await?;
    check_learner(&mut tx, learner_id, limits).await?;
    check_queue(&mut tx, learner_id, address, submission.code.len(), limits).await?;
    let id = RunId::new();
    let params = Json(&submission.params);
    let run = NewRun {
        id: &id,
        learner_id,
        experiment: submission.experiment.as_str(),
        params,
        code: &submission.code,
        code_edited: submission.code_edited,
        prediction: submission.prediction.as_ref().map(Json),
        submitted_from: address,
        size: submission.size,
    };
    queue::enqueue(&mut tx, &run).await?;
    tx.commit().await?;
    Ok(id)
}

async fn check_learner(
    tx: &mut crate::db::Tx,
    learner_id: i64,
    limits: &SubmitLimits,
) -> Result<(), SubmitError> {
    let minute_ago = (chrono::Utc::now() - chrono::Duration::minutes(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (waiting, recent) = store::learner_load(tx, learner_id, &minute_ago).await?;
    if waiting >= limits.max_queued {
        return Err(SubmitError::TooManyWaiting { waiting });
    }
    if recent >= limits.max_per_minute {
        return Err(SubmitError::TooFrequent);
    }
    Ok(())
}

/// A class member counts only against their own caps (a class behind one school address must
/// not trip the address cap); a learner in no class also against the anonymous caps. The stored
/// code is capped for everyone, so no one can fill the disk through the queue.
async fn check_queue(
    tx: &mut crate::db::Tx,
    learner_id: i64,
    address: &str,
    code_bytes: usize,
    limits: &SubmitLimits,
) -> Result<(), SubmitError> {
    let load = queue::load(tx, address).await?;
    if load.queued_code_bytes + code_bytes as i64 > limits.max_queued_code_bytes {
        return Err(SubmitError::QueueStorageFull);
    }
    if !queue::is_anonymous(tx, learner_id).await? {
        return Ok(());
    }
    if load.anonymous_from_address >= limits.max_anonymous_per_address {
        return Err(SubmitError::TooManyAnonymousFromAddress {
            waiting: load.anonymous_from_address,
        });
    }
    if load.anonymous >= limits.max_anonymous {
        return Err(SubmitError::AnonymousQueueFull);
    }
    Ok(())
}
