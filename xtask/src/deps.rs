//! Installing (or naming) what the test matrix needs.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The embedded targets of the matrix.
pub const TARGETS: &[&str] = &[
    "thumbv7em-none-eabihf",
    "thumbv6m-none-eabi",
    "thumbv8m.main-none-eabihf",
    "riscv32imac-unknown-none-elf",
];

/// QEMU executables and the Debian packages (QEMU 10 packaging) that provide them.
const QEMU: &[(&str, &str)] = &[
    ("qemu-system-arm", "qemu-system-arm"),
    ("qemu-system-riscv32", "qemu-system-riscv"),
];

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

fn run(cmd: &mut Command) -> Result<(), String> {
    eprintln!("xtask: $ {cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed ({status})", cmd.get_program()))
    }
}

fn installed_targets() -> Vec<String> {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn has_component(tool: &str) -> bool {
    Command::new("cargo")
        .args([tool, "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What is missing, each with the command that would install it.
pub fn missing() -> Vec<String> {
    let mut missing = Vec::new();
    let installed = installed_targets();
    for t in TARGETS {
        if !installed.iter().any(|i| i == t) {
            missing.push(format!("Rust target {t}: rustup target add {t}"));
        }
    }
    for (tool, comp) in [("fmt", "rustfmt"), ("clippy", "clippy")] {
        if !has_component(tool) {
            missing.push(format!("cargo {tool}: rustup component add {comp}"));
        }
    }
    for (exe, pkg) in QEMU {
        if !on_path(exe) {
            missing.push(format!(
                "{exe}: Debian package {pkg} from bookworm-backports (QEMU 10)"
            ));
        }
    }
    if which_nm().is_none() {
        missing.push("llvm-nm (for the panic scan): apt-get install llvm".to_owned());
    }
    missing
}

/// `llvm-nm` or rustup's `llvm-tools` copy.
pub fn which_nm() -> Option<PathBuf> {
    if on_path("llvm-nm") {
        return Some(PathBuf::from("llvm-nm"));
    }
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_owned();
    std::fs::read_dir(Path::new(&sysroot).join("lib/rustlib"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin/llvm-nm"))
        .find(|p| p.is_file())
}

/// Installs everything (idempotent); with `install == false` only reports what is missing.
pub fn install(install: bool) -> Result<(), String> {
    if !install {
        let missing = missing();
        if missing.is_empty() {
            return Ok(());
        }
        return Err(format!(
            "missing:\n{}\ninstall them with `cargo xtask deps`, or run `cargo xtask test --install-deps`",
            missing
                .iter()
                .map(|m| format!("  - {m}"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    run(Command::new("rustup").args(["component", "add", "rustfmt", "clippy"]))
        .map_err(|e| format!("{e}: is rustup installed? (https://rustup.rs)"))?;
    run(Command::new("rustup")
        .arg("target")
        .arg("add")
        .args(TARGETS))
    .map_err(|e| {
        format!("{e}: `rustup target add` needs network access to the Rust distribution server")
    })?;
    install_qemu()?;
    if which_nm().is_none() {
        apt_install(&["llvm"], None)?;
    }
    let still = missing();
    if still.is_empty() {
        Ok(())
    } else {
        Err(format!("still missing after install: {still:?}"))
    }
}

/// The Debian mirror the machine already uses (deb822 or one-line sources), else deb.debian.org.
fn debian_mirror() -> String {
    let mut texts = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/etc/apt/sources.list.d") {
        for e in dir.filter_map(Result::ok) {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "sources" || x == "list") {
                texts.push(std::fs::read_to_string(p).unwrap_or_default());
            }
        }
    }
    texts.push(std::fs::read_to_string("/etc/apt/sources.list").unwrap_or_default());
    for text in &texts {
        for line in text.lines() {
            let line = line.trim();
            let uri = if let Some(u) = line.strip_prefix("URIs:") {
                u.split_whitespace().next()
            } else if line.starts_with("deb ") {
                line.split_whitespace().find(|w| w.starts_with("http"))
            } else {
                None
            };
            if let Some(u) = uri
                && u.trim_end_matches('/').ends_with("/debian")
            {
                return u.trim_end_matches('/').to_owned();
            }
        }
    }
    "http://deb.debian.org/debian".to_owned()
}

fn is_bookworm() -> bool {
    std::fs::read_to_string("/etc/os-release")
        .is_ok_and(|s| s.contains("VERSION_CODENAME=bookworm"))
}

fn sudo_prefix() -> Result<Vec<String>, String> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    if uid == "0" {
        Ok(Vec::new())
    } else if on_path("sudo") {
        Ok(vec!["sudo".to_owned()])
    } else {
        Err("installing system packages needs root or sudo".to_owned())
    }
}

/// `apt-get install --no-install-recommends`, optionally from an extra temporary sources list.
fn apt_install(packages: &[&str], backports: Option<&Path>) -> Result<(), String> {
    let sudo = sudo_prefix()?;
    let mut base: Vec<String> = sudo.clone();
    base.push("apt-get".into());
    if let Some(dir) = backports {
        base.extend([
            format!(
                "-o=Dir::Etc::sourcelist={}",
                dir.join("engram.sources").display()
            ),
            "-o=Dir::Etc::sourceparts=-".into(),
            format!("-o=Dir::State::lists={}", dir.join("lists").display()),
        ]);
    }
    let cmd = |extra: &[&str]| {
        let mut c = Command::new(&base[0]);
        c.args(&base[1..])
            .args(extra)
            .env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run(&mut cmd(&["update", "-q"]))?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    if backports.is_some() {
        args.extend(["-t", "bookworm-backports"]);
    }
    args.extend(packages);
    run(&mut cmd(&args))
}

/// QEMU 10 from Debian's bookworm-backports through a temporary sources list, leaving /etc/apt as it is.
///
/// The image ships `qemu-utils` 10 from bookworm-backports, which `Breaks` bookworm's own
/// `qemu-system-common` 7.2, so a plain `apt-get install qemu-system-arm` fails (design.md).
fn install_qemu() -> Result<(), String> {
    if !is_bookworm() {
        if QEMU.iter().all(|(exe, _)| on_path(exe)) {
            return Ok(());
        }
        return Err(
            "QEMU is missing and this is not Debian bookworm: install qemu-system-arm and \
             qemu-system-riscv32 (QEMU ≥ 8) with your package manager"
                .to_owned(),
        );
    }
    let dir = std::env::temp_dir().join("engram-apt-backports");
    std::fs::create_dir_all(dir.join("lists/partial"))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let mirror = debian_mirror();
    let sources = format!(
        "Types: deb\nURIs: {mirror}\nSuites: bookworm bookworm-updates bookworm-backports\n\
         Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    );
    std::fs::write(dir.join("engram.sources"), sources).map_err(|e| e.to_string())?;
    let pkgs: Vec<&str> = QEMU.iter().map(|(_, p)| *p).collect();
    apt_install(&pkgs, Some(&dir))
}
