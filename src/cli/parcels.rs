//! `dcplan parcels PARCELS.geojson --out DIR`: candidate parcels to site files, with the
//! facility and the grid model copied beside them so that `dcplan rank DIR` runs as it is;
//! `--cross-validate` prints the climate interpolation's leave-one-out errors instead.

use super::{Cli, CliError, Exit};
use crate::climate::interpolate::{leave_one_out, StationNormals};
use crate::fsio::{limits, read_bounded, write_atomic};
use crate::plan::parcels::{convert, ParcelData, ParcelError};
use crate::plan::DEFAULT_FACILITY;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct ParcelsArgs {
    /// GeoJSON FeatureCollection of parcels (Point, Polygon or MultiPolygon; properties `id`,
    /// `name`, `elevation_m`, and for points `usable_width_m`, `usable_depth_m`, all optional).
    #[arg(required_unless_present = "cross_validate")]
    pub parcels: Option<PathBuf>,
    /// Folder for the site files (and facilities/, grid/ copied beside them).
    #[arg(long, required_unless_present = "cross_validate")]
    pub out: Option<PathBuf>,
    /// The shipped data: climate/ normals, geo/ provinces, grid/ network, facilities/.
    #[arg(long, default_value = "sites")]
    pub data: PathBuf,
    /// Print the leave-one-out errors of the climate interpolation over the stations, then stop.
    #[arg(long)]
    pub cross_validate: bool,
}

pub fn run(cli: &Cli, args: &ParcelsArgs) -> Result<Exit, CliError> {
    if args.cross_validate {
        return cross_validate(&args.data);
    }
    let (Some(file), Some(out)) = (&args.parcels, &args.out) else {
        return Err(CliError::Args(
            "parcels: give PARCELS.geojson and --out DIR".into(),
        ));
    };
    let start = Instant::now();
    let unreadable = |reason: String| {
        CliError::Parcels(ParcelError::Parcels {
            file: file.clone(),
            problems: vec![reason],
        })
    };
    let bytes = read_bounded(file, limits::PARCELS).map_err(|e| unreadable(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| unreadable(format!("not UTF-8: {e}")))?;
    let data = ParcelData::load(&args.data)?;
    let sites = convert(file, &text, &data, out)?;
    let write = |path: &Path, bytes: &[u8]| -> Result<(), CliError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| crate::fsio::WriteError {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        Ok(write_atomic(path, bytes)?)
    };
    for s in &sites {
        write(&out.join(format!("{}.json", s.id)), s.json.as_bytes())?;
    }
    // what `rank DIR` looks for beside the sites: the default facility and the grid model
    let mut copies = vec![(args.data.join(DEFAULT_FACILITY), out.join(DEFAULT_FACILITY))];
    for dir in ["grid", "grid/snapshots"] {
        let entries = std::fs::read_dir(args.data.join(dir)).map_err(|e| {
            CliError::Parcels(ParcelError::Data(format!(
                "{}: {e}",
                args.data.join(dir).display()
            )))
        })?;
        for e in entries.flatten() {
            if e.path().is_file() {
                copies.push((e.path(), out.join(dir).join(e.file_name())));
            }
        }
    }
    for (from, to) in copies {
        let bytes = std::fs::read(&from).map_err(|e| {
            CliError::Parcels(ParcelError::Data(format!("{}: {e}", from.display())))
        })?;
        write(&to, &bytes)?;
    }
    if !cli.quiet {
        let s = start.elapsed().as_secs_f64();
        eprintln!(
            "parcels: {} site file(s) in {} ({s:.2} s, {:.0} parcels/s)",
            sites.len(),
            out.display(),
            sites.len() as f64 / s.max(1e-9)
        );
    }
    Ok(Exit::Success)
}

fn cross_validate(data: &Path) -> Result<Exit, CliError> {
    let file = data.join("climate/kma-normals-1991-2020.json");
    let normals = StationNormals::load(&file)
        .map_err(|e| CliError::Parcels(ParcelError::Data(e.to_string())))?;
    let loo = leave_one_out(&normals);
    println!(
        "{:>5} {:<8} {:>9} {:>9}",
        "KMA", "station", "mean |e|", "worst e"
    );
    for (id, name, mean, worst) in &loo.per_station {
        println!("{id:>5} {name:<8} {mean:>9.2} {worst:>+9.2}");
    }
    let (id, name, month, e) = &loo.worst;
    println!(
        "{} stations, each predicted from the others: monthly means mean |error| {:.2} °C, RMS {:.2} °C, \
         worst {e:+.2} °C ({id} {name}, month {month}); annual mean |error| {:.2} °C",
        loo.stations, loo.mean_abs_c, loo.rms_c, loo.annual_mean_abs_c
    );
    Ok(Exit::Success)
}
