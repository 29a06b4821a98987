//! `engram rnn import`: a network blob from NumPy arrays — weights trained elsewhere (e.g. with
//! grid-pattern-formation in PyTorch) onto a board (`docs/rnn.md`, "Export and import").
//!
//! Every array is read by [`super::npy`] (`'<f4'` or `'<f8'`, C order) and its shape checked
//! against the network's sizes, which come from the arrays themselves: H from `--w-hh` (H, H),
//! I from `--w-ih` (H, I), Np from `--w-dec` (Np, H); then `--b` (H,), `--w-enc` (H, Np) and
//! `--centres` (Np, 2). A wrong shape or a non-finite value is one line naming the flag, the file
//! and what was expected.
//!
//! **From grid-pattern-formation (PyTorch `model.py`, class `RNN`)**: no transposes. Its
//! `torch.nn.Linear` and `torch.nn.RNN` weights are already (out, in), the row-major layout of the
//! core (`g_t = φ(W_ih v_t + W_hh g_{t−1})`, `logits = W_dec g_t`, `g₀ = W_enc p₀`):
//!
//! | state-dict key | shape | flag |
//! | --- | --- | --- |
//! | `RNN.weight_ih_l0` | (Ng, 2) | `--w-ih` |
//! | `RNN.weight_hh_l0` | (Ng, Ng) | `--w-hh` |
//! | `encoder.weight` | (Ng, Np) | `--w-enc` |
//! | `decoder.weight` | (Np, Ng) | `--w-dec` |
//! | `place_cells.us` (not in the state dict) | (Np, 2) | `--centres` |
//!
//! Its RNN has no bias (`bias=False`); a `torch.nn.RNN` with bias has two vectors,
//! `bias_ih_l0 + bias_hh_l0`, whose sum is `--b`. Its inputs are displacements per step (m), as
//! here; its place code is the difference of softmaxes with `surround_scale` 2 (`--place-code
//! dos --surround-scale 2`), σ = `place_cell_rf` (0.12 m), box 2.2 m, `--periodic` if trained
//! with `periodic=True`. Keras/TensorFlow kernels are (in, out): save `np.ascontiguousarray(K.T)`
//! (a bare `K.T` is saved in Fortran order, which is refused).

use std::path::{Path, PathBuf};

use anyhow::bail;
use engram_core::rnn::{Activation, Dims, Meta, PlaceCodeKind};

use super::export::{self, Calibration, OwnedNet, Written};
use super::npy::{self, NpyArray, shape_str};

/// The place code recorded in the blob (`--place-code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceCode {
    /// Difference of softmaxes (Sorscher et al.).
    Dos,
    /// Softmax of Gaussian bumps.
    Gaussian,
}

/// Everything `engram rnn import` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportConfig {
    /// `--w-ih`: (H, I).
    pub w_ih: PathBuf,
    /// `--w-hh`: (H, H).
    pub w_hh: PathBuf,
    /// `--b`: (H,), optional.
    pub bias: Option<PathBuf>,
    /// `--w-enc`: (H, Np), optional (without it g₀ = 0).
    pub w_enc: Option<PathBuf>,
    /// `--w-dec`: (Np, H).
    pub w_dec: PathBuf,
    /// `--centres`: (Np, 2), metres, box centred on 0.
    pub centres: PathBuf,
    /// φ.
    pub activation: Activation,
    /// Box side L (m).
    pub box_size: f32,
    /// Periodic box.
    pub periodic: bool,
    /// Place-cell σ (m).
    pub sigma: f32,
    /// Place code.
    pub place_code: PlaceCode,
    /// Surround variance scale s of the difference of softmaxes (the blob stores √s).
    pub surround_scale: f32,
    /// Time step (s).
    pub dt: f32,
    /// Top-k of the decoder.
    pub decode_k: usize,
    /// Write int8 (calibrated) instead of f32.
    pub int8: bool,
    /// Output blob.
    pub out: PathBuf,
    /// Overwrite `out`.
    pub force: bool,
    /// Calibration and evaluation.
    pub calibration: Calibration,
}

/// One array, read and its shape checked: `expected` is the shape with names for the message
/// (e.g. `(H, I) = (64, I)`), `ok` the test.
fn load(
    flag: &str,
    path: &Path,
    ok: impl Fn(&[usize]) -> bool,
    expected: &str,
) -> anyhow::Result<NpyArray> {
    let a = npy::read(path).map_err(|e| anyhow::anyhow!("{flag} {e}"))?;
    if !ok(&a.shape) {
        bail!(
            "{flag} {}: shape {}, expected {expected}",
            path.display(),
            shape_str(&a.shape)
        );
    }
    if let Some(i) = a.data.iter().position(|x| !x.is_finite()) {
        let what = if a.dtype == npy::NpyDtype::F64 {
            "is not finite in f32"
        } else {
            "is not finite"
        };
        bail!(
            "{flag} {}: element {} {what}",
            path.display(),
            index_str(&a.shape, i)
        );
    }
    Ok(a)
}

