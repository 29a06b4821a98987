//! `engram xcheck`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use clap::Args;
use engram::xcheck::{self, TARGETS, XcheckError};

#[derive(Debug, Args)]
pub struct XcheckArgs {
    /// Check one emulated target (repeatable); default: all of them.
    #[arg(long = "target", value_name = "TRIPLE", conflicts_with = "probe")]
    targets: Vec<String>,
    /// Check every emulated target (the default when no --target is given).
    #[arg(long, conflicts_with_all = ["targets", "probe"])]
    all: bool,
    /// Run this ELF instead of building the firmware (needs exactly one --target, or --probe; no
    /// Rust toolchain needed).
    #[arg(long, value_name = "PATH")]
    elf: Option<PathBuf>,
    /// Run on a real board through probe-rs, e.g. `nRF52833_xxAA` (BBC micro:bit v2).
    #[arg(long, value_name = "CHIP")]
    probe: Option<String>,
    /// The firmware workspace to build from (default: the `firmware/` found walking up from the
    /// current directory). Not used with --elf.
    #[arg(long, value_name = "DIR")]
    firmware_dir: Option<PathBuf>,
    /// Seconds before a run is killed.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    timeout: u64,
    /// Print the host's report and exit (what every target must reproduce).
    #[arg(long, conflicts_with_all = ["targets", "all", "probe", "elf"])]
    host: bool,
    /// List the emulated targets and probe chips.
    #[arg(long, conflicts_with_all = ["targets", "all", "probe", "elf", "host"])]
    list: bool,
}

/// Runs `engram xcheck`; an interrupt (SIGINT, SIGTERM, SIGHUP) stops the running QEMU, cargo or
/// probe-rs and exits with 128 + the signal.
pub fn run(args: XcheckArgs) -> anyhow::Result<ExitCode> {
    match run_checks(args) {
        Err(e) => match e
            .downcast_ref::<XcheckError>()
            .and_then(|x| x.signal_exit_code())
        {
            Some(code) => {
                eprintln!("error: {e}");
                Ok(ExitCode::from(code))
            }
            None => Err(e),
        },
        ok => ok,
    }
}

/// The firmware workspace: `--firmware-dir` if given, else found from the current directory.
fn firmware_dir(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    Ok(match given {
        Some(dir) => xcheck::check_firmware_dir(dir)?,
        None => xcheck::find_firmware_dir(&std::env::current_dir()?)?,
    })
}

fn run_checks(args: XcheckArgs) -> anyhow::Result<ExitCode> {
    if args.host {
        print!("{}", xcheck::host_report());
        return Ok(ExitCode::SUCCESS);
    }
    if args.list {
        println!("emulated targets (QEMU):");
        for t in TARGETS {
            println!("  {:<30} {:<20} {}", t.triple, t.machine, t.about);
        }
        println!("probe chips (probe-rs):");
        for c in xcheck::PROBE_CHIPS {
            println!("  {:<30} {:<20} {}", c.chip, c.triple, c.board);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let timeout = Duration::from_secs(args.timeout);
    // With --elf nothing is built, so no firmware workspace is needed (and none is looked for).
    let fw = match &args.elf {
        Some(_) => PathBuf::new(),
        None => firmware_dir(args.firmware_dir.as_deref())?,
    };
    let mut outcomes = Vec::new();
    if let Some(chip) = &args.probe {
        xcheck::install_signal_handler()?;
        outcomes.push(xcheck::check_probe(
            chip,
            &fw,
            args.elf.as_deref(),
            timeout,
        )?);
    } else {
        let targets: Vec<_> = if args.targets.is_empty() {
            TARGETS.iter().collect()
        } else {
            args.targets
                .iter()
                .map(|t| xcheck::find_target(t))
                .collect::<Result<_, _>>()?
        };
        if let Some(elf) = &args.elf {
            let [target] = targets.as_slice() else {
                bail!("--elf needs exactly one --target (the ELF's target)");
            };
            xcheck::check_elf(elf, target.triple)?;
        }
        // Check every tool first, so a missing QEMU is reported before minutes of building.
        let missing: Vec<String> = targets
            .iter()
            .flat_map(|t| match args.elf {
                Some(_) => xcheck::missing_run_tools(t),
                None => xcheck::missing_tools(t),
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !missing.is_empty() {
            return Err(XcheckError::MissingTools(missing).into());
        }
        xcheck::install_signal_handler()?;
        for t in targets {
            eprintln!("xcheck: {} on QEMU {} …", t.triple, t.machine);
            outcomes.push(xcheck::check_qemu_target(
                t,
                &fw,
                args.elf.as_deref(),
                timeout,
            )?);
        }
    }
    let mut failed = 0;
    println!();
    println!(
        "| target | runner | scenarios equal | mismatches | result |\n| --- | --- | --- | --- | --- |"
    );
    for o in &outcomes {
        let pass = o.comparison.passed();
        failed += usize::from(!pass);
        println!(
            "| {} | {} | {} | {} | {} |",
            o.triple,
            o.runner,
            o.comparison.matched.len(),
            o.comparison.mismatches.len(),
            if pass { "PASS" } else { "FAIL" }
        );
    }
    for o in outcomes.iter().filter(|o| !o.comparison.passed()) {
        println!("\n{}", o.comparison);
    }
    println!(
        "\nxcheck: {} passed, {} failed (reference: {})",
        outcomes.len() - failed,
        failed,
        xcheck::host_label()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
