//! The one way numbers and times are written for people, on pages, in charts and in exports.

/// At most `decimals` decimals, without trailing zeros: `1.8`, `2`, `0.35`.
pub fn decimals(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// Two decimals at most, without trailing zeros: `1.8`, `2`, `0.35`.
pub fn number(x: f64) -> String {
    decimals(x, 2)
}

/// Thousands with commas, as the course writes them: `6,000,000`, `0.5`, `-1,200`.
pub fn grouped(x: f64) -> String {
    if x.fract() != 0.0 || x.abs() >= 1e15 {
        return number(x);
    }
    let digits = format!("{}", x.abs() as u64);
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// The subject particle a Korean word takes: `수가`, `비율이`; `이(가)` after a non-Hangul end.
pub fn subject(word: &str) -> String {
    let particle = match word.chars().last() {
        Some(c @ '가'..='힣') => {
            if (c as u32 - '가' as u32).is_multiple_of(28) {
                "가"
            } else {
                "이"
            }
        }
        _ => "이(가)",
    };
    format!("{word}{particle}")
}

/// `2 배`, or the number alone when there is no unit.
pub fn with_unit(number: &str, unit: &str) -> String {
    format!("{number} {unit}").trim_end().to_owned()
}

/// A share (0–1) in whole percent: `75%`.
pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// A share (0–1) in percent to a tenth, for shares that are often small: `62.5%`.
pub fn percent_tenths(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A speedup: `1.85×`.
pub fn times(x: f64) -> String {
    format!("{x:.2}×")
}

/// Effective cores (CPU time ÷ wall time): `1.93`.
pub fn cores(x: f64) -> String {
    format!("{x:.2}")
}

/// `1.25초`, `12.3ms`, `85µs`: short and readable at the scale of the value.
pub fn seconds(s: f64) -> String {
    if s == 0.0 {
        "0".to_owned()
    } else if s < 0.001 {
        format!("{:.0}µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1}ms", s * 1e3)
    } else {
        format!("{s:.2}초")
    }
}

/// A span of time in whole units people say: `12초`, `2분 30초`, `1시간 5분`.
pub fn duration(s: f64) -> String {
    let total = s.max(0.0).round() as u64;
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60);
    match (hours, minutes, secs) {
        (0, 0, s) => format!("{s}초"),
        (0, m, 0) => format!("{m}분"),
        (0, m, s) => format!("{m}분 {s}초"),
        (h, 0, _) => format!("{h}시간"),
        (h, m, _) => format!("{h}시간 {m}분"),
    }
}

/// When a queued run is expected to start: `약 20초 뒤`, or `곧` within the second.
pub fn expected_start(eta_s: f64) -> String {
    if eta_s < 1.0 { "곧".to_owned() } else { format!("약 {} 뒤", duration(eta_s.ceil())) }
}

/// A measured number as tables and charts write it: whole and large numbers with thousands
/// commas (`53,112`), others to three significant digits (`61.2`, `7.91`, `0.0512`).
pub fn significant(x: f64) -> String {
    if x.fract() == 0.0 || x.abs() >= 100.0 {
        return grouped(x.round());
    }
    let digits = (2.0 - x.abs().log10().floor()).clamp(0.0, 8.0) as usize;
    decimals(x, digits)
}

/// Short numbers for chart labels, precise where they are small: `0.63`, `12.4`, `1234`.
pub fn short(x: f64) -> String {
    match x.abs() {
        a if a >= 1000.0 => format!("{x:.0}"),
        a if a >= 10.0 => format!("{x:.1}"),
        a if a >= 0.01 || a == 0.0 => format!("{x:.2}"),
        _ => format!("{x:.4}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_particle_follows_the_last_syllable() {
        assert_eq!(subject("잃어버린 업데이트 수"), "잃어버린 업데이트 수가");
        assert_eq!(subject("겹친 시간 비율"), "겹친 시간 비율이");
        assert_eq!(subject("lost_updates"), "lost_updates이(가)");
    }

    #[test]
    fn measured_numbers_keep_three_significant_digits_and_commas() {
        let written: Vec<String> =
            [53_112.0, 130.5, 61.23, 7.914, 0.0512, 0.00104, 0.0].map(significant).to_vec();
        assert_eq!(written, ["53,112", "131", "61.2", "7.91", "0.0512", "0.00104", "0"]);
    }

    #[test]
    fn thousands_take_commas_and_fractions_stay_as_they_are() {
        assert_eq!(grouped(6_000_000.0), "6,000,000");
        assert_eq!(grouped(15000.0), "15,000");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(-1200.0), "-1,200");
        assert_eq!(grouped(0.5), "0.5");
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(
            (number(1.80), number(2.0), number(0.354)),
            ("1.8".into(), "2".into(), "0.35".into())
        );
        assert_eq!(with_unit("2", "배"), "2 배");
        assert_eq!(with_unit("2", ""), "2");
        assert_eq!((percent(0.75), percent_tenths(0.625)), ("75%".into(), "62.5%".into()));
        assert_eq!((times(1.851), cores(1.926)), ("1.85×".into(), "1.93".into()));
        assert_eq!(
            (seconds(1.254), seconds(0.0123), seconds(0.000085)),
            ("1.25초".into(), "12.3ms".into(), "85µs".into())
        );
        assert_eq!(
            (short(0.634), short(12.44), short(1234.4)),
            ("0.63".into(), "12.4".into(), "1234".into())
        );
    }

    #[test]
    fn waits_read_in_whole_units() {
        let said: Vec<String> = [12.4, 120.0, 150.0, 3600.0, 3900.0].map(duration).into();
        assert_eq!(said, ["12초", "2분", "2분 30초", "1시간", "1시간 5분"]);
        assert_eq!((expected_start(0.4), expected_start(19.2)), ("곧".into(), "약 20초 뒤".into()));
    }
}
