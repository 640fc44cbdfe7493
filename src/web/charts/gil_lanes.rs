//! The true GIL timeline of a variant, where the run recorded one: a GIL lane (who held it,
//! coloured per thread) above one lane per thread (holding it, waiting for it, sleeping, running
//! without it). With processes, one GIL lane per process; without a GIL, the threads' lanes only.
//! The timeline chart draws this instead of the work chunks when a variant has it.

use super::scale::Axis;
use super::{Across, Plot, Shape};
use crate::format::{decimals, seconds};
use crate::runs::result::{GilTimeline, Variant};

/// Each lane's name stands above it, so the lanes keep the chart's whole width.
const LABEL_HEIGHT: f64 = 14.0;
const ROW_HEIGHT: f64 = 18.0;
const ROW_GAP: f64 = 6.0;
const ROW: f64 = LABEL_HEIGHT + ROW_HEIGHT + ROW_GAP;
const TOP: f64 = 2.0;
/// A lane is drawn if its thread held, waited for or ran without the GIL this share of the
/// wall time (the main thread that only waits in `join` is left out); a thread the harness did
/// not start (held the GIL only while it started) needs more.
const VISIBLE_SHARE: f64 = 0.01;
const VISIBLE_SHARE_OTHER: f64 = 0.1;

/// A lane's name: a worker, the main thread, a thread the program started, another thread.
pub fn lane_name(lane: f64, processes: bool) -> String {
    match lane as i64 {
        -1 => "메인 스레드".to_owned(),
        l if l < 0 => "다른 스레드".to_owned(),
        l if l >= 1000 => format!("스레드 {}", l - 999),
        l if processes => format!("프로세스 {l}"),
        l => format!("작업자 {l}"),
    }
}

/// The plot of `variant`'s GIL timeline, on the time `axis` the other timelines share; `None`
/// when it recorded none.
pub fn plot(variant: &Variant, label: &str, axis: &Axis) -> Option<Plot> {
    let gil = variant.gil_timeline.as_ref()?;
    if gil.span_count() == 0 {
        return None;
    }
    let wall = variant.wall_s.max(f64::EPSILON);
    let lanes: Vec<f64> = gil.lanes().into_iter().filter(|&l| visible(gil, l, wall)).collect();
    let colour = |lane: f64| lanes.iter().position(|&l| l == lane).unwrap_or(7) % 8;
    // The rows, top to bottom: the shared GIL (threads only), then one per thread or process.
    let shared = gil.gil && !gil.processes;
    let mut names: Vec<String> = if shared { vec!["GIL".to_owned()] } else { Vec::new() };
    for &lane in &lanes {
        let name = lane_name(lane, gil.processes);
        names.push(if gil.processes { format!("{name} GIL") } else { name });
    }
    let lane_top = |row: usize| TOP + row as f64 * ROW + LABEL_HEIGHT;
    let mut shapes = Vec::new();
    for (row, name) in names.into_iter().enumerate() {
        shapes.push(Shape::text((Across(0.0), lane_top(row) - 3.0), "start", "gil__label", name));
        let lane = Shape::rect(Across(0.0), lane_top(row), Across(1.0), ROW_HEIGHT, "gil__lane");
        shapes.push(lane);
    }
    let rows = lanes.len() + usize::from(shared);
    let bottom = TOP + rows as f64 * ROW;
    // The grid over the lanes and under the spans.
    axis.grid_in(&mut shapes, (0.0, 1.0), (TOP + LABEL_HEIGHT, bottom), "초");
    let span = |s: &[f64; 3], y: f64, h: f64, class: &str| {
        let (a, b) = (axis.share(s[1]), axis.share(s[2]));
        // At least a thousandth of the width, so that a short span still shows.
        Shape::rect(Across(a), y, Across((b - a).max(0.001)), h, class)
    };
    if shared {
        for s in &gil.spans {
            let class = format!("gil__bar gil__bar--{}", colour(s[0]));
            let tip = format!("{}: {}", lane_name(s[0], false), seconds(s[2] - s[1]));
            shapes.push(span(s, lane_top(0), ROW_HEIGHT, &class).with_tooltip(tip));
        }
    }
    for (i, &lane) in lanes.iter().enumerate() {
        let y = lane_top(i + usize::from(shared)) + 3.0;
        let own =
            |list: &[[f64; 3]]| list.iter().filter(|s| s[0] == lane).copied().collect::<Vec<_>>();
        let layers = [
            (own(&gil.sleeps), "gil__sleep".to_owned(), "잠"),
            (own(&gil.runs), format!("gil__run gil__run--{}", colour(lane)), "GIL 없이 실행"),
            (own(&gil.waits), "gil__wait".to_owned(), "GIL 기다림"),
            (own(&gil.spans), format!("gil__bar gil__bar--{}", colour(lane)), "GIL 쥠"),
        ];
        for (spans, class, what) in layers {
            for s in spans {
                let tip = format!("{what} {}", seconds(s[2] - s[1]));
                shapes.push(span(&s, y, ROW_HEIGHT - 6.0, &class).with_tooltip(tip));
            }
        }
    }
    let title = format!("{label} — GIL을 누가 쥐고 누가 기다렸나");
    let plot =
        Plot::new("gil", title, bottom + 20.0, shapes).described(describe(gil, label, &lanes));
    Some(Plot { aside: Some(aside(gil)), ..plot })
}

fn visible(gil: &GilTimeline, lane: f64, wall: f64) -> bool {
    let busy: f64 = [&gil.spans, &gil.waits, &gil.runs]
        .into_iter()
        .flatten()
        .filter(|s| s[0] == lane)
        .map(|s| s[2] - s[1])
        .sum();
    let share = if lane == -2.0 { VISIBLE_SHARE_OTHER } else { VISIBLE_SHARE };
    (0.0..1000.0).contains(&lane) || busy >= share * wall
}

