//! Streaming readers of per-choice log-likelihoods (docs/scaling.md §Input).
//!
//! - CSV with the header `model,sample,choice,loglik,correct` (columns in any order, extra
//!   columns ignored): one row per (model, sample, choice); `loglik` a finite number ≤ 0 (natural
//!   log), `correct` 0 or 1, exactly one correct choice per (model, sample); `choice` is a label
//!   (not interpreted).
//! - lm-evaluation-harness `--log_samples` JSONL (a file ending in `.jsonl`): one JSON object per
//!   line for one model; read are `doc_id` (the sample), `target` (the index of the correct
//!   choice: a number or a decimal string) and `filtered_resps` (one `[loglik, is_greedy]` pair
//!   per choice; numbers or strings, as the harness writes them), or `resps` (one `[[loglik,
//!   is_greedy]]` per choice) when `filtered_resps` is absent. Every other field is ignored; a
//!   line with a `filter` other than `"none"` is skipped. The model is named by `--model-name`
//!   (in file order) or the file's stem.
//! - The models file: CSV `model,params,tokens` (N parameters, D training tokens; compute
//!   C = 6·N·D FLOPs).
//!
//! Rows are read one at a time; only one [`Agg`] per (model, sample) is kept. Memory is therefore
//! O(models × samples): about 100 bytes per (model, sample) plus each distinct sample id twice
//! (an interning map and its list), whatever the number of rows or choices. Every error is one
//! line naming `file:line`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use serde::Deserialize;

use super::chain::Agg;

/// One model of the family.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// Name (as in the data).
    pub name: String,
    /// Parameters N.
    pub params: f64,
    /// Training tokens D.
    pub tokens: f64,
    /// log10(6·N·D).
    pub log10_compute: f64,
}

/// Reads the models file `model,params,tokens`.
pub fn read_models(path: &Path) -> anyhow::Result<Vec<ModelInfo>> {
    let f = File::open(path).with_context(|| format!("models {}: cannot open", path.display()))?;
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(f);
    let at = |line: u64| format!("models {}:{line}", path.display());
    let header = r.headers().map_err(|e| anyhow!("{}: {e}", at(1)))?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| anyhow!("{}: no column {name:?} (need model,params,tokens)", at(1)))
    };
    let (cm, cp, ct) = (col("model")?, col("params")?, col("tokens")?);
    let mut out: Vec<ModelInfo> = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        let more = r.read_record(&mut rec).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            anyhow!("{}: {e}", at(line))
        })?;
        if !more {
            break;
        }
        let line = rec.position().map_or(0, |p| p.line());
        let name = rec.get(cm).unwrap_or("").to_owned();
        if name.is_empty() {
            bail!("{}: empty model name", at(line));
        }
        let num = |c: usize, what: &str| -> anyhow::Result<f64> {
            let s = rec.get(c).unwrap_or("");
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
                _ => Err(anyhow!("{}: {what} {s:?} is not a number > 0", at(line))),
            }
        };
        let (params, tokens) = (num(cp, "params")?, num(ct, "tokens")?);
        if out.iter().any(|m| m.name == name) {
            bail!("{}: model {name:?} listed twice", at(line));
        }
        out.push(ModelInfo {
            log10_compute: (6.0 * params * tokens).log10(),
            name,
            params,
            tokens,
        });
    }
    if out.len() < 3 {
        bail!(
            "models {}: {} model(s); a correlation across a family needs at least 3",
            path.display(),
            out.len()
        );
    }
    Ok(out)
}

/// Where a (model, sample) first appeared, for error messages.
#[derive(Debug, Clone, Copy)]
struct Origin {
    file: u32,
    line: u64,
}

/// Every (model, sample)'s aggregate, filled row by row.
#[derive(Debug)]
pub struct Table {
    /// The family.
    pub models: Vec<ModelInfo>,
    model_index: HashMap<String, u32>,
    sample_index: HashMap<String, u32>,
    /// Sample ids, by index.
    pub samples: Vec<String>,
    aggs: HashMap<(u32, u32), (Agg, Origin)>,
    files: Vec<PathBuf>,
    /// Rows read.
    pub rows: u64,
}

