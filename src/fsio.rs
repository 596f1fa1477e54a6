//! The one place dcplan touches the file system for its inputs and outputs.
//!
//! Reading: every input file (site, facility, EPW, weights, grid tables) is read through
//! [`read_bounded`]: it must be a regular file (symlinks followed), no larger than its
//! [`Limit`], checked from metadata before a byte is read, opened without blocking (a FIFO
//! can never hang the run) and read with a bound even if the file grows meanwhile. The limits
//! are in [`limits`].
//!
//! Writing: every file dcplan writes (report files, heatmaps, benchmark exports) goes through
//! [`write_atomic`] or [`write_atomic_with`]. Each file is written to a temporary in the
//! target's own folder, `.NAME.PID.SEQ.tmp` — unique per process (PID) and per call (a
//! process-wide counter), so two threads or two processes writing the same target never share
//! one — then flushed to disk (`fsync`) and renamed over the target, which readers therefore
//! see whole or not at all. On any error the temporary is removed and the error names the
//! target.
//!
//! Output folders: a command's `--out` folder is built in a fresh staging folder beside it
//! ([`OutputDir::prepare`], before any computing, so a folder that cannot be written fails
//! the run at once) and swapped in whole at the end ([`OutputDir::commit`]), so a report
//! folder never mixes two runs and an interrupted run leaves the old one as it was.
//!
//! Invariant: while a temporary file or a staging folder exists it is listed in a
//! process-wide registry ([`live_temporaries`]), so that whoever handles SIGINT/SIGTERM can
//! remove what an interrupted run left ([`remove_live_temporaries`]; call it from a
//! signal-handling thread, not from inside a signal handler, since it takes a lock).

use std::collections::BTreeSet;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// How large an input file may be, and what kind of file the limit is for (named in errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    pub what: &'static str,
}

/// The size limits of input files. Each is far above any real file of its kind and far below
/// what would strain a small machine: reading one costs at most a few times its size in memory.
pub mod limits {
    use super::Limit;

    const MIB: u64 = 1 << 20;

    /// Site, facility and weights files (JSON). The shipped ones are 1–7 KiB; a facility at
    /// campus scale with every optional block stays under 64 KiB.
    pub const JSON: Limit = Limit {
        bytes: MIB,
        what: "JSON input file",
    };
    /// EPW weather files: 8,784 hourly records of 35 fields come to 1.5–2 MiB (the Ulsan IWEC
    /// file is 1.49 MiB); 16 MiB leaves room for long comment lines and wide number formats.
    pub const EPW: Limit = Limit {
        bytes: 16 * MIB,
        what: "EPW weather file",
    };
    /// Candidate parcels (GeoJSON, `dcplan parcels`): the national 10 km sample of 858 points
    /// is 190 KiB; 64 MiB holds some 250,000 points or tens of thousands of parcel polygons.
    pub const PARCELS: Limit = Limit {
        bytes: 64 * MIB,
        what: "parcels GeoJSON file",
    };
    /// Grid model tables (CSV, JSON) and the raw build inputs: the largest shipped table is
    /// 168 KiB and the largest raw table of the build 1.2 MiB.
    pub const GRID: Limit = Limit {
        bytes: 64 * MIB,
        what: "grid model file",
    };
}

/// Why an input file could not be read. The message names neither the file nor its content:
/// the caller names the file (and the field that named it), and nothing of an unvalidated file
/// is echoed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("no such file")]
    Missing,
    #[error("not a regular file (a {0}); inputs must be regular files")]
    NotRegular(&'static str),
    #[error("too large: {size} bytes, above the limit of {} bytes for a {}", limit.bytes, limit.what)]
    TooLarge { size: u64, limit: Limit },
    #[error("cannot read: {0}")]
    Io(std::io::Error),
}

/// What kind of file system object something is, in words, for errors.
pub fn kind_of(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "character device";
        }
        if file_type.is_block_device() {
            return "block device";
        }
        if file_type.is_socket() {
            return "socket";
        }
    }
    if file_type.is_dir() {
        "folder"
    } else if file_type.is_file() {
        "regular file"
    } else {
        "special file"
    }
}

