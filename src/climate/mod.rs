//! Climate: the outdoor air a site's facility breathes, hour by hour through one year.
//!
//! Owns
//! - [`epw`]: reading EnergyPlus weather files (location, ASHRAE design-conditions header,
//!   hourly records) into an [`HourlyYear`];
//! - [`interpolate`]: monthly means anywhere from the KMA station normals (inverse-distance
//!   weighting with a lapse-rate correction), for `dcplan parcels`;
//! - [`synth`]: building an [`HourlyYear`] from monthly normals when a site has no EPW file,
//!   reporting every default it had to assume;
//! - [`design`]: design conditions (published in an EPW header, or derived from any hourly year
//!   and labelled as derived);
//! - [`psychro`]: the moist-air relations (saturation pressure, humidity ratio, dew point, wet
//!   bulb) both of the above rely on.
//! - [`site_climate`]: a site's year and design air, from the EPW it names (read and hashed by
//!   the pipeline, passed in parsed) or its monthly normals.
//!
//! Invariants of an [`HourlyYear`] produced here
//! - 8760 hours (or 8784 for a leap-year EPW), in calendar order from 1 January hour 1;
//! - every value finite; `dew_point_c <= dry_bulb_c`, `wet_bulb_c` between them;
//!   `0 < rh_pct <= 100`; `pressure_pa > 0`;
//! - missing values in an EPW have been filled, and the fills counted in
//!   [`epw::FilledCounts`].
//!
//! Units: temperatures °C (differences K), relative humidity %, pressure Pa, elevation m,
//! latitude/longitude decimal degrees (north and east positive), time zone hours from UTC.
//! Hours follow the EPW convention: `hour` 1..=24 is the hour ending at that clock time,
//! local standard time.

pub mod design;
pub mod epw;
pub mod interpolate;
pub mod psychro;
pub mod site_climate;
pub mod synth;

use std::path::PathBuf;

pub use design::{DesignConditions, DesignOrigin};
pub use epw::{read_epw, EpwFile, FilledCounts, Location};
pub use synth::{synthesize, Assumed, MonthlyClimate, SynthesizedYear};

/// Number of hours in a non-leap year.
pub const HOURS_PER_YEAR: usize = 8760;
/// Number of hours in a leap year.
pub const HOURS_PER_LEAP_YEAR: usize = 8784;

/// Days in each month of a non-leap year.
pub const DAYS_IN_MONTH: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Errors from reading weather files and from checking synthesis input. Each variant carries
/// what a planner needs to find the fault: the file, the line (1-based), and the field.
#[derive(Debug, thiserror::Error)]
pub enum ClimateError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read weather file: {source}", file = file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// One field of one line holds a value that is not a number, or is out of its range.
    #[error("{file}:{line}: {field} (field {column}): {reason}", file = file.display())]
    Field {
        file: PathBuf,
        line: usize,
        /// 1-based position of the field on its line.
        column: usize,
        field: &'static str,
        reason: String,
    },
    /// A line as a whole is wrong: too few fields, a date out of sequence, a header missing.
    #[error("{file}:{line}: {reason}", file = file.display())]
    Line {
        file: PathBuf,
        line: usize,
        reason: String,
    },
    /// The file as a whole is wrong: no data, the wrong number of hourly records.
    #[error("{file}: {reason}", file = file.display())]
    File { file: PathBuf, reason: String },
    /// The file uses a feature this reader does not handle (sub-hourly records, several data
    /// periods).
    #[error("{file}:{line}: unsupported: {reason}", file = file.display())]
    Unsupported {
        file: PathBuf,
        line: usize,
        reason: String,
    },
    /// Input to the hourly synthesis is out of range or the wrong length. `field` is the path
    /// below the site's `climate` object, such as `monthly_mean_c[3]`.
    #[error("climate.{field}: {reason}")]
    Input { field: String, reason: String },
    /// A year with no hours, or one with no usable hours, was asked for statistics.
    #[error("hourly year is empty: {reason}")]
    EmptyYear { reason: String },
}

/// Where an hourly year came from.
#[derive(Debug, Clone, PartialEq)]
pub enum YearOrigin {
    /// Read from an EPW file.
    Epw { file: PathBuf },
    /// Synthesised from monthly normals by [`synth::synthesize`].
    Synthesized,
}

/// The outdoor air in one hour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hour {
    /// Month, 1..=12.
    pub month: u8,
    /// Day of month, 1..=31.
    pub day: u8,
    /// Hour ending at this clock time, 1..=24, local standard time.
    pub hour: u8,
    pub dry_bulb_c: f64,
    pub dew_point_c: f64,
    /// Thermodynamic wet bulb at `pressure_pa`, computed by [`psychro::wet_bulb_c`].
    pub wet_bulb_c: f64,
    pub rh_pct: f64,
    /// Station (not sea-level) pressure.
    pub pressure_pa: f64,
}

/// One year of hourly outdoor conditions. See the module invariants.
#[derive(Debug, Clone, PartialEq)]
pub struct HourlyYear {
    pub origin: YearOrigin,
    pub hours: Vec<Hour>,
}

impl HourlyYear {
    pub fn len(&self) -> usize {
        self.hours.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hours.is_empty()
    }

    /// Mean dry bulb of each calendar month, °C; `None` for a month without hours.
    pub fn monthly_mean_dry_bulb_c(&self) -> [Option<f64>; 12] {
        let mut sum = [0.0_f64; 12];
        let mut count = [0_usize; 12];
        for h in &self.hours {
            let m = usize::from(h.month.clamp(1, 12)) - 1;
            sum[m] += h.dry_bulb_c;
            count[m] += 1;
        }
        std::array::from_fn(|m| (count[m] > 0).then(|| sum[m] / count[m] as f64))
    }

    /// Design conditions computed from this year's hours (see [`design::derive()`]).
    pub fn derive_design_conditions(&self) -> Result<DesignConditions, ClimateError> {
        design::derive(self)
    }
}
