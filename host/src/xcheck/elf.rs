//! A cheap sanity check of an image given with `--elf`: the ELF magic, and the class and machine
//! the target needs (read from the first 20 bytes of the header, System V gABI "ELF header").

use std::io::Read;
use std::path::Path;

use super::error::XcheckError;

/// `e_machine` of 32-bit Arm (`EM_ARM`).
const EM_ARM: u16 = 40;
/// `e_machine` of RISC-V (`EM_RISCV`).
const EM_RISCV: u16 = 243;

/// The ELF class (1 = 32-bit) and `e_machine` a target triple's images have, if known.
fn expected(triple: &str) -> Option<(u8, u16, &'static str)> {
    if triple.starts_with("thumb") || triple.starts_with("arm") {
        Some((1, EM_ARM, "32-bit Arm"))
    } else if triple.starts_with("riscv32") {
        Some((1, EM_RISCV, "32-bit RISC-V"))
    } else {
        None
    }
}

/// A readable name for an ELF class and machine.
fn describe(class: u8, machine: u16) -> String {
    let bits = match class {
        1 => "32-bit",
        2 => "64-bit",
        _ => "unknown-class",
    };
    let arch = match machine {
        EM_ARM => "Arm".to_owned(),
        EM_RISCV => "RISC-V".to_owned(),
        3 => "x86".to_owned(),
        62 => "x86-64".to_owned(),
        183 => "AArch64".to_owned(),
        n => format!("machine {n}"),
    };
    format!("{bits} {arch}")
}

/// Checks that `path` is an ELF file for `triple`: the magic `0x7f 'E' 'L' 'F'`, then (for the
/// triples engram knows) the class and `e_machine`, read in the byte order `EI_DATA` names.
/// Reads 20 bytes and runs nothing (no toolchain needed).
///
/// Errors: [`XcheckError::Io`] naming the path if it cannot be opened or read;
/// [`XcheckError::NotElf`] without the magic (or shorter than a header);
/// [`XcheckError::ElfMachine`] for an ELF of another architecture.
///
/// ```no_run
/// engram::xcheck::check_elf(std::path::Path::new("xcheck"), "thumbv6m-none-eabi")?;
/// # Ok::<(), engram::xcheck::XcheckError>(())
/// ```
pub fn check_elf(path: &Path, triple: &str) -> Result<(), XcheckError> {
    let io = |source| XcheckError::Io {
        what: path.display().to_string(),
        source,
    };
    let mut bytes = Vec::with_capacity(20);
    std::fs::File::open(path)
        .and_then(|f| f.take(20).read_to_end(&mut bytes))
        .map_err(io)?;
    let Ok(header) = <[u8; 20]>::try_from(bytes.as_slice()) else {
        return Err(XcheckError::NotElf(path.to_path_buf()));
    };
    if !header.starts_with(b"\x7fELF") {
        return Err(XcheckError::NotElf(path.to_path_buf()));
    }
    let (class, data) = (header[4], header[5]);
    let machine_bytes = [header[18], header[19]];
    let machine = match data {
        1 => u16::from_le_bytes(machine_bytes),
        2 => u16::from_be_bytes(machine_bytes),
        _ => return Err(XcheckError::NotElf(path.to_path_buf())),
    };
    match expected(triple) {
        Some((want_class, want_machine, name))
            if (class, machine) != (want_class, want_machine) =>
        {
            Err(XcheckError::ElfMachine {
                path: path.to_path_buf(),
                found: describe(class, machine),
                triple: triple.to_owned(),
                expected: name.to_owned(),
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(class: u8, data: u8, machine: u16) -> Vec<u8> {
        let mut h = b"\x7fELF".to_vec();
        h.extend([class, data, 1, 0]);
        h.extend([0u8; 8]);
        h.extend(2u16.to_le_bytes()); // e_type: executable
        h.extend(if data == 2 {
            machine.to_be_bytes()
        } else {
            machine.to_le_bytes()
        });
        h.extend([0u8; 32]);
        h
    }

    fn check_bytes(name: &str, bytes: &[u8], triple: &str) -> Result<(), XcheckError> {
        let path = std::env::temp_dir().join(format!("engram-elf-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        let r = check_elf(&path, triple);
        std::fs::remove_file(&path).unwrap();
        r
    }

    #[test]
    fn magic_class_and_machine() {
        let arm = header(1, 1, EM_ARM);
        let rv = header(1, 1, EM_RISCV);
        assert!(check_bytes("arm", &arm, "thumbv6m-none-eabi").is_ok());
        assert!(check_bytes("rv", &rv, "riscv32imac-unknown-none-elf").is_ok());
        let e = check_bytes("rv2", &rv, "thumbv7em-none-eabihf").unwrap_err();
        assert!(matches!(e, XcheckError::ElfMachine { .. }), "{e}");
        assert!(e.to_string().contains("32-bit RISC-V"), "{e}");
        let x64 = header(2, 1, 62);
        let e = check_bytes("x64", &x64, "thumbv6m-none-eabi").unwrap_err();
        assert!(e.to_string().contains("64-bit x86-64"), "{e}");
        let be = header(1, 2, EM_ARM);
        assert!(check_bytes("be", &be, "thumbv6m-none-eabi").is_ok());
        for (name, bytes) in [
            ("text", b"not an elf at all, just text".to_vec()),
            ("short", b"\x7fELF".to_vec()),
            ("empty", Vec::new()),
        ] {
            let e = check_bytes(name, &bytes, "thumbv6m-none-eabi").unwrap_err();
            assert!(matches!(e, XcheckError::NotElf(_)), "{name}: {e}");
            assert!(e.to_string().ends_with(": not an ELF file"), "{e}");
        }
    }
}
