//! What a result may hold, whatever a program writes on its result channel: spans thinned to
//! what a timeline can show, and a cap on the stored size that pages and the database share.
//! A forged result (16 variants × 64 workers × 4 000 spans) is cut here, not in every page.

use super::{MetricValue, RunResult};

/// Spans kept per worker as they arrive: more than a 640-unit timeline can tell apart.
pub const SPANS_PER_WORKER: usize = 800;
/// Spans of a whole result, shared by its workers (a real run has about a dozen workers).
const SPANS_PER_RESULT: usize = 8_000;
/// GIL timeline spans of a whole result, all kinds and lanes together.
const GIL_SPANS_PER_RESULT: usize = 6_000;
/// The largest result stored or drawn, as JSON.
pub const MAX_BYTES: usize = 512 * 1024;
/// Numbers of a list metric kept per repetition when the result is over `MAX_BYTES`.
const NUMBERS_WHEN_CUT: usize = 100;

/// Thins `spans` (sorted, `[start, end]` in seconds) to at most `budget`, by joining spans
/// separated by less than a growing gap: what disappears is what a chart could not show.
pub fn downsample(mut spans: Vec<[f64; 2]>, budget: usize) -> Vec<[f64; 2]> {
    if spans.len() <= budget {
        return spans;
    }
    if budget == 0 {
        return Vec::new();
    }
    let first = spans.first().map_or(0.0, |s| s[0]);
    let last = spans.iter().map(|s| s[1]).fold(first, f64::max);
    let mut gap = ((last - first) / budget as f64).max(1e-9);
    while spans.len() > budget {
        spans = join_closer_than(&spans, gap);
        gap *= 2.0;
    }
    spans
}

fn join_closer_than(spans: &[[f64; 2]], gap: f64) -> Vec<[f64; 2]> {
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(spans.len() / 2 + 1);
    for &[start, end] in spans {
        match out.last_mut() {
            Some(previous) if start - previous[1] < gap => previous[1] = previous[1].max(end),
            _ => out.push([start, end]),
        }
    }
    out
}

/// Brings a result within bounds: its spans within `SPANS_PER_RESULT`, then, if its JSON is
/// still over `MAX_BYTES`, long list metrics cut and finally the timelines and per-repetition
/// metrics dropped. Says whether anything was cut.
pub fn bound(result: &mut RunResult) -> bool {
    let workers: usize = result.variants.iter().map(|v| v.workers.len()).sum();
    let spans: usize = result.variants.iter().flat_map(|v| &v.workers).map(|w| w.spans.len()).sum();
    let mut cut = false;
    if spans > SPANS_PER_RESULT {
        let budget = SPANS_PER_RESULT / workers.max(1);
        for worker in result.variants.iter_mut().flat_map(|v| &mut v.workers) {
            worker.spans = downsample(std::mem::take(&mut worker.spans), budget.max(1));
        }
        cut = true;
    }
    cut |= thin_gil_timelines(result);
    let steps: [fn(&mut RunResult); 3] = [cut_lists, drop_timelines, drop_repetitions];
    for step in steps {
        if size(result) <= MAX_BYTES {
            break;
        }
        step(result);
        cut = true;
    }
    result.environment.truncated |= cut;
    cut
}

fn size(result: &RunResult) -> usize {
    serde_json::to_vec(result).map_or(usize::MAX, |json| json.len())
}

fn cut_lists(result: &mut RunResult) {
    let metrics = result
        .variants
        .iter_mut()
        .flat_map(|v| std::iter::once(&mut v.metrics).chain(v.metrics_by_repeat.iter_mut()));
    for value in metrics.flat_map(|m| m.values_mut()) {
        if let MetricValue::Numbers(numbers) = value {
            numbers.truncate(NUMBERS_WHEN_CUT);
        }
    }
}

fn drop_timelines(result: &mut RunResult) {
    for variant in &mut result.variants {
        for worker in &mut variant.workers {
            worker.spans.clear();
        }
        if let Some(gil) = &mut variant.gil_timeline {
            gil.take_spans();
            gil.truncated = true;
        }
    }
}

