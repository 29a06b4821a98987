//! `engram reproduce`: every registered experiment at one size tier, into one folder, with a
//! combined `report.md` and a self-contained `report.html` (figures inline; opens offline).
//!
//! Each experiment runs in `<out>/<name>/` through the shared runner; one registered for some tiers
//! only (its [`Entry::tiers`]) is skipped at the others. A second run with the same
//! `--out` skips experiments that finished with the same configuration and resumes interrupted
//! ones, so a long `--full` reproduction survives Ctrl-C, SIGTERM and SIGHUP.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::experiment::dir::{Found, ResultsDir};
use crate::experiment::registry::{Entry, Tier, registry};
use crate::experiment::{RunOptions, Summary, Verdict, checks_table, fmt4};
use crate::signals::Stop;

/// What `reproduce` did with one experiment.
#[derive(Debug, Clone)]
pub struct Part {
    /// The model family.
    pub family: String,
    /// The experiment's folder (relative to the reproduction).
    pub folder: String,
    /// Its summary.
    pub summary: Summary,
    /// Whether an earlier run with the same configuration was reused.
    pub skipped: bool,
}

/// The outcome of a reproduction.
#[derive(Debug, Clone)]
pub struct Reproduction {
    /// The folder.
    pub dir: PathBuf,
    /// Every experiment run (or reused), in registry order.
    pub parts: Vec<Part>,
    /// Whether a signal stopped it before every experiment finished.
    pub interrupted: bool,
    /// Wall time of this invocation, seconds.
    pub wall_seconds: f64,
}

impl Reproduction {
    /// Checks passed and failed over every experiment.
    pub fn tally(&self) -> (usize, usize) {
        self.parts.iter().fold((0, 0), |(p, f), part| {
            (p + part.summary.passed, f + part.summary.failed)
        })
    }
}

fn read_summary(dir: &Path) -> anyhow::Result<Option<Summary>> {
    let p = dir.join("summary.json");
    if !p.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
    Ok(Some(
        serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))?,
    ))
}

/// The entries of `only` (a family or experiment name), or all.
pub fn select(only: &[String]) -> anyhow::Result<Vec<Entry>> {
    let all = registry();
    if only.is_empty() {
        return Ok(all);
    }
    for o in only {
        if !all.iter().any(|e| e.family == o || e.name == o) {
            let mut names: Vec<&str> = all.iter().map(|e| e.family).collect();
            names.dedup();
            bail!("--only: unknown family {o:?} (choose {})", names.join(", "));
        }
    }
    Ok(all
        .into_iter()
        .filter(|e| only.iter().any(|o| o == e.family || o == e.name))
        .collect())
}

