//! The integration-test harness: libtest-mimic in place of the built-in one, so a test can be
//! marked ignored when the run starts rather than return early and count as passed.
//!
//! Each module lists its tests in `pub fn tests() -> Vec<Trial>` with [`trials!`]:
//!
//! ```ignore
//! pub fn tests() -> Vec<Trial> {
//!     trials![plain a_cpu_check, gpu a_gpu_check, shared a_check_on_shared_data]
//! }
//! ```
//!
//! - `plain`: always runs.
//! - `gpu`: ignored when wgpu sees no adapter, unless `DCPLAN_REQUIRE_GPU=1` — then it runs
//!   and fails, because a GPU run that needed an adapter must not pass without one. The test
//!   takes its solver from `common::gpu()`.
//! - `shared`: ignored unless `DCPLAN_SHARED` names the shared folder (the one holding
//!   `data/`); the test gets that folder and reads `data/...` under it. A user's clone has no
//!   such folder, so these show as ignored there; CI (`.ci/run`) sets the variable.
//!
//! Test names are `module::function`, as the built-in harness names them, so
//! `cargo test --test it model::` filters, and `--ignored`, `--include-ignored`, `--list`,
//! `--exact` and cargo-nextest work as with the built-in harness.

use libtest_mimic::{Failed, Trial};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Environment variable naming the shared data folder.
pub const SHARED_ENV: &str = "DCPLAN_SHARED";
/// Environment variable that makes GPU tests mandatory.
pub const REQUIRE_GPU_ENV: &str = "DCPLAN_REQUIRE_GPU";

/// A test that always runs.
pub fn plain(name: &str, test: fn()) -> Trial {
    Trial::test(name, move || {
        test();
        Ok(())
    })
}

/// A test that needs a GPU adapter: ignored without one unless `DCPLAN_REQUIRE_GPU=1`.
pub fn gpu(name: &str, test: fn()) -> Trial {
    let ignored = !gpu_required() && !adapter_present();
    Trial::test(name, move || {
        if !adapter_present() {
            return Err(Failed::from(format!(
                "{REQUIRE_GPU_ENV}=1 (or --include-ignored) but wgpu sees no adapter"
            )));
        }
        test();
        Ok(())
    })
    .with_ignored_flag(ignored)
}

/// A test that reads the shared data folder: ignored unless `DCPLAN_SHARED` is set.
pub fn shared(name: &str, test: fn(&Path)) -> Trial {
    let dir = shared_dir();
    let ignored = dir.is_none();
    Trial::test(name, move || {
        let Some(dir) = dir else {
            return Err(Failed::from(format!(
                "{SHARED_ENV} is not set: it must name the shared folder (the one holding data/)"
            )));
        };
        if !dir.join("data").is_dir() {
            return Err(Failed::from(format!(
                "{SHARED_ENV}={} holds no data/ folder",
                dir.display()
            )));
        }
        test(&dir);
        Ok(())
    })
    .with_ignored_flag(ignored)
}

/// Whether `DCPLAN_REQUIRE_GPU=1`.
pub fn gpu_required() -> bool {
    std::env::var(REQUIRE_GPU_ENV).is_ok_and(|v| v == "1")
}

/// Whether wgpu lists any adapter (looked up once per run).
pub fn adapter_present() -> bool {
    static PRESENT: OnceLock<bool> = OnceLock::new();
    *PRESENT.get_or_init(|| !dcplan::gpu::list_adapters().is_empty())
}

/// The shared folder from `DCPLAN_SHARED`, if set and not empty.
fn shared_dir() -> Option<PathBuf> {
    std::env::var_os(SHARED_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Options of the harness that take a value (as libtest-mimic parses them).
const VALUE_OPTIONS: [&str; 6] = [
    "--test-threads",
    "--logfile",
    "--skip",
    "--color",
    "--format",
    "-Z",
];

/// Splits the command line into what libtest-mimic parses and the test-name filters. The
/// built-in harness takes several filters (`cargo test -- a b`), libtest-mimic one: with two
/// or more, they are taken out here and applied by [`keep_matching`].
pub fn split_filters(args: impl Iterator<Item = String>) -> (Vec<String>, Vec<String>) {
    let mut argv = Vec::new();
    let mut filters = Vec::new();
    let mut takes_value = false;
    let mut options_ended = false;
    for (i, arg) in args.enumerate() {
        if i == 0 || takes_value || (!options_ended && arg.starts_with('-')) {
            takes_value = !options_ended && VALUE_OPTIONS.contains(&arg.as_str());
            options_ended |= arg == "--";
            argv.push(arg);
        } else {
            filters.push(arg);
        }
    }
    if filters.len() == 1 {
        argv.append(&mut filters);
    }
    (argv, filters)
}

/// With several filters, keeps the tests any of them matches (a substring of the name, or the
/// whole name with `--exact`).
pub fn keep_matching(tests: &mut Vec<Trial>, filters: &[String], exact: bool) {
    if filters.is_empty() {
        return;
    }
    tests.retain(|t| {
        filters.iter().any(|f| {
            if exact {
                t.name() == f
            } else {
                t.name().contains(f.as_str())
            }
        })
    });
}

/// The name a test gets: its module below the crate root, then its function.
pub fn test_name(module_path: &str, function: &str) -> String {
    let module = module_path.split_once("::").map_or("", |(_, rest)| rest);
    if module.is_empty() {
        function.to_string()
    } else {
        format!("{module}::{function}")
    }
}

/// `trials![plain f, gpu g, shared h]`: the module's tests, each named `module::function`.
#[macro_export]
macro_rules! trials {
    ($($kind:ident $test:ident),* $(,)?) => {
        vec![$(
            $crate::harness::$kind(
                &$crate::harness::test_name(module_path!(), stringify!($test)),
                $test,
            )
        ),*]
    };
}
