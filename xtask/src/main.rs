//! engram's task runner (the cargo-xtask convention): `cargo xtask <task>`.
//!
//! - `cargo xtask test [--install-deps]` — the whole test matrix, ending in `xtask: N passed, N failed`.
//! - `cargo xtask deps` — install what the matrix needs (rustup targets and components, QEMU).
//! - `cargo xtask bless` — rewrite the golden digests after an intended numerical change.
//! - `cargo xtask panic-scan` — list panic machinery in the release thumbv6m xcheck image.
//!
//! Under `CI=true` the install step always runs (it is idempotent), so a fresh machine's path is the
//! one CI exercises; on a user's machine it runs only with `--install-deps` and otherwise names what is
//! missing.

mod deps;
mod steps;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  test [--install-deps] [--skip-qemu]   fmt, clippy, host tests, no_std builds, QEMU cross-target, panic scan
  deps                                  install rustup targets/components and QEMU (Debian bookworm-backports)
  bless                                 rewrite tests/golden/ from this machine's output
  panic-scan                            list panic symbols in the release thumbv6m xcheck image";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((task, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let flag = |f: &str| rest.iter().any(|a| a == f);
    if let Some(bad) = rest
        .iter()
        .find(|a| !matches!(a.as_str(), "--install-deps" | "--skip-qemu"))
    {
        eprintln!("xtask: unknown flag {bad:?}\n{USAGE}");
        return ExitCode::from(2);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    match task.as_str() {
        "test" => steps::test(ci || flag("--install-deps"), flag("--skip-qemu")),
        "deps" => match deps::install(true) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xtask deps: {e}");
                ExitCode::FAILURE
            }
        },
        "bless" => steps::bless(),
        "panic-scan" => steps::panic_scan_only(),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("xtask: unknown task {other:?}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
