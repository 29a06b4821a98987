//! The test matrix.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use crate::deps::{self, TARGETS};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn firmware() -> PathBuf {
    root().join("firmware")
}

fn cargo(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(dir).args(args);
    c
}

struct Matrix {
    results: Vec<(String, bool, f64)>,
}

impl Matrix {
    fn step(&mut self, name: &str, f: impl FnOnce() -> Result<(), String>) -> bool {
        eprintln!("\n=== xtask: {name}");
        let t = Instant::now();
        let result = f();
        let ok = result.is_ok();
        if let Err(e) = result {
            eprintln!("xtask: FAIL {name}: {e}");
        }
        self.results
            .push((name.to_owned(), ok, t.elapsed().as_secs_f64()));
        ok
    }

    fn cmd(&mut self, name: &str, mut cmd: Command) -> bool {
        self.step(name, || {
            eprintln!("xtask: $ {cmd:?}");
            let status = cmd.status().map_err(|e| e.to_string())?;
            if status.success() {
                Ok(())
            } else {
                Err(format!("exited with {status}"))
            }
        })
    }
}

/// `cargo xtask test`.
pub fn test(install: bool, skip_qemu: bool) -> ExitCode {
    let mut m = Matrix {
        results: Vec::new(),
    };
    let deps_ok = m.step(
        if install {
            "install dependencies"
        } else {
            "check dependencies"
        },
        || deps::install(install),
    );
    let root = root();
    let fw = firmware();

    m.cmd(
        "fmt (workspace)",
        cargo(&root, &["fmt", "--all", "--", "--check"]),
    );
    m.cmd("fmt (firmware)", cargo(&fw, &["fmt", "--", "--check"]));
    m.cmd(
        "clippy (workspace, all targets)",
        cargo(
            &root,
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
    );
    m.cmd(
        "host tests + doc tests",
        cargo(&root, &["test", "--workspace"]),
    );
    // The README's main command at its smallest tier: every registered experiment, every check.
    let reproduce_out =
        std::env::temp_dir().join(format!("engram-xtask-reproduce-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&reproduce_out);
    let out_arg = reproduce_out.to_string_lossy().into_owned();
    m.cmd(
        "engram reproduce --quick (release, every experiment)",
        cargo(
            &root,
            &[
                "run",
                "--quiet",
                "--release",
                "-p",
                "engram",
                "--",
                "reproduce",
                "--quick",
                "--out",
                &out_arg,
            ],
        ),
    );
    let _ = std::fs::remove_dir_all(&reproduce_out);
    if deps_ok {
        for t in TARGETS {
            m.cmd(
                &format!("no_std build engram-core --target {t}"),
                cargo(&root, &["build", "-p", "engram-core", "--target", t]),
            );
        }
        m.cmd(
            "no_std build engram-core --features defmt,fast-math (thumbv6m)",
            cargo(
                &root,
                &[
                    "build",
                    "-p",
                    "engram-core",
                    "--features",
                    "defmt,fast-math",
                    "--target",
                    "thumbv6m-none-eabi",
                ],
            ),
        );
        for t in TARGETS {
            m.cmd(
                &format!("clippy firmware (qemu) --target {t}"),
                cargo(
                    &fw,
                    &[
                        "clippy",
                        "--release",
                        "--features",
                        "qemu",
                        "--target",
                        t,
                        "--",
                        "-D",
                        "warnings",
                    ],
                ),
            );
        }
        m.cmd(
            "clippy firmware (board, micro:bit v2)",
            cargo(
                &fw,
                &[
                    "clippy",
                    "--release",
                    "--features",
                    "board",
                    "--target",
                    "thumbv7em-none-eabihf",
                    "--",
                    "-D",
                    "warnings",
                ],
            ),
        );
        if !skip_qemu {
            m.cmd(
                "QEMU cross-target regression (4 targets, bit for bit)",
                cargo(
                    &root,
                    &[
                        "test",
                        "-p",
                        "engram-tests",
                        "--test",
                        "xtarget",
                        "--",
                        "--ignored",
                    ],
                ),
            );
            m.step("panic scan of the release thumbv6m xcheck image", || {
                panic_scan(true)
            });
        }
    }

    let failed = m.results.iter().filter(|r| !r.1).count();
    eprintln!("\n=== xtask: summary");
    for (name, ok, secs) in &m.results {
        eprintln!(
            "  {:<4} {name} ({secs:.1} s)",
            if *ok { "ok" } else { "FAIL" }
        );
    }
    if !deps_ok {
        eprintln!("  (no_std, firmware and QEMU steps skipped: dependencies missing)");
    }
    println!(
        "xtask: {} passed, {} failed",
        m.results.len() - failed,
        failed
    );
    if failed == 0 && deps_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Panic machinery left in the release thumbv6m (micro:bit v1) xcheck image.
///
/// The image is built with `panic = "abort"` and LTO, so any `core::panicking` symbol that survives
/// is reachable from some code path (an index, an overflow check, an `unwrap`).
fn panic_scan(build: bool) -> Result<(), String> {
    let fw = firmware();
    let triple = "thumbv6m-none-eabi";
    if build {
        let status = cargo(
            &fw,
            &[
                "build",
                "--release",
                "--bin",
                "xcheck",
                "--features",
                "qemu",
                "--target",
                triple,
            ],
        )
        .status()
        .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("building the xcheck image failed ({status})"));
        }
    }
    let elf = fw.join("target").join(triple).join("release/xcheck");
    let nm = deps::which_nm().ok_or("llvm-nm not found (apt-get install llvm)")?;
    let out = Command::new(nm)
        .arg("--demangle")
        .arg(&elf)
        .output()
        .map_err(|e| format!("llvm-nm: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "llvm-nm {}: {}",
            elf.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let symbols: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("panic") || l.contains("unwrap_failed") || l.contains("expect_failed")
        })
        .map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>().join(" "))
        .collect();
    eprintln!(
        "panic scan: {} panic symbol(s) in {}",
        symbols.len(),
        elf.display()
    );
    for s in &symbols {
        eprintln!("  {s}");
    }
    if symbols.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} panic symbol(s) in the release thumbv6m xcheck image (goal: none)",
            symbols.len()
        ))
    }
}

/// `cargo xtask panic-scan`.
pub fn panic_scan_only() -> ExitCode {
    match panic_scan(true) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask bless`.
pub fn bless() -> ExitCode {
    let status = cargo(&root(), &["test", "-p", "engram-tests", "--test", "golden"])
        .env("ENGRAM_BLESS", "1")
        .status();
    match status {
        Ok(s) if s.success() => {
            eprintln!(
                "blessed tests/golden/: review with `git diff tests/golden` before committing"
            );
            ExitCode::SUCCESS
        }
        _ => ExitCode::FAILURE,
    }
}
