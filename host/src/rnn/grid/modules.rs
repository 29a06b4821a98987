//! Grid modules: units grouped by spacing (Stensola et al. 2012 found discrete modules with
//! period ratios ≈ 1.4–1.7).
//!
//! The spacings of the units considered (finite ones) are sorted; a new module starts wherever
//! a spacing exceeds the previous one by more than the factor `gap` (default 1.2). Deterministic
//! and parameter-light; with one module the population has one scale.
//!
//! ```
//! use engram::rnn::grid::modules::cluster;
//! let m = cluster(&[5.0, 5.2, 8.0, f64::NAN, 8.3, 5.1], 1.2);
//! assert_eq!(m.assignment, vec![Some(0), Some(0), Some(1), None, Some(1), Some(0)]);
//! assert_eq!(m.modules.len(), 2);
//! ```

/// One module.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Module {
    /// Units in it.
    pub count: usize,
    /// Mean spacing.
    pub mean_spacing: f64,
    /// Smallest and largest spacing.
    pub range: (f64, f64),
}

/// Modules and each unit's module (`None`: spacing not finite).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Modules {
    /// Modules by increasing spacing.
    pub modules: Vec<Module>,
    /// Module index per unit, in input order.
    pub assignment: Vec<Option<usize>>,
}

/// Groups `spacings` into modules split at ratios > `gap`.
pub fn cluster(spacings: &[f64], gap: f64) -> Modules {
    let mut idx: Vec<usize> = (0..spacings.len())
        .filter(|&i| spacings[i].is_finite() && spacings[i] > 0.0)
        .collect();
    idx.sort_by(|&a, &b| spacings[a].total_cmp(&spacings[b]).then(a.cmp(&b)));
    let mut assignment = vec![None; spacings.len()];
    let mut modules: Vec<Module> = Vec::new();
    let mut members: Vec<f64> = Vec::new();
    let mut prev = f64::NAN;
    let close = |members: &mut Vec<f64>, modules: &mut Vec<Module>| {
        if let (Some(&lo), Some(&hi)) = (members.first(), members.last()) {
            modules.push(Module {
                count: members.len(),
                mean_spacing: members.iter().sum::<f64>() / members.len() as f64,
                range: (lo, hi),
            });
        }
        members.clear();
    };
    for &i in &idx {
        let s = spacings[i];
        if prev.is_finite() && s > prev * gap {
            close(&mut members, &mut modules);
        }
        members.push(s);
        assignment[i] = Some(modules.len());
        prev = s;
    }
    close(&mut members, &mut modules);
    Modules {
        modules,
        assignment,
    }
}
