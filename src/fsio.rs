//! Writing output files so that an interrupted run never leaves a torn one. Every file dcplan
//! writes (report files, heatmaps, benchmark exports) goes through [`write_atomic`] or
//! [`write_atomic_with`].
//!
//! Each file is written to a temporary in the target's own folder, `.NAME.PID.SEQ.tmp` — unique
//! per process (PID) and per call (a process-wide counter), so two threads or two processes
//! writing the same target never share one — then flushed to disk (`fsync`) and renamed over
//! the target, which readers therefore see whole or not at all. On any error the temporary is
//! removed and the error names the target.
//!
//! Invariant: while a temporary exists it is listed in a process-wide registry
//! ([`live_temporaries`]), so that whoever handles SIGINT/SIGTERM can remove what an
//! interrupted write left ([`remove_live_temporaries`]; call it from a signal-handling thread,
//! not from inside a signal handler, since it takes a lock).

use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

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
    let temporary = Temporary::name_for(path).map_err(fail)?;
    let result = (|| {
        let file = std::fs::File::create(&temporary.path)?;
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

/// Temporaries that exist now (written to, not yet renamed or removed), sorted.
pub fn live_temporaries() -> Vec<PathBuf> {
    registry().iter().cloned().collect()
}

/// Removes every live temporary (for an interrupt handler); returns how many were removed.
pub fn remove_live_temporaries() -> usize {
    remove_temporaries_where(|_| true)
}

fn remove_temporaries_where(select: impl Fn(&Path) -> bool) -> usize {
    let mut live = registry();
    let chosen: Vec<PathBuf> = live.iter().filter(|p| select(p)).cloned().collect();
    let mut removed = 0;
    for p in chosen {
        removed += usize::from(std::fs::remove_file(&p).is_ok());
        live.remove(&p);
    }
    removed
}

fn registry() -> MutexGuard<'static, BTreeSet<PathBuf>> {
    static LIVE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());
    // a panic while the lock was held cannot leave the set inconsistent: keep using it
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A temporary beside its target, registered while it lives; removed on drop unless renamed.
struct Temporary {
    path: PathBuf,
    renamed: bool,
}

impl Temporary {
    fn name_for(target: &Path) -> std::io::Result<Self> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let name = target.file_name().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file")
        })?;
        let mut tmp = std::ffi::OsString::from(".");
        tmp.push(name);
        tmp.push(format!(
            ".{}.{}.tmp",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let path = target.with_file_name(tmp);
        registry().insert(path.clone());
        Ok(Temporary {
            path,
            renamed: false,
        })
    }

    fn renamed(mut self) {
        self.renamed = true;
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if !self.renamed {
            // best effort: the file may never have been created
            let _ = std::fs::remove_file(&self.path);
        }
        registry().remove(&self.path);
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
        let a = Temporary::name_for(&path).expect("name");
        let b = Temporary::name_for(&path).expect("name");
        assert_ne!(a.path, b.path);
        assert_eq!(a.path.parent(), Some(dir.as_path()));
        drop((a, b));
        assert!(!live_temporaries().iter().any(|p| p.starts_with(&dir)));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn interrupt_cleanup_removes_live_temporaries() {
        let dir = scratch("interrupt");
        let left = Temporary::name_for(&dir.join("ranking.json")).expect("name");
        std::fs::write(&left.path, b"torn").expect("write");
        // an interrupt handler runs while the write is still in progress
        let listed = live_temporaries();
        assert!(listed.contains(&left.path), "{listed:?}");
        // (the handler removes every live temporary; here only this test's, as other tests
        // write in parallel)
        assert_eq!(remove_temporaries_where(|p| p.starts_with(&dir)), 1);
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
}
