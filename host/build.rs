//! Records the host target triple for provenance and for labelling the reference in comparisons.
fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=ENGRAM_HOST_TRIPLE={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
