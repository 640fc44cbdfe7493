//! `[claim]` in `experiment.toml`: the lesson's point as one measured number, the bound it must
//! pass, and what the course measured at the defaults on a quiet machine (the lesson's
//! reference figure). A run at the defaults is compared with it, and one measured while other
//! programs took cores is told whether the point survived that.

use serde::Deserialize;

use super::presentation::Measure;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The number that carries the point (`speedup:threads`).
    pub measure: Measure,
    /// The point holds when the measure is at least (or at most) this.
    pub at_least: Option<f64>,
    pub at_most: Option<f64>,
    /// The point in one Korean sentence: "GIL을 푸는 sha256은 스레드 2개로 순차보다 빨라집니다".
    pub says: String,
    /// What the lesson reports at the defaults, in the measure's unit.
    pub reference: f64,
    #[serde(default)]
    pub unit: String,
}

impl Claim {
    pub fn holds(&self, value: f64) -> bool {
        self.at_least.is_none_or(|least| value >= least)
            && self.at_most.is_none_or(|most| value <= most)
    }

    pub fn check(&self, variants: &[String]) -> Result<(), String> {
        if !variants.iter().any(|v| v == self.measure.variant()) {
            return Err(format!(
                "claim measure names unknown variant `{}`",
                self.measure.variant()
            ));
        }
        if self.at_least.is_none() && self.at_most.is_none() {
            return Err("a claim needs `at_least` or `at_most`".to_owned());
        }
        if !self.holds(self.reference) {
            return Err("the claim's `reference` figure does not pass its own bound".to_owned());
        }
        if self.says.trim().is_empty() {
            return Err("a claim needs `says`, the lesson's point in Korean".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(at_least: Option<f64>, at_most: Option<f64>, reference: f64) -> Claim {
        Claim {
            measure: Measure::parse("speedup:threads").expect("measure"),
            at_least,
            at_most,
            says: "스레드가 빨라집니다".into(),
            reference,
            unit: "배".into(),
        }
    }

    #[test]
    fn a_claim_holds_within_its_bounds_and_checks_its_own_reference() {
        let faster = claim(Some(1.3), None, 1.89);
        assert!(faster.holds(1.5) && !faster.holds(0.99));
        let variants = vec!["sequential".to_owned(), "threads".to_owned()];
        assert!(faster.check(&variants).is_ok());
        assert!(claim(Some(1.3), None, 1.0).check(&variants).is_err(), "reference below the bound");
        assert!(claim(None, None, 1.0).check(&variants).is_err(), "no bound");
        assert!(faster.check(&["processes".to_owned()]).is_err(), "unknown variant");
    }
}