/// Thins the GIL timelines' spans to `GIL_SPANS_PER_RESULT`, each variant's kinds and lanes
/// alike; says whether it did.
fn thin_gil_timelines(result: &mut RunResult) -> bool {
    let gils: Vec<_> = result.variants.iter_mut().filter_map(|v| v.gil_timeline.as_mut()).collect();
    let total: usize = gils.iter().map(|g| g.span_count()).sum();
    if total <= GIL_SPANS_PER_RESULT {
        return false;
    }
    let per_kind = GIL_SPANS_PER_RESULT / (4 * gils.len()).max(1);
    for gil in gils {
        let lanes = gil.lanes();
        let budget = (per_kind / lanes.len().max(1)).max(1);
        for kind in [&mut gil.spans, &mut gil.waits, &mut gil.sleeps, &mut gil.runs] {
            let mut thinned = Vec::new();
            for &lane in &lanes {
                let own = kind.iter().filter(|s| s[0] == lane).map(|s| [s[1], s[2]]).collect();
                thinned.extend(downsample(own, budget).into_iter().map(|[a, b]| [lane, a, b]));
            }
            thinned.sort_by(|a, b| a[1].total_cmp(&b[1]));
            *kind = thinned;
        }
        gil.truncated = true;
    }
    true
}

fn drop_repetitions(result: &mut RunResult) {
    for variant in &mut result.variants {
        variant.metrics_by_repeat.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::result::{Variant, Worker};

    #[test]
    fn downsampling_joins_the_smallest_gaps_first_and_keeps_the_extent() {
        let spans: Vec<[f64; 2]> = (0..1000).map(|i| [i as f64, i as f64 + 0.9]).collect();
        let thin = downsample(spans.clone(), 100);
        assert!(thin.len() <= 100, "{}", thin.len());
        assert_eq!((thin[0][0], thin[thin.len() - 1][1]), (0.0, 999.9));
        let alternating = vec![[0.0, 1.0], [5.0, 6.0], [6.1, 7.0]];
        assert_eq!(downsample(alternating, 2), [[0.0, 1.0], [5.0, 7.0]]);
        assert_eq!(downsample(spans, 0), Vec::<[f64; 2]>::new());
    }

    #[test]
    fn a_forged_result_is_cut_to_the_stored_size() {
        let spans: Vec<[f64; 2]> = (0..800).map(|i| [i as f64, i as f64 + 0.5]).collect();
        let worker = |id| Worker { id, cpu_s: 1.0, spans: spans.clone() };
        let long = MetricValue::Numbers(vec![1.5; 1000]);
        let variant = |i: usize| Variant {
            name: format!("v{i}"),
            wall_s: 1.0,
            workers: (0..64).map(worker).collect(),
            metrics_by_repeat: vec![[("lat".to_owned(), long.clone())].into(); 50],
            ..Variant::default()
        };
        let mut result =
            RunResult { variants: (0..16).map(variant).collect(), ..RunResult::default() };
        assert!(bound(&mut result));
        assert!(size(&result) <= MAX_BYTES, "{} bytes", size(&result));
        assert!(result.environment.truncated);
        let kept: usize =
            result.variants.iter().flat_map(|v| &v.workers).map(|w| w.spans.len()).sum();
        assert!(kept <= SPANS_PER_RESULT, "{kept}");
    }

    #[test]
    fn a_real_result_is_left_as_it_is() {
        let spans: Vec<[f64; 2]> = (0..300).map(|i| [i as f64, i as f64 + 0.5]).collect();
        let worker = |id| Worker { id, cpu_s: 1.0, spans: spans.clone() };
        let variant = Variant {
            name: "threads".into(),
            workers: (0..4).map(worker).collect(),
            ..Variant::default()
        };
        let mut result = RunResult { variants: vec![variant.clone(); 3], ..RunResult::default() };
        assert!(!bound(&mut result));
        assert_eq!(result.variants[0], variant);
    }
}
