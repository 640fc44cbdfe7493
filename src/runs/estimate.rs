//! The arithmetic of a queued run's estimated start: the expected duration of each run, from
//! recent ones, and when each queued run gets a worker. Pure, so it is tested without a queue.

use std::collections::HashMap;

/// How many recent finished runs of one experiment its expected duration is the mean of.
pub const PER_EXPERIMENT: usize = 9;
/// How many recent finished runs of any experiment the fallback is the mean of.
pub const OVERALL: usize = 25;
/// The expected duration, in seconds, before any run has finished.
pub const DEFAULT_S: f64 = 5.0;

/// Expected run durations: the recent mean per experiment, else over all experiments. A mean,
/// not a median: a queued run waits for the *sum* of the runs ahead, and adaptive repeats make
/// durations bimodal (a run stops after 2 repeats or goes on to 4), where a median picks one
/// mode and is off by a third for every run ahead. The longest and shortest of five or more
/// are left out, so one learner's endless loop does not move the estimate of everyone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Durations {
    per_experiment: HashMap<String, f64>,
    overall: Option<f64>,
}

impl Durations {
    /// From finished runs' `(experiment, seconds)`, newest first.
    pub fn from_recent(recent: &[(String, f64)]) -> Durations {
        let mut samples: HashMap<&str, Vec<f64>> = HashMap::new();
        for (experiment, seconds) in recent.iter().filter(|(_, s)| s.is_finite() && *s >= 0.0) {
            let kept = samples.entry(experiment).or_default();
            if kept.len() < PER_EXPERIMENT {
                kept.push(*seconds);
            }
        }
        let per_experiment =
            samples.into_iter().map(|(e, values)| (e.to_owned(), trimmed_mean(values))).collect();
        let latest: Vec<f64> = recent
            .iter()
            .map(|(_, s)| *s)
            .filter(|s| s.is_finite() && *s >= 0.0)
            .take(OVERALL)
            .collect();
        let overall = (!latest.is_empty()).then(|| trimmed_mean(latest));
        Durations { per_experiment, overall }
    }

    /// How long a run of this experiment is expected to take, in seconds.
    pub fn expected(&self, experiment: &str) -> f64 {
        self.per_experiment.get(experiment).copied().or(self.overall).unwrap_or(DEFAULT_S)
    }
}

/// The mean, without the extremes once there are five or more values.
fn trimmed_mean(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let kept = if values.len() >= 5 { &values[1..values.len() - 1] } else { &values[..] };
    kept.iter().sum::<f64>() / kept.len() as f64
}

/// Seconds until each queued run starts, in claim order: `running_left` is the expected time
/// left of each executing run (negative for one running late), `queued` each waiting run's
/// expected duration. Each run takes the worker that frees first, as the workers claim them.
pub fn starts(running_left: &[f64], queued: &[f64], workers: usize) -> Vec<f64> {
    // A run past its expected end may end any moment: it frees its worker "now", never in the past.
    let mut free: Vec<f64> = running_left.iter().map(|left| left.max(0.0)).collect();
    free.sort_by(f64::total_cmp);
    // More running than workers (the setting was lowered): the soonest free are the ones to count.
    free.truncate(workers.max(1));
    free.resize(workers.max(1), 0.0);
    queued
        .iter()
        .map(|&duration| {
            let (soonest, start) = free
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .expect("at least one worker");
            free[soonest] = start + duration.max(0.0);
            start
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recent(runs: &[(&str, f64)]) -> Vec<(String, f64)> {
        runs.iter().map(|(e, s)| ((*e).to_owned(), *s)).collect()
    }

    #[test]
    fn an_experiment_is_expected_to_take_its_recent_mean_else_everyones_else_the_default() {
        let durations =
            Durations::from_recent(&recent(&[("a", 2.0), ("a", 4.0), ("a", 9.0), ("b", 21.0)]));
        assert_eq!(durations.expected("a"), 5.0);
        assert_eq!(durations.expected("b"), 21.0);
        assert_eq!(durations.expected("never-run"), 9.0, "the mean of all four");
        assert_eq!(Durations::default().expected("a"), DEFAULT_S);
    }

    #[test]
    fn bimodal_durations_expect_their_mean_and_an_endless_loop_is_left_out() {
        let runs = [("a", 1.5), ("a", 3.0), ("a", 1.5), ("a", 3.0), ("a", 1.5), ("a", 60.0)];
        let expected = Durations::from_recent(&recent(&runs)).expected("a");
        assert!((expected - 2.25).abs() < 1e-9, "1.5, 3, 1.5, 3 without 1.5 and 60: {expected}");
    }

    #[test]
    fn only_the_latest_runs_of_an_experiment_count() {
        let mut runs = vec![("a", 1.0); PER_EXPERIMENT];
        runs.extend([("a", 100.0); PER_EXPERIMENT]);
        assert_eq!(Durations::from_recent(&recent(&runs)).expected("a"), 1.0);
    }

    #[test]
    fn one_worker_starts_each_run_after_all_ahead_of_it() {
        assert_eq!(starts(&[3.0], &[10.0, 10.0, 5.0], 1), vec![3.0, 13.0, 23.0]);
        assert_eq!(starts(&[], &[10.0, 10.0], 1), vec![0.0, 10.0]);
    }

    #[test]
    fn parallel_workers_share_the_runs_ahead() {
        assert_eq!(starts(&[4.0], &[10.0, 10.0, 10.0], 2), vec![0.0, 4.0, 10.0]);
        assert_eq!(starts(&[8.0, 2.0], &[6.0, 6.0], 2), vec![2.0, 8.0]);
    }

    #[test]
    fn a_run_past_its_expected_end_frees_its_worker_about_now() {
        assert_eq!(starts(&[-7.0], &[10.0, 10.0], 1), vec![0.0, 10.0]);
    }

    #[test]
    fn more_runs_running_than_workers_count_the_soonest_free() {
        assert_eq!(starts(&[9.0, 1.0, 5.0], &[10.0], 2), vec![1.0]);
    }

    #[test]
    fn the_estimate_falls_as_the_run_ahead_goes_on_and_drops_when_it_ends_early() {
        let at = |elapsed: f64| starts(&[10.0 - elapsed], &[10.0, 10.0], 1)[1];
        let seen: Vec<f64> = [0.0, 3.0, 9.9, 12.0].iter().map(|&e| at(e)).collect();
        assert!(seen.windows(2).all(|w| w[1] <= w[0]), "{seen:?}");
        assert!((starts(&[0.1], &[10.0], 1)[0] - 0.1).abs() < 1e-9, "about 0 at position 1");
        // The run ahead ended early: the next one is executing for 1 s of its 10.
        assert!(starts(&[9.0], &[10.0], 1)[0] < at(1.0));
    }
}