fn aside(gil: &GilTimeline) -> String {
    match (gil.gil, gil.processes, gil.median_span_ms) {
        (false, ..) => "GIL 없음".to_owned(),
        (true, true, _) => "프로세스마다 GIL 하나".to_owned(),
        (true, false, Some(median)) => {
            format!("GIL 전환 {}번 · 한 번에 {}ms", gil.switches, decimals(median, 1))
        }
        (true, false, None) => format!("GIL 전환 {}번", gil.switches),
    }
}

/// The text alternative: the figures a reader would take from the picture.
fn describe(gil: &GilTimeline, label: &str, lanes: &[f64]) -> String {
    let total = |list: &[[f64; 3]], lane: f64| -> (usize, f64) {
        let own: Vec<_> = list.iter().filter(|s| s[0] == lane).collect();
        (own.len(), own.iter().map(|s| s[2] - s[1]).sum())
    };
    let mut parts = Vec::new();
    parts.push(if !gil.gil {
        format!("{label}: GIL이 없는 런타임이라 스레드들이 동시에 실행됩니다.")
    } else if gil.processes {
        format!("{label}: 프로세스마다 자기 GIL이 있어 서로 기다리지 않습니다.")
    } else {
        let median = gil.median_span_ms.map_or(String::new(), |m| {
            format!(" 한 번 쥐면 중앙값 {}ms 동안 쥐었고,", decimals(m, 1))
        });
        format!(
            "{label}: GIL이 스레드 사이를 {}번 넘어갔습니다.{median} 기다린 시간은 모두 {}ms입니다.",
            gil.switches,
            decimals(gil.wait_ms, 1)
        )
    });
    for &lane in lanes {
        let (held_n, held) = total(&gil.spans, lane);
        let (_, waited) = total(&gil.waits, lane);
        let (_, ran) = total(&gil.runs, lane);
        let name = lane_name(lane, gil.processes);
        parts.push(if gil.gil {
            format!(
                "{name}: GIL을 {held_n}번, 모두 {} 쥐었고 {} 기다렸습니다.",
                seconds(held),
                seconds(waited)
            )
        } else {
            format!("{name}: {} 실행되었습니다.", seconds(ran))
        });
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn variant(gil: serde_json::Value) -> Variant {
        let timeline = GilTimeline::from_record(&gil).expect("a timeline");
        Variant {
            name: "threads".into(),
            wall_s: 0.03,
            gil_timeline: Some(timeline),
            ..Default::default()
        }
    }

    #[test]
    fn threads_sharing_a_gil_get_a_gil_lane_above_their_own_with_the_figures_in_words() {
        let ms = 1_000_000;
        let holds: Vec<_> = (0..6).map(|i| json!([i % 2, i * 5 * ms, (i + 1) * 5 * ms])).collect();
        let waits: Vec<_> =
            (0..6).map(|i| json!([(i + 1) % 2, i * 5 * ms, (i + 1) * 5 * ms])).collect();
        let plot = plot(
            &variant(json!({"gil": true, "period_ns": 100_000, "holds": holds,
            "waits": waits, "sleeps": [[-1, 0, 30 * ms]]})),
            "스레드",
            &Axis::new(0.03, 0.0),
        )
        .expect("a plot");
        let labels: Vec<_> = plot
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text { class, text, .. } if class == "gil__label" => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(labels, ["GIL", "작업자 0", "작업자 1"], "the main thread only slept");
        assert_eq!(plot.aside.as_deref(), Some("GIL 전환 5번 · 한 번에 5ms"));
        assert!(plot.description.contains("5번 넘어갔습니다"), "{}", plot.description);
        assert!(plot.description.contains("작업자 0: GIL을 3번"), "{}", plot.description);
        let waits = plot.shapes.iter().filter(|s| s.class() == "gil__wait").count();
        assert_eq!(waits, 6);
    }

    #[test]
    fn ticks_are_round_seconds_on_the_shared_axis() {
        let ms = 1_000_000;
        let timeline = variant(json!({"gil": true, "holds": [[0, 0, 600 * ms]]}));
        let plot = plot(&timeline, "스레드", &Axis::new(0.652, 0.0)).expect("a plot");
        let ticks: Vec<_> = plot
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text { class, text, .. } if class == "plot__tick" => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(ticks, ["0", "0.2", "0.4", "0.6", "0.8초"]);
    }

    #[test]
    fn processes_get_a_gil_lane_each_and_no_gil_says_so() {
        let processes =
            variant(json!({"gil": true, "processes": true, "holds": [[0, 0, 9], [1, 0, 9]]}));
        let plot = plot(&processes, "프로세스", &Axis::new(0.03, 0.0)).expect("a plot");
        assert_eq!(plot.aside.as_deref(), Some("프로세스마다 GIL 하나"));
        assert!(
            plot.shapes
                .iter()
                .any(|s| matches!(s, Shape::Text { text, .. } if text == "프로세스 1 GIL"))
        );
        let free = variant(json!({"gil": false, "runs": [[0, 0, 9], [1, 0, 9]]}));
        let plot = super::plot(&free, "GIL 끔", &Axis::new(0.03, 0.0)).expect("a plot");
        assert_eq!(plot.aside.as_deref(), Some("GIL 없음"));
        assert!(
            !plot.shapes.iter().any(|s| matches!(s, Shape::Text { text, .. } if text == "GIL"))
        );
    }
}
