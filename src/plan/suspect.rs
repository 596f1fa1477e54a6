//! The last guard between a facility the checks accepted and a result (issue 14, item 5):
//! a model failure that no bound caught (a coupled solve that does not settle, a solver fed
//! a non-finite number, a non-finite figure in the metrics) is reported as a bad facility,
//! naming its file and the field most likely at fault, never as an internal error or as
//! `inf`/`null` in metrics.json.
//!
//! The likeliest field is the ruled number ([`FACILITY_NUMBERS`]) nearest an edge of its
//! range, measured in decades for a bound that spans several and as a share of the span
//! otherwise; the bounds keep shipped designs far from any edge, so a file that reaches one
//! is the file that broke the model.

use std::path::PathBuf;

use serde::ser::{self, Serialize};

use super::error::PlanError;
use super::inputs::FacilityInput;
use super::simulate::{SimulateError, SiteRun};
use crate::model::hall::HallError;
use crate::site::rules::{Bound, FACILITY_NUMBERS};
use crate::site::Facility;
use crate::solver::SolveError;

/// Turns a failure of preparing the facility (its floor plan, airflow and coupled fields,
/// which depend on no site) into a bad-facility error; a device failure keeps its own kind.
pub fn facility_failure(facility: &FacilityInput, source: SimulateError) -> PlanError {
    match &source {
        SimulateError::Hall(h) if matches!(h.solve_error(), Some(SolveError::Device(_))) => {
            PlanError::Simulate {
                file: facility.path.clone(),
                source,
            }
        }
        _ => facility_error(facility, source.to_string()),
    }
}

/// Turns a model failure that the facility's figures caused into a bad-facility error; any
/// other failure stays the site's (`site` names it).
pub fn simulate_failure(
    facility: &FacilityInput,
    site: PathBuf,
    source: SimulateError,
) -> PlanError {
    let reason = match &source {
        SimulateError::Hall(HallError::Coupling { .. }) => Some(source.to_string()),
        SimulateError::Hall(h) => match h.solve_error() {
            Some(SolveError::NotConverged { .. }) | Some(SolveError::Problem(_)) => {
                Some(source.to_string())
            }
            _ => None,
        },
        _ => None,
    };
    match reason {
        Some(reason) => facility_error(facility, reason),
        None => PlanError::Simulate { file: site, source },
    }
}

/// Refuses a run with a non-finite figure anywhere in its metrics.
pub fn check_finite(facility: &FacilityInput, run: &SiteRun) -> Result<(), PlanError> {
    match first_non_finite(&run.metrics) {
        None => Ok(()),
        Some(at) => Err(facility_error(
            facility,
            format!("the model gave a non-finite result ({at})"),
        )),
    }
}

fn facility_error(facility: &FacilityInput, reason: String) -> PlanError {
    let field = likeliest_field(&facility.facility);
    PlanError::Facility {
        file: facility.path.clone(),
        field: field.unwrap_or_else(|| "(no field near its bounds)".into()),
        reason: format!(
            "{reason}; the facility's figures are inside their ranges but not usable together"
        ),
    }
}

/// The ruled facility number nearest an edge of its range, with its value and bound.
pub fn likeliest_field(f: &Facility) -> Option<String> {
    FACILITY_NUMBERS
        .iter()
        .filter_map(|r| {
            let v = (r.value)(f)?;
            Some((edge_distance(r.bound, v), r.path, v))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, path, v)| format!("{path} = {v} (the figure nearest an edge of its range)"))
}

/// How far `v` is from the nearer edge of `bound`: in decades where the bound spans more than
/// two of them and both ends are positive, else as a share of the span.
fn edge_distance(bound: Bound, v: f64) -> f64 {
    let (lo, hi) = match bound {
        Bound::Range { min, max } => (min, max),
        Bound::NonNegative { max } => (0.0, max),
        Bound::Positive { max } => (0.0, max),
    };
    if lo > 0.0 && hi / lo > 100.0 && v > 0.0 {
        let decades = (hi / lo).log10();
        ((v / lo).log10().min((hi / v).log10()) / decades).max(0.0)
    } else if hi > lo {
        ((v - lo).min(hi - v) / (hi - lo)).max(0.0)
    } else {
        f64::INFINITY
    }
}

/// The JSON path of the first number in `value`'s serialisation that is not finite.
pub fn first_non_finite<T: Serialize>(value: &T) -> Option<String> {
    let mut finder = Finder::default();
    // the finder's only error is the one it raises on finding a non-finite number
    let _ = value.serialize(&mut finder);
    finder.found
}

#[derive(Default)]
struct Finder {
    path: Vec<String>,
    found: Option<String>,
}