/// Reads a whole input file, refusing anything but a regular file (after following symlinks)
/// of at most `limit.bytes`: the size is checked from metadata before reading, the file is
/// opened without blocking (a FIFO or device never hangs), checked again once open, and read
/// through a bound, so a file that grows while it is read cannot exceed the limit either.
pub fn read_bounded(path: &Path, limit: Limit) -> Result<Vec<u8>, ReadError> {
    let io = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ReadError::Missing
        } else {
            ReadError::Io(e)
        }
    };
    let check = |meta: &std::fs::Metadata| {
        if !meta.is_file() {
            Err(ReadError::NotRegular(kind_of(meta.file_type())))
        } else if meta.len() > limit.bytes {
            Err(ReadError::TooLarge {
                size: meta.len(),
                limit,
            })
        } else {
            Ok(meta.len())
        }
    };
    check(&std::fs::metadata(path).map_err(io)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // a FIFO swapped in after the check opens at once instead of waiting for a writer
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    let len = check(&file.metadata().map_err(io)?)?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit.bytes {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// Memory this process can still allocate, as far as the system says: the smaller of the
/// kernel's `MemAvailable` and what an address-space limit (`ulimit -v`) leaves above the
/// process's current size. `None` where neither can be read (not Linux).
pub fn available_memory_bytes() -> Option<u64> {
    let read = |path: &str| {
        read_bounded(
            Path::new(path),
            Limit {
                bytes: 1 << 20,
                what: "proc file",
            },
        )
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    // "MemAvailable:   123456 kB"
    let kib = |text: &str, key: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(key))?;
        line[key.len()..]
            .split_whitespace()
            .next()?
            .parse::<u64>()
            .ok()
    };
    let meminfo = read("/proc/meminfo").and_then(|t| kib(&t, "MemAvailable:").map(|k| k * 1024));
    // /proc files report a size of 0: read_bounded still reads them (through its bound)
    let address_space = read("/proc/self/limits").and_then(|limits| {
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max address space"))?;
        let soft = line["Max address space".len()..]
            .split_whitespace()
            .next()?;
        let limit: u64 = soft.parse().ok()?; // "unlimited" does not parse: no limit
        let used = read("/proc/self/status").and_then(|t| kib(&t, "VmSize:"))? * 1024;
        Some(limit.saturating_sub(used))
    });
    match (meminfo, address_space) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// An output folder dcplan could not use or create, naming it and why.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct OutputError {
    pub path: PathBuf,
    pub reason: String,
}

/// The file dcplan leaves in every output folder it writes, so that a later run knows it may
/// replace the folder.
pub const OUTPUT_MARKER: &str = ".dcplan-output";

/// A command's output folder while it is being written: a fresh staging folder beside the
/// target, swapped in whole by [`commit`](Self::commit); dropped uncommitted, it is removed and
/// the target is left as it was.
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl OutputDir {
    /// Checks that `target` can be (re)placed and creates the staging folder beside it, before
    /// any computing. `target` may be missing, an empty folder, or a folder dcplan wrote
    /// before (it holds [`OUTPUT_MARKER`], or only names in `owned` and dcplan temporaries);
    /// anything else — a file, a device, a symlink, a folder with other files — is refused,
    /// since committing replaces the whole folder.
    pub fn prepare(target: &Path, owned: &[&str]) -> Result<OutputDir, OutputError> {
        let fail = |path: &Path, reason: String| OutputError {
            path: path.to_path_buf(),
            reason,
        };
        let name = target
            .file_name()
            .filter(|n| !n.is_empty() && *n != "." && *n != "..")
            .ok_or_else(|| {
                fail(
                    target,
                    "the output must be a named folder (not `.`, `..` or `/`)".into(),
                )
            })?;
        match std::fs::symlink_metadata(target) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(fail(
                    target,
                    format!("cannot use as the output folder: {e}"),
                ))
            }
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(fail(
                    target,
                    "is a symbolic link; name the folder itself".into(),
                ))
            }
            Ok(meta) if !meta.is_dir() => {
                return Err(fail(
                    target,
                    format!(
                        "exists and is a {}, not a folder",
                        kind_of(meta.file_type())
                    ),
                ))
            }
            Ok(_) => check_replaceable(target, owned).map_err(|r| fail(target, r))?,
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| {
            fail(
                target,
                format!("cannot create the folder {}: {e}", parent.display()),
            )
        })?;
        let staging = {
            let mut live = registry();
            if live.stopping {
                return Err(fail(target, "interrupted".into()));
            }
            let mut tmp = std::ffi::OsString::from(".");
            tmp.push(name);
            tmp.push(format!(".{}.{}.new", std::process::id(), next_seq()));
            let staging = parent.join(tmp);
            std::fs::create_dir(&staging).map_err(|e| {
                fail(
                    target,
                    format!(
                        "cannot create a folder in {} for the output: {e}",
                        parent.display()
                    ),
                )
            })?;
            live.dirs.insert(staging.clone());
            staging
        };
        let out = OutputDir {
            target: target.to_path_buf(),
            staging,
            committed: false,
        };
        // a write probe, and the mark that a later run may replace the folder
        write_atomic(&out.staging.join(OUTPUT_MARKER), b"written by dcplan\n").map_err(|e| {
            fail(
                target,
                format!("cannot write in {}: {}", parent.display(), e.source),
            )
        })?;
        Ok(out)
    }

    /// Where to write the output now (the staging folder).
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The target folder the output will have once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Where `written` (a path under [`path`](Self::path)) will be once committed.
    pub fn final_path(&self, written: &Path) -> PathBuf {
        match written.strip_prefix(&self.staging) {
            Ok(rel) => self.target.join(rel),
            Err(_) => written.to_path_buf(),
        }
    }

    /// Swaps the staging folder in for the target: the old folder (if any) is moved aside,
    /// the new one renamed into place, the old one removed. An interrupt handler waits for
    /// the two renames, so it finds either the old folder in place or the new one.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let fail = |reason: String| OutputError {
            path: self.target.clone(),
            reason,
        };
        let old = {
            let mut live = registry();
            if live.stopping {
                return Err(fail("interrupted".into()));
            }
            let old = if self.target.exists() {
                let mut name = self.staging.clone().into_os_string();
                name.push(".old");
                let old = PathBuf::from(name);
                std::fs::rename(&self.target, &old)
                    .map_err(|e| fail(format!("cannot move the previous output aside: {e}")))?;
                Some(old)
            } else {
                None
            };
            if let Err(e) = std::fs::rename(&self.staging, &self.target) {
                if let Some(old) = &old {
                    let _ = std::fs::rename(old, &self.target);
                }
                return Err(fail(format!("cannot move the new output into place: {e}")));
            }
            live.dirs.remove(&self.staging);
            self.committed = true;
            if let Some(old) = &old {
                live.dirs.insert(old.clone());
            }
            old
        };
        if let Some(old) = old {
            let _ = std::fs::remove_dir_all(&old);
            registry().dirs.remove(&old);
        }
        Ok(self.target.clone())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let mut live = registry();
            let _ = std::fs::remove_dir_all(&self.staging);
            live.dirs.remove(&self.staging);
        }
    }
}

