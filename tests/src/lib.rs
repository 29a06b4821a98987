//! Helpers shared by engram's cross-target, golden-file and CLI end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// A fresh scratch path `<temp>/engram-<family>-<pid>-<name>`: removed if an earlier run left it,
/// not created (runs refuse a non-empty `--out`, and some tests want the path absent).
pub fn fresh_dir(family: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("engram-{family}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Options for a library run in a test: 2 threads, no progress bars, the up-front estimates not
/// enforced (tiny runs).
pub fn quiet_opts(dir: &Path) -> engram::experiment::RunOptions {
    let mut o = engram::experiment::RunOptions::new(dir, 2);
    o.progress = false;
    o.yes = true;
    o
}

/// `tests/golden/<name>`.
pub fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(name)
}

/// Whether golden files should be rewritten (`ENGRAM_BLESS=1`), never implicitly.
pub fn blessing() -> bool {
    std::env::var_os("ENGRAM_BLESS").is_some_and(|v| v == "1")
}

/// Compares `actual` with the committed golden file `name`, or rewrites it under `ENGRAM_BLESS=1`.
///
/// # Panics
/// When they differ (a test failure), with a line diff and how to bless.
pub fn check_golden(name: &str, actual: &str) {
    let path = golden_path(name);
    if blessing() {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        eprintln!("blessed {}", path.display());
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "reading golden file {}: {e}\n(create it with ENGRAM_BLESS=1 cargo test -p engram-tests)",
            path.display()
        )
    });
    if expected != actual {
        let mut diff = String::new();
        for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
            if e != a {
                diff.push_str(&format!("line {}:\n  golden: {e}\n  now:    {a}\n", i + 1));
            }
        }
        let (ne, na) = (expected.lines().count(), actual.lines().count());
        if ne != na {
            diff.push_str(&format!("golden has {ne} lines, now {na}\n"));
        }
        panic!(
            "output differs from golden file {}:\n{diff}\nIf the change is intended, bless it: \
             ENGRAM_BLESS=1 cargo test -p engram-tests --test golden",
            path.display()
        );
    }
}

/// Builds the `engram` binary (a no-op when it is up to date) and returns its path.
///
/// # Panics
/// When cargo cannot build it.
pub fn engram_bin() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["build", "--quiet", "-p", "engram", "--bin", "engram"])
        .status()
        .expect("running cargo build for the engram binary");
    assert!(status.success(), "cargo build -p engram failed");
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target_dir.join("debug").join("engram")
}
