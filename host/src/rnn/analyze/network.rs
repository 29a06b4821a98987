//! The networks of an analysis: read from a run directory or a blob ([`load`]), and the same
//! architecture at initialisation ([`init_network`], the initialisation null).

use std::path::{Path, PathBuf};

use super::super::export::{OwnedNet, read_f32_network, walk_config};
use super::super::train::config::TrainConfig;
use super::super::train::model::{Params, Shape};
use super::super::train::network_file;
use super::config::AnalyzeConfig;

/// The networks analysed: (seed, file, trained network).
pub type Nets = Vec<(u64, PathBuf, OwnedNet)>;

/// The same architecture as `net` at initialisation: the trainer's [`Params::init`] with `seed`,
/// no bias (the trainer has none), an encoder iff `net` has one, the same metadata and centres.
pub fn init_network(net: &OwnedNet, seed: u64) -> OwnedNet {
    let p = Params::<f32>::init(
        Shape {
            h: net.dims.hidden,
            p: net.dims.places,
        },
        seed,
    );
    OwnedNet {
        dims: net.dims,
        meta: net.meta,
        w_ih: p.w_ih,
        w_hh: p.w_hh,
        bias: None,
        w_enc: net.w_enc.as_ref().map(|_| p.w_enc),
        w_dec: p.w_dec,
        centres: net.centres.clone(),
    }
}

/// The networks of `cfg` — every seed's of a run directory (with its training configuration), or
/// the one blob of `--weights` (seed `--init-seed`) — each an f32 network with 2 inputs whose
/// metadata describes a walk.
pub fn load(cfg: &AnalyzeConfig) -> anyhow::Result<(Nets, Option<TrainConfig>)> {
    let read = |p: &Path| -> anyhow::Result<OwnedNet> {
        let net = read_f32_network(p)?;
        if net.dims.inputs != 2 {
            anyhow::bail!(
                "{}: the network has I = {} inputs; the walk feeds 2",
                p.display(),
                net.dims.inputs
            );
        }
        walk_config(&net.meta).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        Ok(net)
    };
    match (&cfg.run_dir, &cfg.weights) {
        (Some(dir), None) => {
            if dir.is_file() {
                anyhow::bail!(
                    "{}: is a file; give a run directory, or --weights for a blob",
                    dir.display()
                );
            }
            if !dir.is_dir() {
                anyhow::bail!(
                    "{}: no such run directory (give the --out directory of `engram rnn train`)",
                    dir.display()
                );
            }
            // One network per seed: `network.bin`, or `network-seed<S>.bin` for several seeds.
            let conf = dir.join("config.toml");
            let train: TrainConfig = crate::experiment::config::read_config(&conf)?;
            let mut nets = Vec::new();
            for &seed in &train.seed {
                let p = dir.join(network_file(&train, seed));
                nets.push((seed, p.clone(), read(&p)?));
            }
            Ok((nets, Some(train)))
        }
        (None, Some(w)) => Ok((vec![(cfg.init_seed, w.clone(), read(w)?)], None)),
        _ => anyhow::bail!("give RUN_DIR (a run of `engram rnn train`) or --weights BLOB"),
    }
}