/// Whether an existing folder may be replaced by an output: see [`OutputDir::prepare`].
fn check_replaceable(dir: &Path, owned: &[&str]) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list the folder: {e}"))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list the folder: {e}"))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    if names.iter().any(|n| n == OUTPUT_MARKER) {
        return Ok(());
    }
    let ours =
        |n: &String| owned.contains(&n.as_str()) || (n.starts_with('.') && n.ends_with(".tmp"));
    match names.iter().find(|n| !ours(n)) {
        None => Ok(()),
        Some(other) => Err(format!(
            "is a folder dcplan did not write (it holds `{}`), and an output replaces the whole \
             folder; name a new or empty folder, or one a previous run wrote",
            other.escape_debug()
        )),
    }
}

/// Creates `dir` and its parents (for folders inside an output), refused once an interrupt
/// is being handled so that no folder reappears in a staging folder being removed.
pub fn create_dir_all(dir: &Path) -> Result<(), WriteError> {
    let live = registry();
    let result = if live.stopping {
        Err(std::io::Error::other("interrupted"))
    } else {
        std::fs::create_dir_all(dir)
    };
    drop(live);
    result.map_err(|source| WriteError {
        path: dir.to_path_buf(),
        source,
    })
}

fn next_seq() -> u64 {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    SEQ.fetch_add(1, Ordering::Relaxed)
}

