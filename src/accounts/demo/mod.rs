//! Class demos (peer instruction): an instructor opens one experiment "for the class", its
//! learners predict on their own devices, the instructor runs it once, everyone sees the
//! measurement against the class's predictions, and then the instructor opens it for everyone.
//! The phases and their moves live here; the SQL in `store`, who else it concerns in `rules`,
//! what the predictions add up to in `tally`.

pub mod rules;
pub mod store;
pub mod tally;

use crate::runs::prediction::Prediction;

/// Where a demo stands. It only ever moves forward:
/// `Predicting → Running → Measured → Opened`, or to `Closed` before it is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Learners give (and may change) their predictions.
    Predicting,
    /// The instructor ran it: predictions are locked, the run waits or executes.
    Running,
    /// The run finished; the measurement stands against the predictions.
    Measured,
    /// Ended: the learners run their own variants on the lesson page.
    Opened,
    /// Ended without being opened (the instructor stopped it).
    Closed,
}

impl Phase {
    const ALL: [Phase; 5] =
        [Phase::Predicting, Phase::Running, Phase::Measured, Phase::Opened, Phase::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Predicting => "predicting",
            Phase::Running => "running",
            Phase::Measured => "measured",
            Phase::Opened => "opened",
            Phase::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    /// The Korean words pages show.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Predicting => "예측 받는 중",
            Phase::Running => "실행 중",
            Phase::Measured => "측정 완료",
            Phase::Opened => "모두에게 열림",
            Phase::Closed => "닫힘",
        }
    }

    /// Still in class: learners' lesson cards wait for it to be opened.
    pub fn in_progress(self) -> bool {
        matches!(self, Phase::Predicting | Phase::Running | Phase::Measured)
    }

    pub fn takes_predictions(self) -> bool {
        self == Phase::Predicting
    }

    /// Whether the demo run's measurement may be shown (it exists once measured).
    pub fn has_run(self) -> bool {
        !matches!(self, Phase::Predicting | Phase::Closed)
    }
}

impl TryFrom<String> for Phase {
    type Error = String;

    fn try_from(raw: String) -> Result<Phase, String> {
        Phase::parse(&raw).ok_or_else(|| format!("not a demo phase: {raw:?}"))
    }
}

/// A demo as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Demo {
    pub demo_id: i64,
    pub class_id: i64,
    pub experiment: String,
    #[sqlx(try_from = "String")]
    pub phase: Phase,
    /// The class's demo learner, whose name the demo run goes under.
    pub runner_id: i64,
    pub run_id: Option<String>,
    pub opened_at: String,
    pub run_at: Option<String>,
    pub measured_at: Option<String>,
    pub ended_at: Option<String>,
}

/// A learner's prediction for a demo, with their name in the class.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DemoPrediction {
    pub learner_id: i64,
    pub display_name: String,
    pub prediction: sqlx::types::Json<Prediction>,
    pub predicted_at: String,
}

/// Why a demo did not move; each message is the Korean sentence the user reads.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("not found")]
    NotFound,
    #[error(
        "이 반에는 이미 진행 중인 수업 실험이 있습니다. 먼저 그 실험을 모두에게 열거나 닫아 주세요."
    )]
    AlreadyInProgress,
    #[error("이 실험은 예측을 묻지 않아 수업용으로 열 수 없습니다.")]
    NoQuestion,
    #[error("실행이 이미 시작되어 예측을 더 받지 않습니다.")]
    PredictionsClosed,
    #[error(
        "지금은 실행할 수 없습니다: 예측을 받는 중일 때, 또는 실행이 실패했을 때만 실행합니다."
    )]
    CannotRun,
    #[error("측정이 끝난 뒤에 모두에게 열 수 있습니다.")]
    NotMeasured,
    #[error("이미 끝난 수업 실험입니다.")]
    Ended,
    #[error("{0}")]
    Submit(#[from] crate::runs::submit::SubmitError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}
