//! Experiment parameters: their declaration in `experiment.toml`, and checking a learner's values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One parameter as `experiment.toml` declares it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    pub name: String,
    /// The Korean label shown beside the field.
    pub label: String,
    #[serde(rename = "type")]
    pub kind: ParamKind,
    pub default: toml::Value,
    pub min: Option<f64>,
    pub max: Option<f64>,
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub help: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamKind {
    Int,
    Float,
    Choice,
    Bool,
}

/// A learner's parameters after checking: every declared name, each within its bounds.
pub type ParamValues = BTreeMap<String, Value>;

impl ParamSpec {
    /// Checks the declaration itself (at start): name, bounds, default within them.
    pub fn check(&self) -> Result<(), String> {
        let name = &self.name;
        let valid_name = name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
        if !valid_name {
            return Err(format!("parameter `{name}`: name must be lowercase letters and _"));
        }
        let numeric = matches!(self.kind, ParamKind::Int | ParamKind::Float);
        if numeric && (self.min.is_none() || self.max.is_none()) {
            return Err(format!("parameter `{name}`: numbers need `min` and `max`"));
        }
        if self.kind == ParamKind::Choice && self.choices.is_empty() {
            return Err(format!("parameter `{name}`: a choice needs `choices`"));
        }
        let default = toml_to_json(&self.default);
        self.value(&default).map(drop).map_err(|e| format!("parameter `{name}`: default: {e}"))
    }

    pub fn default_json(&self) -> Value {
        toml_to_json(&self.default)
    }

    /// Checks one value from a learner; the message is Korean, for the API and the form.
    pub fn value(&self, value: &Value) -> Result<Value, String> {
        let label = &self.label;
        match self.kind {
            ParamKind::Int => {
                let n =
                    value.as_i64().ok_or_else(|| format!("'{label}'은(는) 정수여야 합니다."))?;
                self.within(n as f64)?;
                Ok(Value::from(n))
            }
            ParamKind::Float => {
                let x =
                    value.as_f64().ok_or_else(|| format!("'{label}'은(는) 숫자여야 합니다."))?;
                self.within(x)?;
                Ok(Value::from(x))
            }
            ParamKind::Choice => match value.as_str() {
                Some(s) if self.choices.iter().any(|c| c == s) => Ok(Value::from(s)),
                _ => {
                    Err(format!("'{label}'은(는) {} 중 하나여야 합니다.", self.choices.join(", ")))
                }
            },
            ParamKind::Bool => value
                .as_bool()
                .map(Value::from)
                .ok_or_else(|| format!("'{label}'은(는) true 또는 false여야 합니다.")),
        }
    }

    fn within(&self, x: f64) -> Result<(), String> {
        let (min, max) = (self.min.unwrap_or(f64::MIN), self.max.unwrap_or(f64::MAX));
        if x.is_finite() && (min..=max).contains(&x) {
            Ok(())
        } else {
            Err(format!(
                "'{}'은(는) {} 이상 {} 이하여야 합니다.",
                self.label,
                fmt_num(min),
                fmt_num(max)
            ))
        }
    }
}

/// Checks a learner's parameters: unknown names are refused, missing ones take their default.
pub fn check_values(
    specs: &[ParamSpec],
    given: &serde_json::Map<String, Value>,
) -> Result<ParamValues, String> {
    if let Some(unknown) = given.keys().find(|k| !specs.iter().any(|s| &s.name == *k)) {
        return Err(format!("알 수 없는 매개변수입니다: '{}'", truncate(unknown, 40)));
    }
    specs
        .iter()
        .map(|spec| {
            let value = match given.get(&spec.name) {
                Some(value) => spec.value(value)?,
                None => spec.default_json(),
            };
            Ok((spec.name.clone(), value))
        })
        .collect()
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::from(*b),
        other => Value::from(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn workers() -> ParamSpec {
        ParamSpec {
            name: "workers".into(),
            label: "작업자 수".into(),
            kind: ParamKind::Int,
            default: toml::Value::Integer(4),
            min: Some(1.0),
            max: Some(8.0),
            choices: vec![],
            help: String::new(),
        }
    }

    #[test]
    fn values_out_of_bounds_or_of_the_wrong_type_are_refused_in_korean() {
        let spec = workers();
        assert_eq!(spec.value(&json!(3)), Ok(json!(3)));
        assert!(spec.value(&json!(9)).unwrap_err().contains("1 이상 8 이하"));
        assert!(spec.value(&json!("4")).unwrap_err().contains("정수"));
        assert!(spec.value(&json!(2.5)).is_err());
    }

    #[test]
    fn unknown_parameters_are_refused_and_missing_ones_take_their_default() {
        let specs = [workers()];
        let given = json!({"threads": 2});
        let error = check_values(&specs, given.as_object().expect("object")).unwrap_err();
        assert!(error.contains("threads"));
        let values = check_values(&specs, &serde_json::Map::new()).expect("defaults");
        assert_eq!(values["workers"], json!(4));
    }

    #[test]
    fn a_default_outside_its_bounds_is_a_content_error() {
        let mut spec = workers();
        spec.default = toml::Value::Integer(99);
        assert!(spec.check().unwrap_err().contains("default"));
    }
}