/// A failed write, naming the file that was to be written.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot write: {source}", path.display())]
pub struct WriteError {
    /// The target (not the temporary).
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes what `body` produces to `path` atomically; `body` gets a buffered writer.
pub fn write_atomic_with(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let fail = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let (temporary, file) = Temporary::create_for(path).map_err(fail)?;
    let result = (|| {
        let mut out = BufWriter::new(file);
        body(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary.path, path)
    })();
    match result {
        Ok(()) => {
            temporary.renamed();
            Ok(())
        }
        // dropping `temporary` removes the file
        Err(e) => Err(fail(e)),
    }
}

/// JSON, pretty-printed with a trailing newline, written atomically.
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), WriteError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| WriteError {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Temporary files and staging folders that exist now (not yet renamed or removed), sorted.
pub fn live_temporaries() -> Vec<PathBuf> {
    let live = registry();
    live.files.iter().chain(live.dirs.iter()).cloned().collect()
}

/// Removes every live temporary file and staging folder; returns how many were removed.
pub fn remove_live_temporaries() -> usize {
    remove_temporaries_where(&mut registry(), |_| true)
}

/// For an interrupt handler (on its own thread, not inside a signal handler): stops every
/// further write (a writer waiting for the registry waits until the process ends), removes
/// every live temporary file and staging folder, lets `report` say how many, and exits with
/// `code`. An output folder being swapped in is finished first: the handler waits for the
/// registry, which the swap holds.
pub fn clean_up_and_exit(code: i32, report: impl FnOnce(usize)) -> ! {
    let mut live = registry();
    live.stopping = true;
    let removed = remove_temporaries_where(&mut live, |_| true);
    report(removed);
    // exit while holding the registry, so no writer starts another file meanwhile
    std::process::exit(code)
}

fn remove_temporaries_where(live: &mut Live, select: impl Fn(&Path) -> bool) -> usize {
    let files: Vec<PathBuf> = live.files.iter().filter(|p| select(p)).cloned().collect();
    let dirs: Vec<PathBuf> = live.dirs.iter().filter(|p| select(p)).cloned().collect();
    let mut removed = 0;
    for p in files {
        removed += usize::from(std::fs::remove_file(&p).is_ok());
        live.files.remove(&p);
    }
    for p in dirs {
        // a writer may still be renaming a file into the folder: try again
        let gone = (0..5).any(|_| std::fs::remove_dir_all(&p).is_ok() || !p.exists());
        removed += usize::from(gone);
        live.dirs.remove(&p);
    }
    removed
}

/// What the registry holds.
struct Live {
    files: BTreeSet<PathBuf>,
    dirs: BTreeSet<PathBuf>,
    /// An interrupt is being handled: no new temporary or folder.
    stopping: bool,
}

fn registry() -> MutexGuard<'static, Live> {
    static LIVE: Mutex<Live> = Mutex::new(Live {
        files: BTreeSet::new(),
        dirs: BTreeSet::new(),
        stopping: false,
    });
    // a panic while the lock was held cannot leave the sets inconsistent: keep using them
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A temporary beside its target, registered while it lives; removed on drop unless renamed.
struct Temporary {
    path: PathBuf,
    renamed: bool,
}

impl Temporary {
    /// Names, creates and registers the temporary for `target` in one step under the
    /// registry's lock, so an interrupt handler never misses a file that exists.
    fn create_for(target: &Path) -> std::io::Result<(Self, std::fs::File)> {
        let name = target.file_name().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file")
        })?;
        let mut tmp = std::ffi::OsString::from(".");
        tmp.push(name);
        tmp.push(format!(".{}.{}.tmp", std::process::id(), next_seq()));
        let path = target.with_file_name(tmp);
        let mut live = registry();
        if live.stopping {
            return Err(std::io::Error::other("interrupted"));
        }
        let file = std::fs::File::create(&path)?;
        live.files.insert(path.clone());
        Ok((
            Temporary {
                path,
                renamed: false,
            },
            file,
        ))
    }

    fn renamed(mut self) {
        self.renamed = true;
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        let mut live = registry();
        if !self.renamed {
            let _ = std::fs::remove_file(&self.path);
        }
        live.files.remove(&self.path);
    }
}

