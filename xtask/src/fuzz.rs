//! `cargo xtask fuzz [--seconds N] [TARGET...]`: every cargo-fuzz target of `fuzz/`, each for N
//! seconds (default 60), seeded from its committed seeds (`fuzz/seeds/<target>/`: well-formed
//! inputs that reach past the first validation, which random bytes rarely get through) and from
//! every committed crasher (`fuzz/regressions/<target>/`).
//! `cargo xtask ci` runs each for a short smoke time so the targets keep building and running.
//!
//! Installs `cargo-fuzz` when missing. Builds with the nightly toolchain when rustup has one;
//! otherwise with the stable toolchain and `RUSTC_BOOTSTRAP=1` (cargo-fuzz needs nightly-only
//! sanitizer flags), so it also runs on machines with a single stable toolchain.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, run, workspace_root};

fn targets(root: &Path) -> Result<Vec<String>, String> {
    let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml"))
        .map_err(|e| format!("cannot read fuzz/Cargo.toml: {e}"))?;
    let mut names = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if let Some(rest) = line.strip_prefix("name").filter(|_| in_bin) {
            let name = rest.trim_start_matches([' ', '=']).trim_matches('"');
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

fn has_nightly() -> bool {
    Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.starts_with("nightly"))
        })
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let installed = Command::new(cargo())
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        run(&cargo(), &["install", "cargo-fuzz"])?;
    }
    Ok(())
}

/// `cargo xtask fuzz [--seconds N] [TARGET...]`.
pub(crate) fn fuzz(args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let mut seconds = 60u64;
    let mut chosen = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seconds" => {
                let n = it.next().ok_or("--seconds needs a number")?;
                seconds = n
                    .parse()
                    .map_err(|_| format!("--seconds {n}: not a number"))?;
            }
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            target => chosen.push(target.to_owned()),
        }
    }
    let all = targets(&root)?;
    for t in &chosen {
        if !all.contains(t) {
            return Err(format!("no fuzz target `{t}`; targets: {}", all.join(", ")));
        }
    }
    let targets = if chosen.is_empty() { all } else { chosen };
    ensure_cargo_fuzz()?;
    let nightly = has_nightly();
    let fuzz_dir = root.join("fuzz");
    let mut failed = Vec::new();
    for target in &targets {
        let corpus = fuzz_dir.join("corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        // Read-only corpora after the first (where libFuzzer writes what it finds).
        let seeds: PathBuf = fuzz_dir.join("seeds").join(target);
        let regressions: PathBuf = fuzz_dir.join("regressions").join(target);
        let mut cmd = if nightly {
            let mut c = Command::new("rustup");
            c.args(["run", "nightly", "cargo"]);
            c
        } else {
            let mut c = Command::new(cargo());
            c.env("RUSTC_BOOTSTRAP", "1");
            c
        };
        cmd.current_dir(&fuzz_dir)
            .args(["fuzz", "run", target])
            .arg(&corpus)
            .args(seeds.is_dir().then_some(&seeds))
            .args(regressions.is_dir().then_some(&regressions))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-timeout=10")
            .arg("-rss_limit_mb=2048")
            .arg("-print_final_stats=1");
        eprintln!(
            "\n$ fuzz {target} for {seconds}s ({} toolchain)",
            if nightly {
                "nightly"
            } else {
                "stable, RUSTC_BOOTSTRAP=1"
            }
        );
        let status = cmd
            .status()
            .map_err(|e| format!("cannot start cargo fuzz: {e}"))?;
        if !status.success() {
            failed.push(target.clone());
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzz targets failed: {}. The crashing input is in fuzz/artifacts/<target>/; fix the \
             bug, then copy the input into fuzz/regressions/<target>/ so `cargo test` replays it",
            failed.join(", ")
        ))
    }
}
