//! `engram rnn gridscore` end to end: stdout is only CSV with the exact header, one row per map
//! in argument order (an NPY stack expands to its units); orientations are reported modulo 60°
//! (a square lattice's 59.99999…° prints as 0); `--nan mask` changes only maps with unvisited
//! bins; a non-square map is exit status 2 with one line naming the file.

use std::path::PathBuf;
use std::process::{Command, Output};

use engram_tests::{engram_bin, workspace_root};

const HEADER: &str = "file,unit,score60_mean,score60_minmax,score90,spacing,orientation";

fn fixture(name: &str) -> String {
    workspace_root()
        .join("tests/fixtures/gridscore")
        .join(name)
        .display()
        .to_string()
}

fn engram(args: &[&str]) -> Output {
    Command::new(engram_bin()).args(args).output().unwrap()
}

fn rows(args: &[&str]) -> Vec<Vec<String>> {
    let o = engram(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8(o.stdout).unwrap();
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(HEADER));
    lines
        .map(|l| {
            let r: Vec<String> = l.split(',').map(str::to_owned).collect();
            assert_eq!(r.len(), 7, "{l}");
            r
        })
        .collect()
}

#[test]
fn stdout_is_csv_in_argument_order() {
    let (hex, stack, sq) = (
        fixture("maps/hex_n20_p7_a0.csv"),
        fixture("stack20.npy"),
        fixture("maps/square_n20_p6_a0.csv"),
    );
    let r = rows(&["rnn", "gridscore", &sq, &stack, &hex]);
    assert_eq!(r.len(), 1 + 8 + 1);
    assert_eq!((r[0][0].as_str(), r[0][1].as_str()), (sq.as_str(), "0"));
    for (u, row) in r[1..9].iter().enumerate() {
        assert_eq!(
            (row[0].as_str(), row[1].clone()),
            (stack.as_str(), u.to_string())
        );
    }
    assert_eq!(r[9][0], hex);
    // Every value parses; the ideal hexagonal lattice scores > 1 with spacing ≈ 7 bins.
    for row in &r {
        for v in &row[2..] {
            v.parse::<f64>().unwrap();
        }
    }
    let s60: f64 = r[9][2].parse().unwrap();
    assert!((s60 - 1.493_257_019_860_923).abs() < 1e-3, "{s60}");
    // The axis-aligned square lattice: orientation 0 modulo 60°, not 59.9999…
    let o: f64 = r[0][6].parse().unwrap();
    assert!(
        (0.0..60.0 - 1e-3).contains(&o) && o < 1e-6,
        "orientation {o}"
    );
    for row in &r {
        let o: f64 = row[6].parse().unwrap();
        assert!(o.is_nan() || (0.0..60.0 - 1e-3).contains(&o), "{row:?}");
    }
}

#[test]
fn nan_mask_changes_only_maps_with_unvisited_bins() {
    let dir = std::env::temp_dir().join(format!("engram-grid-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hex = fixture("maps/hex_n20_p7_a0.csv");
    // The same lattice with a block of unvisited bins.
    let text = std::fs::read_to_string(&hex).unwrap();
    let holed: String = text
        .lines()
        .enumerate()
        .map(|(y, l)| {
            let f: Vec<&str> = l.split(',').collect();
            f.iter()
                .enumerate()
                .map(|(x, v)| if y < 6 && x < 6 { "nan" } else { v })
                .collect::<Vec<_>>()
                .join(",")
                + "\n"
        })
        .collect();
    let holed_path = dir.join("holed.csv");
    std::fs::write(&holed_path, holed).unwrap();
    let holed_s = holed_path.display().to_string();
    let zero = rows(&["rnn", "gridscore", &hex, &holed_s]);
    let mask = rows(&["rnn", "gridscore", "--nan", "mask", &hex, &holed_s]);
    assert_eq!(zero[0], mask[0], "no NaN: both policies agree");
    assert_ne!(zero[1][2], mask[1][2], "NaN bins: masking changes score60");
    let bad = engram(&["rnn", "gridscore", "--nan", "drop", &hex]);
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn non_square_map_exits_2_naming_the_file() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("engram-grid-cli-sq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wide = dir.join("wide.csv");
    std::fs::write(&wide, "1,2,3\n4,5,6\n").unwrap();
    let hex = fixture("maps/hex_n20_p7_a0.csv");
    let o = engram(&["rnn", "gridscore", &hex, &wide.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "no partial CSV on stdout");
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    assert!(e.contains("wide.csv") && e.contains("not square"), "{e}");
    // A non-square NPY stack, and a file that is not NPY.
    let npy = dir.join("wide.npy");
    let mut bytes = engram::rnn::npy::header_f32(&[2, 3, 4]);
    bytes.extend(std::iter::repeat_n(0u8, 2 * 3 * 4 * 4));
    std::fs::write(&npy, bytes).unwrap();
    let bogus = dir.join("bogus.npy");
    std::fs::write(&bogus, b"not numpy").unwrap();
    for (f, why) in [(npy, "not square"), (bogus, "bad magic")] {
        let o = engram(&["rnn", "gridscore", &f.display().to_string()]);
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{e}");
        assert_eq!(e.trim().lines().count(), 1, "{e}");
        assert!(
            e.contains(&f.display().to_string()) && e.contains(why),
            "{e}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