/// A fresh, empty folder for one unit test, unique to the test and the process.
#[cfg(test)]
pub(crate) fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcplan-unit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        scratch_dir(&format!("fsio-{name}"))
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_replace_the_target_and_leave_no_temporary() {
        let dir = scratch("replace");
        let path = dir.join("a.json");
        write_atomic(&path, b"first").expect("write");
        write_json(&path, &serde_json::json!({"k": 1})).expect("write");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "{\n  \"k\": 1\n}\n"
        );
        assert_eq!(names(&dir), ["a.json"]);
        assert!(!live_temporaries().iter().any(|p| p.starts_with(&dir)));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn a_failing_body_removes_its_temporary_and_keeps_the_old_file() {
        let dir = scratch("fail");
        let path = dir.join("report.csv");
        write_atomic(&path, b"old").expect("write");
        let err = write_atomic_with(&path, |w| {
            w.write_all(b"half a file")?;
            // the temporary exists and is registered while the body runs
            let live = live_temporaries();
            let mine: Vec<&PathBuf> = live.iter().filter(|p| p.starts_with(&dir)).collect();
            assert_eq!(mine.len(), 1, "{live:?}");
            let name = mine[0].file_name().expect("name").to_string_lossy();
            assert!(
                name.starts_with(".report.csv.") && name.ends_with(".tmp"),
                "{name}"
            );
            assert!(
                name.contains(&format!(".{}.", std::process::id())),
                "{name}"
            );
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.path, path);
        assert!(err.to_string().contains("report.csv"), "{err}");
        assert!(err.to_string().contains("disk full"), "{err}");
        assert_eq!(std::fs::read(&path).expect("read"), b"old");
        assert_eq!(names(&dir), ["report.csv"]);
        assert!(!live_temporaries().iter().any(|p| p.starts_with(&dir)));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn temporaries_are_unique_per_call() {
        let dir = scratch("unique");
        let path = dir.join("x.bin");
        let (a, _) = Temporary::create_for(&path).expect("name");
        let (b, _) = Temporary::create_for(&path).expect("name");
        assert_ne!(a.path, b.path);
        assert_eq!(a.path.parent(), Some(dir.as_path()));
        drop((a, b));
        assert!(!live_temporaries().iter().any(|p| p.starts_with(&dir)));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn interrupt_cleanup_removes_live_temporaries() {
        let dir = scratch("interrupt");
        let (left, mut file) = Temporary::create_for(&dir.join("ranking.json")).expect("name");
        file.write_all(b"torn").expect("write");
        // an interrupt handler runs while the write is still in progress
        let listed = live_temporaries();
        assert!(listed.contains(&left.path), "{listed:?}");
        // (the handler removes every live temporary; here only this test's, as other tests
        // write in parallel)
        assert_eq!(
            remove_temporaries_where(&mut registry(), |p| p.starts_with(&dir)),
            1
        );
        assert!(!left.path.exists());
        assert!(names(&dir).is_empty());
        drop(left);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn errors_name_the_target() {
        let dir = scratch("missing");
        let path = dir.join("no-such-dir").join("thermal.png");
        let err = write_atomic(&path, b"png").unwrap_err();
        assert!(err.to_string().contains("no-such-dir"), "{err}");
        let err = write_atomic(Path::new("/"), b"x").unwrap_err();
        assert!(err.to_string().contains("names no file"), "{err}");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    const SMALL: Limit = Limit {
        bytes: 8,
        what: "test file",
    };

    #[test]
    fn bounded_reads_refuse_special_files_and_oversized_ones_before_reading() {
        let dir = scratch("bounded");
        let ok = dir.join("ok.json");
        std::fs::write(&ok, b"12345678").expect("write");
        assert_eq!(read_bounded(&ok, SMALL).expect("read"), b"12345678");
        let big = dir.join("big.json");
        std::fs::write(&big, b"123456789").expect("write");
        let e = read_bounded(&big, SMALL).unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { size: 9, .. }), "{e}");
        assert!(e.to_string().contains("limit of 8 bytes"), "{e}");
        assert!(matches!(
            read_bounded(&dir.join("none"), SMALL),
            Err(ReadError::Missing)
        ));
        let e = read_bounded(&dir, SMALL).unwrap_err();
        assert!(e.to_string().contains("folder"), "{e}");
        // /dev/zero would never end: refused from its metadata
        let e = read_bounded(Path::new("/dev/zero"), limits::JSON).unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn an_output_folder_is_swapped_in_whole_and_never_mixes_runs() {
        let dir = scratch("output");
        let target = dir.join("report");
        let first = OutputDir::prepare(&target, &["a.json"]).expect("prepare");
        write_atomic(&first.path().join("a.json"), b"1").expect("write");
        write_atomic(&first.path().join("stale.json"), b"1").expect("write");
        assert!(!target.exists(), "nothing at the target before the commit");
        first.commit().expect("commit");
        assert!(target.join("stale.json").exists());
        // a second run writes less: nothing of the first is left
        let second = OutputDir::prepare(&target, &["a.json"]).expect("prepare");
        write_atomic(&second.path().join("a.json"), b"2").expect("write");
        second.commit().expect("commit");
        assert_eq!(std::fs::read(target.join("a.json")).expect("read"), b"2");
        assert!(!target.join("stale.json").exists());
        // a run dropped before its commit leaves the previous output as it was
        let third = OutputDir::prepare(&target, &[]).expect("prepare");
        write_atomic(&third.path().join("a.json"), b"3").expect("write");
        drop(third);
        assert_eq!(std::fs::read(target.join("a.json")).expect("read"), b"2");
        assert_eq!(names(&dir), ["report"]);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn an_output_folder_must_be_a_folder_dcplan_may_replace() {
        let dir = scratch("refuse");
        let file = dir.join("file");
        std::fs::write(&file, b"x").expect("write");
        let e = OutputDir::prepare(&file, &[]).unwrap_err();
        assert!(e.reason.contains("not a folder"), "{e}");
        let e = OutputDir::prepare(Path::new("/dev/null"), &[]).unwrap_err();
        assert!(e.reason.contains("character device"), "{e}");
        let mine = dir.join("mine");
        std::fs::create_dir(&mine).expect("mkdir");
        std::fs::write(mine.join("thesis.tex"), b"x").expect("write");
        let e = OutputDir::prepare(&mine, &["ranking.json"]).unwrap_err();
        assert!(e.reason.contains("thesis.tex"), "{e}");
        // a folder of only dcplan's names (an old report) may be replaced
        let old = dir.join("old");
        std::fs::create_dir(&old).expect("mkdir");
        std::fs::write(old.join("ranking.json"), b"{}").expect("write");
        OutputDir::prepare(&old, &["ranking.json"]).expect("replaceable");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