impl Table {
    /// An empty table over `models`.
    pub fn new(models: Vec<ModelInfo>) -> Self {
        let model_index = models
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.clone(), i as u32))
            .collect();
        Table {
            models,
            model_index,
            sample_index: HashMap::new(),
            samples: Vec::new(),
            aggs: HashMap::new(),
            files: Vec::new(),
            rows: 0,
        }
    }

    fn at(&self, o: Origin) -> String {
        let f = self
            .files
            .get(o.file as usize)
            .map_or_else(|| "<generated>".to_owned(), |p| p.display().to_string());
        format!("{f}:{}", o.line)
    }

    /// Adds one choice row of `model` (index) for `sample`.
    fn push(
        &mut self,
        model: u32,
        sample: &str,
        loglik: f64,
        correct: bool,
        origin: Origin,
    ) -> anyhow::Result<()> {
        let s = match self.sample_index.get(sample) {
            Some(&s) => s,
            None => {
                let s = self.samples.len() as u32;
                self.samples.push(sample.to_owned());
                self.sample_index.insert(sample.to_owned(), s);
                s
            }
        };
        let (agg, _) = self
            .aggs
            .entry((model, s))
            .or_insert_with(|| (Agg::default(), origin));
        agg.push(loglik, correct).map_err(|e| {
            anyhow!(
                "{}: sample {sample:?} of model {:?}: {e}",
                self.at(origin),
                self.models
                    .get(model as usize)
                    .map_or("", |m| m.name.as_str())
            )
        })?;
        self.rows += 1;
        Ok(())
    }

    /// Adds one generated row (the synthetic family); its "line" is its row number.
    pub fn push_row(
        &mut self,
        model: u32,
        sample: &str,
        loglik: f64,
        correct: bool,
    ) -> anyhow::Result<()> {
        let origin = Origin {
            file: u32::MAX,
            line: self.rows + 1,
        };
        self.push(model, sample, loglik, correct, origin)
    }

    fn model(&self, name: &str, origin: Origin, models_path: &Path) -> anyhow::Result<u32> {
        self.model_index.get(name).copied().ok_or_else(|| {
            anyhow!(
                "{}: model {name:?} is not in the models file {}",
                self.at(origin),
                models_path.display()
            )
        })
    }

    /// Reads one input file (CSV, or JSONL for a name ending in `.jsonl`, whose model is
    /// `jsonl_model`).
    pub fn read(
        &mut self,
        path: &Path,
        jsonl_model: &str,
        models_path: &Path,
    ) -> anyhow::Result<()> {
        let file = self.files.len() as u32;
        self.files.push(path.to_path_buf());
        let f = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
        if is_jsonl(path) {
            self.read_jsonl(BufReader::new(f), file, jsonl_model, models_path)
        } else {
            self.read_csv(f, file, models_path)
        }
    }

    fn read_csv(&mut self, f: File, file: u32, models_path: &Path) -> anyhow::Result<()> {
        let mut r = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(BufReader::with_capacity(1 << 16, f));
        let at0 = |line: u64| self.at(Origin { file, line });
        let header = r.headers().map_err(|e| anyhow!("{}: {e}", at0(1)))?.clone();
        let mut cols = [0usize; 4];
        for (c, name) in cols
            .iter_mut()
            .zip(["model", "sample", "loglik", "correct"])
        {
            *c = header.iter().position(|h| h == name).ok_or_else(|| {
                anyhow!(
                    "{}: no column {name:?} (need model,sample,choice,loglik,correct)",
                    at0(1)
                )
            })?;
        }
        let [cm, cs, cl, cc] = cols;
        let mut rec = csv::StringRecord::new();
        loop {
            let more = r.read_record(&mut rec).map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                anyhow!("{}: {e}", self.at(Origin { file, line }))
            })?;
            if !more {
                break;
            }
            let origin = Origin {
                file,
                line: rec.position().map_or(0, |p| p.line()),
            };
            let model = self.model(rec.get(cm).unwrap_or(""), origin, models_path)?;
            let sample = rec.get(cs).unwrap_or("");
            if sample.is_empty() {
                bail!("{}: empty sample id", self.at(origin));
            }
            let loglik = parse_loglik(rec.get(cl).unwrap_or(""))
                .map_err(|e| anyhow!("{}: loglik {e}", self.at(origin)))?;
            let correct = match rec.get(cc).unwrap_or("") {
                "1" => true,
                "0" => false,
                other => bail!("{}: correct {other:?} must be 0 or 1", self.at(origin)),
            };
            self.push(model, sample, loglik, correct, origin)?;
        }
        Ok(())
    }

    fn read_jsonl(
        &mut self,
        mut r: impl BufRead,
        file: u32,
        model_name: &str,
        models_path: &Path,
    ) -> anyhow::Result<()> {
        let model = self.model(model_name, Origin { file, line: 1 }, models_path)?;
        let mut buf = String::new();
        let mut line = 0u64;
        loop {
            buf.clear();
            line += 1;
            let origin = Origin { file, line };
            let n = r
                .read_line(&mut buf)
                .map_err(|e| anyhow!("{}: {e}", self.at(origin)))?;
            if n == 0 {
                break;
            }
            if buf.trim().is_empty() {
                continue;
            }
            let s: LogSample = serde_json::from_str(&buf).map_err(|e| {
                anyhow!(
                    "{}: not an lm-evaluation-harness sample: {e}",
                    self.at(origin)
                )
            })?;
            if s.filter.as_deref().is_some_and(|f| f != "none") {
                continue;
            }
            let sample = scalar_text(&s.doc_id)
                .ok_or_else(|| anyhow!("{}: doc_id must be a number or string", self.at(origin)))?;
            let target = scalar_text(&s.target)
                .and_then(|t| t.trim().parse::<usize>().ok())
                .ok_or_else(|| {
                    anyhow!(
                        "{}: target {} is not the index of the correct choice",
                        self.at(origin),
                        s.target
                    )
                })?;
            let pairs: Vec<&serde_json::Value> = match (&s.filtered_resps, &s.resps) {
                (Some(serde_json::Value::Array(f)), _) => f.iter().collect(),
                (None, Some(serde_json::Value::Array(r))) => r
                    .iter()
                    .map(|x| x.as_array().and_then(|a| a.first()).unwrap_or(x))
                    .collect(),
                _ => bail!(
                    "{}: needs filtered_resps (or resps) as a list of [loglik, is_greedy] pairs",
                    self.at(origin)
                ),
            };
            if target >= pairs.len() {
                bail!(
                    "{}: target {target} but only {} choices",
                    self.at(origin),
                    pairs.len()
                );
            }
            for (c, p) in pairs.iter().enumerate() {
                let ll = p
                    .as_array()
                    .and_then(|a| a.first())
                    .and_then(scalar_text)
                    .ok_or_else(|| {
                        anyhow!(
                            "{}: choice {c}: {p} is not a [loglik, is_greedy] pair",
                            self.at(origin)
                        )
                    })?;
                let ll = parse_loglik(&ll)
                    .map_err(|e| anyhow!("{}: choice {c}: loglik {e}", self.at(origin)))?;
                self.push(model, &sample, ll, c == target, origin)?;
            }
        }
        Ok(())
    }

    /// Consumes the table: per sample (by index), the (model index, aggregate) pairs in model
    /// order, or the first (model, sample) whose rows do not make a chain, naming where it began.
    pub fn into_samples(self) -> anyhow::Result<Vec<Vec<(u32, super::chain::Chain)>>> {
        let mut per: Vec<Vec<(u32, super::chain::Chain)>> = vec![Vec::new(); self.samples.len()];
        let mut entries: Vec<_> = self.aggs.iter().collect();
        entries.sort_by_key(|(k, (_, o))| (o.file, o.line, k.0, k.1));
        for (&(m, s), (agg, origin)) in entries {
            let chain = agg.finish().map_err(|e| {
                anyhow!(
                    "{}: sample {:?} of model {:?}: {e}",
                    self.at(*origin),
                    self.samples.get(s as usize).map_or("", |x| x.as_str()),
                    self.models.get(m as usize).map_or("", |x| x.name.as_str())
                )
            })?;
            if let Some(v) = per.get_mut(s as usize) {
                v.push((m, chain));
            }
        }
        for v in &mut per {
            v.sort_by_key(|(m, _)| *m);
        }
        Ok(per)
    }
}