#[derive(Debug)]
struct Found;

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a non-finite number")
    }
}

impl std::error::Error for Found {}

impl ser::Error for Found {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Found
    }
}

impl Finder {
    fn float(&mut self, v: f64) -> Result<(), Found> {
        if v.is_finite() {
            return Ok(());
        }
        let mut at = String::new();
        for part in &self.path {
            if !at.is_empty() && !part.starts_with('[') {
                at.push('.');
            }
            at.push_str(part);
        }
        self.found = Some(at);
        Err(Found)
    }

    fn nested<T: Serialize + ?Sized>(&mut self, key: String, v: &T) -> Result<(), Found> {
        self.path.push(key);
        v.serialize(&mut *self)?;
        self.path.pop();
        Ok(())
    }
}

macro_rules! ignore {
    ($($name:ident: $t:ty),*) => {
        $(fn $name(self, _: $t) -> Result<(), Found> { Ok(()) })*
    };
}

impl<'a> ser::Serializer for &'a mut Finder {
    type Ok = ();
    type Error = Found;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = &'a mut Finder;
    type SerializeStructVariant = &'a mut Finder;

    ignore!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_char: char, serialize_str: &str, serialize_bytes: &[u8]);

    fn serialize_f32(self, v: f32) -> Result<(), Found> {
        self.float(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Found> {
        self.float(v)
    }
    fn serialize_none(self) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Found> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Found> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Found> {
        self.nested(variant.into(), v)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'a>, Found> {
        Ok(Seq { f: self, k: 0 })
    }
    fn serialize_tuple(self, _: usize) -> Result<Seq<'a>, Found> {
        Ok(Seq { f: self, k: 0 })
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Seq<'a>, Found> {
        Ok(Seq { f: self, k: 0 })
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Seq<'a>, Found> {
        Ok(Seq { f: self, k: 0 })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Map<'a>, Found> {
        Ok(Map {
            f: self,
            key: String::new(),
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Found> {
        Ok(self)
    }
}

struct Seq<'a> {
    f: &'a mut Finder,
    k: usize,
}

impl Seq<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Found> {
        self.k += 1;
        self.f.nested(format!("[{}]", self.k - 1), v)
    }
}

macro_rules! seq_like {
    ($($tr:ident: $m:ident),*) => {
        $(impl ser::$tr for Seq<'_> {
            type Ok = ();
            type Error = Found;
            fn $m<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Found> {
                self.item(v)
            }
            fn end(self) -> Result<(), Found> {
                Ok(())
            }
        })*
    };
}

seq_like!(SerializeSeq: serialize_element, SerializeTuple: serialize_element,
    SerializeTupleStruct: serialize_field, SerializeTupleVariant: serialize_field);

struct Map<'a> {
    f: &'a mut Finder,
    key: String,
}

impl ser::SerializeMap for Map<'_> {
    type Ok = ();
    type Error = Found;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Found> {
        self.key = serde_json::to_value(k)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "?".into());
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Found> {
        let key = std::mem::take(&mut self.key);
        self.f.nested(key, v)
    }
    fn end(self) -> Result<(), Found> {
        Ok(())
    }
}

macro_rules! struct_like {
    ($($tr:ident),*) => {
        $(impl ser::$tr for &mut Finder {
            type Ok = ();
            type Error = Found;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), Found> {
                self.nested(key.into(), v)
            }
            fn end(self) -> Result<(), Found> {
                Ok(())
            }
        })*
    };
}

struct_like!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Inner {
        ok: f64,
        list: Vec<f64>,
        absent: Option<f64>,
    }

    #[derive(serde::Serialize)]
    struct Outer {
        name: &'static str,
        inner: Inner,
    }

    #[test]
    fn the_first_non_finite_number_is_found_with_its_path() {
        let mut v = Outer {
            name: "x",
            inner: Inner {
                ok: 1.0,
                list: vec![1.0, 2.0],
                absent: None,
            },
        };
        assert_eq!(first_non_finite(&v), None);
        v.inner.list[1] = f64::NAN;
        assert_eq!(first_non_finite(&v).as_deref(), Some("inner.list[1]"));
        v.inner.ok = f64::INFINITY;
        assert_eq!(first_non_finite(&v).as_deref(), Some("inner.ok"));
    }

    #[test]
    fn the_field_at_an_edge_is_the_likeliest() {
        let bound = Bound::Range {
            min: 100.0,
            max: 35_000.0,
        };
        assert!(edge_distance(bound, 101.0) < edge_distance(bound, 380.0));
        let share = Bound::Range { min: 0.5, max: 1.0 };
        assert!(edge_distance(share, 0.51) < 0.05);
        assert!(edge_distance(share, 0.75) > 0.45);
    }
}