/// Runs `entries` at `tier` into `out` on `threads` threads.
pub fn run(
    entries: &[Entry],
    tier: Tier,
    out: &Path,
    threads: usize,
    progress: bool,
    stop: &Stop,
) -> anyhow::Result<Reproduction> {
    let started = std::time::Instant::now();
    let resume = ResultsDir::inspect(out, "reproduce")? == Found::EarlierRun;
    let top = ResultsDir::open(out, "reproduce", resume)?;
    let mut parts = Vec::new();
    let mut interrupted = false;
    for e in entries {
        if stop.requested() {
            interrupted = true;
            break;
        }
        if !e.runs_at(tier) {
            if progress {
                let at: Vec<&str> = e.tiers.iter().map(|t| t.name()).collect();
                eprintln!("{}: runs at {} only, skipped", e.name, at.join(", "));
            }
            continue;
        }
        let sub = out.join(e.name);
        let want = (e.config)(tier)?;
        let found = ResultsDir::inspect(&sub, e.name)?;
        if found == Found::EarlierRun
            && let Some(s) = read_summary(&sub)?
            && !s.interrupted
        {
            let have = std::fs::read_to_string(sub.join("config.toml")).unwrap_or_default();
            if have != want {
                bail!(
                    "{}: holds a finished run with another configuration (another tier?): \
                     choose another --out",
                    sub.display()
                );
            }
            if progress {
                eprintln!("{}: finished earlier, reused", e.name);
            }
            parts.push(Part {
                family: e.family.to_owned(),
                folder: e.name.to_owned(),
                summary: s,
                skipped: true,
            });
            continue;
        }
        if progress {
            eprintln!("{} ({}): {}", e.name, tier.name(), e.about);
        }
        let opts = RunOptions {
            out: sub.clone(),
            threads,
            shard: None,
            resume: found == Found::EarlierRun,
            progress,
            yes: false,
        };
        let o = (e.run)(tier, &opts, stop).with_context(|| format!("reproduce {}", e.name))?;
        interrupted |= o.summary.interrupted;
        parts.push(Part {
            family: e.family.to_owned(),
            folder: e.name.to_owned(),
            summary: o.summary,
            skipped: false,
        });
        if interrupted {
            break;
        }
    }
    let r = Reproduction {
        dir: out.to_path_buf(),
        parts,
        interrupted,
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    top.write("report.md", markdown(&r, tier).as_bytes())?;
    top.write("report.html", html(&r, tier)?.as_bytes())?;
    Ok(r)
}

fn head(r: &Reproduction, tier: Tier) -> (String, Vec<(String, String)>) {
    let (passed, failed) = r.tally();
    let title = format!(
        "engram reproduce ({}) — {passed} passed, {failed} failed{}",
        tier.name(),
        if r.interrupted {
            " — INTERRUPTED"
        } else {
            ""
        }
    );
    let mut facts = Vec::new();
    if let Some(p) = r.parts.first().map(|p| &p.summary.provenance) {
        facts.push((
            "engram".to_owned(),
            format!(
                "{} (git {})",
                p.engram_version,
                p.git_hash.as_deref().unwrap_or("unknown")
            ),
        ));
        facts.push((
            "machine".to_owned(),
            format!(
                "{} on {} ({} cores)",
                p.host_triple,
                p.cpu.as_deref().unwrap_or("unknown CPU"),
                p.cores
            ),
        ));
    }
    facts.push((
        "wall time (this invocation)".to_owned(),
        format!("{:.1} s", r.wall_seconds),
    ));
    (title, facts)
}

/// The combined Markdown report.
pub fn markdown(r: &Reproduction, tier: Tier) -> String {
    let (title, facts) = head(r, tier);
    let mut md = format!("# {title}\n\n");
    for (k, v) in facts {
        md.push_str(&format!("- {k}: {v}\n"));
    }
    let mut family = "";
    for part in &r.parts {
        let s = &part.summary;
        if part.family != family {
            family = &part.family;
            md.push_str(&format!("\n## {family}\n"));
        }
        md.push_str(&format!(
            "\n### {} — {}\n\n{}\n\n- seed and configuration: `{}/config.toml`; {} of {} points; {} passed, {} failed; {:.1} s{}\n- command: `{}`; kernels: {}\n\n",
            s.experiment, s.title, s.intro, part.folder, s.points_done, s.points_total, s.passed, s.failed, s.wall_seconds,
            if part.skipped { " (reused from an earlier run)" } else { "" },
            s.provenance.command.join(" "), s.provenance.simd,
        ));
        for plot in &s.files.plots {
            md.push_str(&format!("![{plot}]({}/{plot})\n\n", part.folder));
        }
        md.push_str(&checks_table(&s.checks));
    }
    md
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The combined report as one self-contained HTML page (SVG figures inline).
pub fn html(r: &Reproduction, tier: Tier) -> anyhow::Result<String> {
    let (title, facts) = head(r, tier);
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>\
         body{{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0;font-size:0.9em}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}\
         td:first-child,th:first-child,td.l{{text-align:left}}.PASS{{color:#1a7f37;font-weight:bold}}.FAIL{{color:#cf222e;font-weight:bold}}\
         .na{{color:#777}}figure{{margin:1em 0}}figure svg{{max-width:100%;height:auto}}code{{background:#f4f4f4;padding:1px 4px}}\
         </style></head><body>\n<h1>{}</h1>\n<ul>",
        esc(&title),
        esc(&title)
    );
    for (k, v) in facts {
        h.push_str(&format!("<li>{}: {}</li>", esc(&k), esc(&v)));
    }
    h.push_str("</ul>\n");
    let mut family = "";
    for part in &r.parts {
        let s = &part.summary;
        if part.family != family {
            family = &part.family;
            h.push_str(&format!("<h2>{}</h2>\n", esc(family)));
        }
        h.push_str(&format!(
            "<h3>{} — {}</h3>\n<p>{}</p>\n<ul><li>configuration and seed: <code>{}/config.toml</code>; {} of {} points; {} passed, {} failed; {:.1} s{}</li><li>command: <code>{}</code></li><li>kernels: {}</li></ul>\n",
            esc(&s.experiment), esc(&s.title), esc(&s.intro), esc(&part.folder), s.points_done, s.points_total,
            s.passed, s.failed, s.wall_seconds, if part.skipped { " (reused from an earlier run)" } else { "" },
            esc(&s.provenance.command.join(" ")), esc(&s.provenance.simd)
        ));
        for plot in &s.files.plots {
            let path = r.dir.join(&part.folder).join(plot);
            let svg = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let svg = match svg.find("<svg") {
                Some(i) => &svg[i..],
                None => svg.as_str(),
            };
            h.push_str(&format!(
                "<figure>{svg}<figcaption>{}</figcaption></figure>\n",
                esc(plot)
            ));
        }
        let with_point = s.checks.iter().any(|c| !c.point.is_empty());
        h.push_str("<table><tr>");
        if with_point {
            h.push_str("<th>point</th>");
        }
        h.push_str("<th>check</th><th>measured</th><th>theory</th><th>tolerance</th><th>z</th><th>result</th></tr>\n");
        for c in &s.checks {
            let class = match c.verdict {
                Verdict::Pass => "PASS",
                Verdict::Fail => "FAIL",
                Verdict::NotApplicable => "na",
            };
            h.push_str("<tr>");
            if with_point {
                h.push_str(&format!("<td class=\"l\">{}</td>", esc(&c.point)));
            }
            h.push_str(&format!(
                "<td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{class} l\">{}{}</td></tr>\n",
                esc(&c.what),
                c.measured.map_or("—".to_owned(), fmt4),
                c.theory.map_or("—".to_owned(), fmt4),
                esc(&c.tolerance),
                c.z.map_or("—".to_owned(), |z| format!("{z:+.2}")),
                c.verdict.label(),
                c.reason.as_deref().map(|r| format!(" ({})", esc(r))).unwrap_or_default(),
            ));
        }
        h.push_str("</table>\n");
    }
    h.push_str("</body></html>\n");
    Ok(h)
}
