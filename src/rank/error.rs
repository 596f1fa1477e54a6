//! Errors of the rank stage. Every input error names the key, item or value at fault so that the
//! CLI can print it as is; all of them are input errors (bad weights, bad matrix, bad options).

use thiserror::Error;

#[derive(Debug, Error)]
pub enum RankError {
    #[error("unknown criterion `{key}` (known: {known})")]
    UnknownKey { key: String, known: String },

    #[error("criterion `{key}` is given more than once")]
    DuplicateKey { key: String },

    #[error("criterion `{key}` has no weight in the weights file")]
    MissingKey { key: String },

    #[error("malformed weight override `{item}`: expected `key=value`")]
    Malformed { item: String },

    #[error("weight for `{key}` is not a number: `{value}`")]
    BadNumber { key: String, value: String },

    #[error("weight for `{key}` is negative: {value}")]
    Negative { key: String, value: f64 },

    #[error("weight for `{key}` is not finite: {value}")]
    NotFinite { key: String, value: f64 },

    #[error("all weights are zero (criteria: {keys})")]
    AllZero { keys: String },

    #[error("normalised weights must sum to 1, these sum to {sum}")]
    NotNormalised { sum: f64 },

    #[error("{got} weights given for {expected} criteria")]
    WeightCount { expected: usize, got: usize },

    #[error("weights file is not a JSON object of numbers: {0}")]
    Json(#[from] serde_json::Error),

    #[error("no alternatives to rank")]
    NoAlternatives,

    #[error("no criteria to rank by")]
    NoCriteria,

    #[error("alternative id `{id}` appears more than once")]
    DuplicateAlternative { id: String },

    #[error("alternative `{id}` has {got} values for {expected} criteria")]
    RowLength {
        id: String,
        expected: usize,
        got: usize,
    },

    #[error("{got} value rows for {expected} alternatives")]
    RowCount { expected: usize, got: usize },

    #[error("alternative `{id}` has a non-finite value for `{key}`: {value}")]
    NonFiniteValue { id: String, key: String, value: f64 },

    #[error("stability needs at least one draw")]
    NoDraws,

    #[error("stability radius must be in (0, 1], got {radius}")]
    BadRadius { radius: f64 },

    #[error("stability top-K must be at least 1")]
    BadTopK,
}
