//! Caps on open event streams, per run and per client address: each stream holds a task and a
//! connection for as long as its run lasts, so one client may not open them without end.

use crate::runs::RunId;
use crate::slots::{Slot, Slots};
use crate::web::error::AppError;

/// Streams open now, counted per run and per address.
#[derive(Clone)]
pub struct StreamCaps {
    per_run: Slots<RunId>,
    per_address: Slots<String>,
    max_per_run: usize,
    max_per_address: usize,
}

/// A stream's two slots, given back when the stream is dropped (the client went away).
pub struct StreamSlot {
    _run: Slot<RunId>,
    _address: Slot<String>,
}

impl StreamCaps {
    pub fn new(max_per_run: usize, max_per_address: usize) -> StreamCaps {
        StreamCaps {
            per_run: Slots::default(),
            per_address: Slots::default(),
            max_per_run,
            max_per_address,
        }
    }

    /// A slot for one more stream of `run` from `address`, or 429 with a Korean message.
    pub fn open(&self, run: &RunId, address: &str) -> Result<StreamSlot, AppError> {
        let too_many = || {
            AppError::TooManyRequests(
                "실시간 보기 창이 너무 많이 열려 있습니다. 다른 창을 닫고 다시 시도해 주세요."
                    .to_owned(),
            )
        };
        let address = self.per_address.take(&address.to_owned(), self.max_per_address);
        let address = address.ok_or_else(too_many)?;
        let run = self.per_run.take(run, self.max_per_run).ok_or_else(too_many)?;
        Ok(StreamSlot { _run: run, _address: address })
    }

    /// Streams open now from `address` (for tests and diagnostics).
    pub fn open_from(&self, address: &str) -> usize {
        self.per_address.count(&address.to_owned())
    }
}