/// The multi-index of flat C-order index `i` in `shape`, as `[r, c]`.
fn index_str(shape: &[usize], mut i: usize) -> String {
    let mut idx = vec![0usize; shape.len()];
    for (k, &d) in shape.iter().enumerate().rev() {
        if d > 0 {
            idx[k] = i % d;
            i /= d;
        }
    }
    let parts: Vec<String> = idx.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(", "))
}

impl ImportConfig {
    /// Checks the metadata flags; the error names the flag.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(self.box_size.is_finite() && self.box_size > 0.0) {
            bail!("--box must be a finite length > 0 (m)");
        }
        if !(self.sigma.is_finite() && self.sigma > 0.0) {
            bail!("--sigma must be a finite length > 0 (m)");
        }
        if !(self.dt.is_finite() && self.dt > 0.0) {
            bail!("--dt must be a finite time > 0 (s)");
        }
        if self.place_code == PlaceCode::Dos
            && !(self.surround_scale.is_finite() && self.surround_scale > 1.0)
        {
            bail!("--surround-scale must be a finite number > 1");
        }
        if self.decode_k == 0 {
            bail!("--decode-k must be at least 1");
        }
        self.calibration.validate(self.int8)
    }

    /// The blob's metadata.
    pub fn meta(&self) -> Meta {
        let (place_code, surround) = match self.place_code {
            PlaceCode::Dos => (
                PlaceCodeKind::DifferenceOfSoftmaxes,
                self.surround_scale.sqrt(),
            ),
            PlaceCode::Gaussian => (PlaceCodeKind::Gaussian, 0.0),
        };
        Meta {
            activation: self.activation,
            place_code,
            periodic: self.periodic,
            decode_k: self.decode_k,
            box_width: self.box_size,
            box_height: self.box_size,
            dt: self.dt,
            sigma: self.sigma,
            surround,
        }
    }

    /// Reads and checks every array: the network, ready to encode.
    pub fn network(&self) -> anyhow::Result<OwnedNet> {
        self.validate()?;
        let w_hh = load(
            "--w-hh",
            &self.w_hh,
            |s| s.len() == 2 && s[0] == s[1] && s[0] > 0,
            "(H, H), square with H >= 1",
        )?;
        let h = w_hh.shape[0];
        let w_ih = load(
            "--w-ih",
            &self.w_ih,
            |s| s.len() == 2 && s[0] == h && s[1] > 0,
            &format!("(H, I) = ({h}, I) with H from --w-hh"),
        )?;
        let i = w_ih.shape[1];
        let w_dec = load(
            "--w-dec",
            &self.w_dec,
            |s| s.len() == 2 && s[1] == h && s[0] > 0,
            &format!("(Np, H) = (Np, {h}) with H from --w-hh"),
        )?;
        let np = w_dec.shape[0];
        let centres = load(
            "--centres",
            &self.centres,
            |s| s == [np, 2],
            &format!("(Np, 2) = ({np}, 2) with Np from --w-dec"),
        )?;
        let bias = match &self.bias {
            Some(p) => Some(
                load(
                    "--b",
                    p,
                    |s| s == [h],
                    &format!("(H,) = ({h},) with H from --w-hh"),
                )?
                .data,
            ),
            None => None,
        };
        let w_enc = match &self.w_enc {
            Some(p) => Some(
                load(
                    "--w-enc",
                    p,
                    |s| s == [h, np],
                    &format!("(H, Np) = ({h}, {np}) with H from --w-hh and Np from --w-dec"),
                )?
                .data,
            ),
            None => None,
        };
        if self.decode_k > np {
            bail!("--decode-k {} exceeds the {np} place cells", self.decode_k);
        }
        let half = self.box_size / 2.0;
        if let Some(j) = centres
            .data
            .chunks_exact(2)
            .position(|c| c.iter().any(|x| x.abs() > half))
        {
            bail!(
                "--centres {}: centre {j} lies outside the --box {} m box centred on 0 (are the units metres?)",
                self.centres.display(),
                self.box_size
            );
        }
        Ok(OwnedNet {
            dims: Dims::new(i, h, np),
            meta: self.meta(),
            w_ih: w_ih.data,
            w_hh: w_hh.data,
            bias,
            w_enc,
            w_dec: w_dec.data,
            centres: centres.data,
        })
    }
}

/// Runs `engram rnn import`: reads and checks the arrays, writes the blob (f32, or int8
/// calibrated on held-out walks), evaluates its decoding error if asked.
pub fn import(cfg: &ImportConfig) -> anyhow::Result<Written> {
    let net = cfg.network()?;
    if cfg.calibration.eval > 0 && net.dims.inputs != 2 {
        bail!(
            "--w-ih {}: the network has I = {} inputs; evaluating it on the planar walk needs 2 (pass --eval 0 to skip)",
            cfg.w_ih.display(),
            net.dims.inputs
        );
    }
    export::encode_and_write(&net, cfg.int8, &cfg.calibration, &cfg.out, cfg.force)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_strings_are_c_order() {
        assert_eq!(index_str(&[2, 3], 4), "[1, 1]");
        assert_eq!(index_str(&[5], 4), "[4]");
        assert_eq!(index_str(&[2, 3, 4], 23), "[1, 2, 3]");
    }
}
