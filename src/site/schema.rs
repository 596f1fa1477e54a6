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

    #[test]
    fn schemas_carry_ranges_and_forbid_unknown_fields() {
        let site = site_schema();
        assert_eq!(site["additionalProperties"], false);
        assert_eq!(site["properties"]["lat"]["minimum"], 33.0);
        let facility = facility_schema();
        assert_eq!(facility["properties"]["rack_kw"]["maximum"], 300.0);
    }
}