/// Whether `path` is read as lm-evaluation-harness JSONL.
pub fn is_jsonl(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
}

/// The fields of one `--log_samples` line that are read.
#[derive(Debug, Deserialize)]
struct LogSample {
    doc_id: serde_json::Value,
    target: serde_json::Value,
    #[serde(default)]
    filtered_resps: Option<serde_json::Value>,
    #[serde(default)]
    resps: Option<serde_json::Value>,
    #[serde(default)]
    filter: Option<String>,
}

/// A number or string as text.
fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// A log-likelihood: a finite number ≤ 0.
fn parse_loglik(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v <= 0.0 => Ok(v),
        Ok(v) if v.is_finite() => Err(format!("{s:?} is above 0 (a log-probability is ≤ 0)")),
        _ => Err(format!("{s:?} is not a finite number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str, text: &str) -> PathBuf {
        let p =
            std::env::temp_dir().join(format!("engram-scaling-in-{}-{name}", std::process::id()));
        std::fs::write(&p, text).unwrap();
        p
    }

    fn models() -> Vec<ModelInfo> {
        ["a", "b", "c"]
            .iter()
            .map(|n| ModelInfo {
                name: (*n).to_owned(),
                params: 1e6,
                tokens: 1e9,
                log10_compute: (6e15f64).log10(),
            })
            .collect()
    }

    #[test]
    fn csv_and_jsonl_give_the_same_chain() {
        let csv = tmp(
            "x.csv",
            "model,sample,choice,loglik,correct\na,7,0,-1.5,0\na,7,1,-0.5,1\na,7,2,-2.5,0\n",
        );
        let jsonl = tmp(
            "x.jsonl",
            "{\"doc_id\": 7, \"target\": \"1\", \"doc\": {\"q\": \"?\"}, \"filter\": \"none\", \
             \"filtered_resps\": [[\"-1.5\", \"False\"], [\"-0.5\", \"True\"], [-2.5, false]]}\n",
        );
        let mp = Path::new("models.csv");
        let mut t = Table::new(models());
        t.read(&csv, "", mp).unwrap();
        t.read(&jsonl, "b", mp).unwrap();
        assert_eq!(t.rows, 6);
        let per = t.into_samples().unwrap();
        assert_eq!(per.len(), 1);
        assert_eq!(per[0].len(), 2);
        assert_eq!(per[0][0].1, per[0][1].1);
        assert_eq!(per[0][0].1.accuracy, 1.0);
    }

    #[test]
    fn resps_without_filtered_resps() {
        let jsonl = tmp(
            "r.jsonl",
            "{\"doc_id\": 0, \"target\": 0, \"resps\": [[[\"-0.1\", \"True\"]], [[\"-3\", \"False\"]]]}\n",
        );
        let mut t = Table::new(models());
        t.read(&jsonl, "c", Path::new("m")).unwrap();
        let per = t.into_samples().unwrap();
        assert!((per[0][0].1.log_p_vocab + 0.1).abs() < 1e-15);
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            (
                "model,sample,choice,loglik,correct\na,1,0,-1,1\na,1,1,x,0\n",
                ":3: loglik",
            ),
            (
                "model,sample,choice,loglik,correct\na,1,0,-1,1\na,1,1,-2,2\n",
                ":3: correct",
            ),
            (
                "model,sample,choice,loglik,correct\na,1,0,-1,1\nz,1,1,-2,0\n",
                ":3: model \"z\"",
            ),
            (
                "model,sample,choice,loglik,correct\na,1,0,-1,1\na,1,1,-2\n",
                ":3:",
            ),
            (
                "model,sample,choice,loglik,correct\na,1,0,-1,1\na,1,1,-2,1\n",
                ":3: sample \"1\"",
            ),
            (
                "model,sample,choice,loglik,correct\na,1,0,-1,0\na,1,1,-2,0\n",
                "no choice marked",
            ),
            (
                "model,sample,choice,loglik,correct\na,1,0,0.5,1\n",
                ":2: loglik",
            ),
            ("model,sample,loglik\n", ":1: no column \"correct\""),
        ];
        for (i, (text, want)) in cases.iter().enumerate() {
            let p = tmp(&format!("bad{i}.csv"), text);
            let mut t = Table::new(models());
            let e = t
                .read(&p, "", Path::new("m"))
                .and_then(|()| t.into_samples().map(|_| ()))
                .unwrap_err()
                .to_string();
            assert!(e.contains(&p.display().to_string()), "{e}");
            assert!(e.contains(want), "{i}: {e} lacks {want}");
        }
        let p = tmp(
            "bad.jsonl",
            "{\"doc_id\": 0, \"target\": 0, \"filtered_resps\": [[\"-1\", \"True\"]]}\n{\"doc_id\": 1, \"target\": 5, \"filtered_resps\": [[\"-1\", \"True\"]]}\n",
        );
        let e = Table::new(models())
            .read(&p, "a", Path::new("m"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.jsonl:2: target 5"), "{e}");
    }

    /// Writes `samples` × 3 models × `choices` rows and streams them back: the table keeps one
    /// aggregate per (model, sample), however many rows.
    fn stream(samples: usize, choices: usize) {
        use std::io::Write;
        let p = std::env::temp_dir().join(format!(
            "engram-scaling-big-{}-{samples}x{choices}.csv",
            std::process::id()
        ));
        let mut w = std::io::BufWriter::new(File::create(&p).unwrap());
        writeln!(w, "model,sample,choice,loglik,correct").unwrap();
        for s in 0..samples {
            for m in ["a", "b", "c"] {
                for c in 0..choices {
                    writeln!(
                        w,
                        "{m},q{s},{c},-{}.25,{}",
                        c + 1,
                        u8::from(c == s % choices)
                    )
                    .unwrap();
                }
            }
        }
        drop(w);
        let mut t = Table::new(models());
        t.read(&p, "", Path::new("m")).unwrap();
        assert_eq!(t.rows, (samples * 3 * choices) as u64);
        assert_eq!(t.aggs.len(), samples * 3);
        assert_eq!(t.samples.len(), samples);
        let per = t.into_samples().unwrap();
        // sample s has its correct choice at s % choices, the most likely is choice 0
        let acc: f64 = per.iter().flatten().map(|(_, c)| c.accuracy).sum();
        assert_eq!(acc, (3 * samples.div_ceil(choices)) as f64);
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn streams_many_rows_in_per_sample_memory() {
        stream(5000, 10); // 150 000 rows
    }

    /// 2.1 M rows: 11 s in a debug build (`cargo test -p engram --lib -- --ignored
    /// streams_millions`), too slow for the default test run.
    #[test]
    #[ignore = "perf: run with --release --ignored"]
    fn streams_millions_of_rows() {
        stream(70_000, 10);
    }

    #[test]
    fn models_file_is_checked() {
        let p = tmp(
            "m1.csv",
            "model,params,tokens\na,1e6,2e9\nb,2e6,2e9\nc,4e6,2e9\n",
        );
        let m = read_models(&p).unwrap();
        assert!((m[0].log10_compute - (6.0 * 1e6 * 2e9f64).log10()).abs() < 1e-12);
        let p = tmp(
            "m2.csv",
            "model,params,tokens\na,1e6,2e9\nb,-2,2e9\nc,4e6,2e9\n",
        );
        let e = read_models(&p).unwrap_err().to_string();
        assert!(e.contains("m2.csv:3: params"), "{e}");
        let p = tmp("m3.csv", "model,params,tokens\na,1e6,2e9\na,2e6,2e9\n");
        assert!(
            read_models(&p)
                .unwrap_err()
                .to_string()
                .contains(":3: model \"a\" listed twice")
        );
    }
}
