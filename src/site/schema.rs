//! JSON Schema (draft 2020-12) for site and facility files, generated from the serde types by
//! schemars, so it cannot drift from what the parser accepts. Field doc comments become
//! `description`s; the range attributes become `minimum`/`maximum`/`minItems`/`maxItems`.

use crate::site::types::{Facility, Site};

/// Schema of `sites/*.json`.
pub fn site_schema() -> serde_json::Value {
    schemars::schema_for!(Site).to_value()
}

/// Schema of `sites/facilities/*.json`.
pub fn facility_schema() -> serde_json::Value {
    schemars::schema_for!(Facility).to_value()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::rules::{Bound, FACILITY_NUMBERS, SITE_MONTHLY, SITE_NUMBERS};
    use serde_json::Value;

    #[test]
    fn schemas_carry_ranges_and_forbid_unknown_fields() {
        let site = site_schema();
        assert_eq!(site["additionalProperties"], false);
        assert_eq!(site["properties"]["lat"]["minimum"], 33.0);
        let facility = facility_schema();
        assert_eq!(facility["properties"]["rack_kw"]["maximum"], 300.0);
    }

    /// The node of a `$ref`, or of the non-null branch of an `anyOf` (an optional field).
    fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
        if let Some(r) = node["$ref"].as_str() {
            let name = r.trim_start_matches("#/$defs/");
            return resolve(root, &root["$defs"][name]);
        }
        if let Some(branches) = node["anyOf"].as_array() {
            if let Some(b) = branches.iter().find(|b| b["type"] != "null") {
                return resolve(root, b);
            }
        }
        node
    }

    /// The schema node at a dotted JSON path.
    fn at<'a>(root: &'a Value, path: &str) -> &'a Value {
        path.split('.').fold(root, |node, key| {
            let node = resolve(root, node);
            assert!(
                node["properties"].get(key).is_some(),
                "{path}: the schema has no `{key}`"
            );
            resolve(root, &node["properties"][key])
        })
    }

    /// Asserts that a schema node's keywords say exactly what `bound` says.
    fn assert_bound(node: &Value, bound: Bound, what: &str) {
        let (minimum, exclusive, maximum) = match bound {
            Bound::Range { min, max } => (Some(min), None, Some(max)),
            Bound::NonNegative { max } => (Some(0.0), None, Some(max)),
            Bound::Positive { max } => (None, Some(0.0), Some(max)),
        };
        let maximum = maximum.filter(|&m| m < f64::MAX);
        assert_eq!(
            node["minimum"].as_f64(),
            minimum,
            "{what}: minimum in {node}"
        );
        assert_eq!(
            node["exclusiveMinimum"].as_f64(),
            exclusive,
            "{what}: exclusiveMinimum in {node}"
        );
        assert_eq!(
            node["maximum"].as_f64(),
            maximum,
            "{what}: maximum in {node}"
        );
    }

    /// Every numeric leaf of a schema, by dotted path.
    fn numeric_paths(root: &Value, node: &Value, path: &str, out: &mut Vec<String>) {
        let node = resolve(root, node);
        if let Some(props) = node["properties"].as_object() {
            for (key, child) in props {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                numeric_paths(root, child, &child_path, out);
            }
            return;
        }
        let types = |n: &Value| -> Vec<String> {
            match &n["type"] {
                Value::String(t) => vec![t.clone()],
                Value::Array(ts) => ts
                    .iter()
                    .filter_map(|t| t.as_str().map(String::from))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let leaf = if types(node).iter().any(|t| t == "array") {
            &node["items"]
        } else {
            node
        };
        if types(leaf).iter().any(|t| t == "number" || t == "integer") {
            out.push(path.to_string());
        }
    }

    #[test]
    fn schema_bounds_are_the_validation_rules() {
        let site = site_schema();
        for rule in SITE_NUMBERS {
            assert_bound(at(&site, rule.path), rule.bound, rule.path);
        }
        for rule in SITE_MONTHLY {
            let node = at(&site, rule.path);
            assert_eq!(node["minItems"], 12, "{}", rule.path);
            assert_eq!(node["maxItems"], 12, "{}", rule.path);
            assert_bound(&node["items"], rule.bound, rule.path);
        }
        let facility = facility_schema();
        for rule in FACILITY_NUMBERS {
            assert_bound(at(&facility, rule.path), rule.bound, rule.path);
        }
        assert_eq!(at(&facility, "racks_per_row")["minimum"], 1);

        // and no number escapes the rules: a new numeric field needs a rule
        let mut site_paths = Vec::new();
        numeric_paths(&site, &site, "", &mut site_paths);
        for path in site_paths {
            let ruled = SITE_NUMBERS.iter().any(|r| r.path == path)
                || SITE_MONTHLY.iter().any(|r| r.path == path)
                || path == "climate.kma_station.id";
            assert!(ruled, "site field {path} has no rule in site::rules");
        }
        let mut facility_paths = Vec::new();
        numeric_paths(&facility, &facility, "", &mut facility_paths);
        for path in facility_paths {
            // the hourly utilisation series is checked whole by `validate` (24 values in 0..=1)
            let ruled = FACILITY_NUMBERS.iter().any(|r| r.path == path)
                || path == "racks_per_row"
                || path == "utilisation";
            assert!(ruled, "facility field {path} has no rule in site::rules");
        }
    }
}
