//! `cargo xtask`: project automation with few dependencies. `cargo xtask ci` is the project's
//! test command: what CI runs and what a contributor runs before sending a change.

use std::path::Path;
use std::process::{Command, ExitCode};

mod api;
mod fuzz;
mod msrv;
mod notices;
mod wasm;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  ci      format check, clippy with -D warnings, and every test of the workspace
  api [--check]
          the public API of each library crate into api/<crate>.txt (rustdoc JSON);
          --check compares instead of writing, as ci does
  msrv    the library crates checked with Rust 1.85 (installed with rustup if missing), in a
          scratch copy resolved afresh as that Rust resolves them (rust-version honoured)
  wasm    release wasm, wasm-bindgen, wasm-opt -O3 into bindings/npm/dist; prints the size
  bench parse [RUNS]
          parse a ~300k-count hourly answer; prints ratios against serde_json baselines,
          with each of the core's JSON readers: serde_json (the default, and wasm's), then
          sonic-rs (the `sonic` feature, the CLI's)
  bench collect [QUOTA [MINUTE_MS [POSTS]]]
          collect 5,000 posts from the emulator, then 1,000 on analytics at 2 requests per
          1-second v2 window; prints wall time against the quota-bound ideal
  bench wasm [RUNS]
          the same answer in Node: parseResponse against JSON.parse plus a JS walk; package size
  fuzz [--seconds N] [TARGET...]
          every cargo-fuzz target of fuzz/ for N seconds each (default 60)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("wasm") => wasm::wasm(),
        Some("api") => api::api(&args[1..]),
        Some("msrv") => msrv::msrv(),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a command from the workspace root, echoing it, and fails if it fails.
fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_in(&workspace_root(), program, args)
}

/// Runs `program args` in `dir`, echoing it, and fails if it fails.
fn run_in(dir: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    run_in_with(dir, program, args, &[])
}

/// [`run_in`] with environment variables.
fn run_in_with(
    dir: &Path,
    program: &str,
    args: &[&str],
    env: &[(&str, &Path)],
) -> Result<(), String> {
    if dir == workspace_root() {
        eprintln!("\n$ {program} {}", args.join(" "));
    } else {
        eprintln!("\n$ (cd {}) {program} {}", dir.display(), args.join(" "));
    }
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("cannot start `{program}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` failed with {status}",
            args.join(" ")
        ))
    }
}

/// The workspace xtask was started in. `cargo run` sets `CARGO_MANIFEST_DIR` when it runs the
/// binary; the path compiled in is only a fallback, for a binary built in another checkout that
/// shares `CARGO_TARGET_DIR` would point there.
fn workspace_root() -> std::path::PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || env!("CARGO_MANIFEST_DIR").into(),
        std::path::PathBuf::from,
    );
    manifest
        .parent()
        .map_or(manifest.clone(), std::path::Path::to_path_buf)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` if set (relative to the workspace), else
/// `target/` of the workspace.
fn target_dir() -> std::path::PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

/// The workspace's crates, as an earlier publish dry run unpacked them. The dry run builds
/// each package from a registry of its own under the target directory, and cargo unpacks a
/// registry crate into `$CARGO_HOME/registry/src/<registry>/` once and never again while that
/// directory is there: after a change to a crate's public API, a second dry run built its
/// dependents against the first run's sources (and failed on the new name). Only copies of
/// the workspace's own packages under local registries (whose directories start with `-`,
/// having no host name) are removed.
fn forget_unpacked_packages() -> Result<(), String> {
    let home = match std::env::var_os("CARGO_HOME") {
        Some(home) if !home.is_empty() => std::path::PathBuf::from(home),
        _ => match std::env::var_os("HOME") {
            Some(home) => std::path::Path::new(&home).join(".cargo"),
            None => return Ok(()),
        },
    };
    let Ok(registries) = std::fs::read_dir(home.join("registry/src")) else {
        return Ok(());
    };
    let version = env!("CARGO_PKG_VERSION");
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for name in PUBLISHED_CRATES {
            let unpacked = registry.path().join(format!("{name}-{version}"));
            if unpacked.is_dir() {
                std::fs::remove_dir_all(&unpacked)
                    .map_err(|e| format!("cannot remove {}: {e}", unpacked.display()))?;
            }
        }
    }
    Ok(())
}

/// The crates `cargo publish --workspace` packs (`xtask`, `wasm` and `fuzz` are not published).
const PUBLISHED_CRATES: [&str; 5] = [
    "xengage-core",
    "xengage-emulator",
    "xengage-native",
    "xengage-web",
    "xengage-cli",
];

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// `cargo xtask bench parse|collect [ARGS]`: the benchmark programs, built with optimizations;
/// `parse` twice, with each of the core's JSON readers (each run prints which).
fn bench(args: &[String]) -> Result<(), String> {
    let (package, example) = match args.first().map(String::as_str) {
        Some("parse") => ("xengage-core", "bench_parse"),
        Some("collect") => ("xengage-native", "bench_collect"),
        Some("wasm") => return wasm::bench(&args[1..]),
        _ => {
            return Err(format!(
                "bench what? `parse`, `collect` or `wasm`\n\n{USAGE}"
            ));
        }
    };
    let mut run_args = vec![
        "run",
        "--release",
        "-p",
        package,
        "--example",
        example,
        "--",
    ];
    run_args.extend(args[1..].iter().map(String::as_str));
    run(&cargo(), &run_args)?;
    if example == "bench_parse" {
        // Again with sonic-rs as the core's JSON reader (the `sonic` feature, which the CLI
        // turns on); the first run read with serde_json, the default and the one wasm uses.
        run_args.splice(1..1, ["--features", "sonic"]);
        run(&cargo(), &run_args)?;
    }
    Ok(())
}

/// How long `cargo xtask ci` runs each fuzz target: enough to catch a target that no longer
/// builds or crashes at once, not a fuzzing campaign (`cargo xtask fuzz --seconds 600` is).
const FUZZ_SMOKE_SECONDS: &str = "20";

fn ci() -> Result<(), String> {
    let cargo = cargo();
    run(&cargo, &["fmt", "--all", "--check"])?;
    run(
        &cargo,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run(&cargo, &["test", "--workspace", "--all-targets"])?;
    run(&cargo, &["test", "--workspace", "--doc"])?;
    // The core again on its own, without the `sonic` feature that the CLI turns on for the
    // whole workspace above: serde_json as its JSON reader, as by default and on wasm, with the
    // same results, paths and error kinds as sonic-rs.
    let serde_json_reader = [
        "-p",
        "xengage-core",
        "--no-default-features",
        "--all-targets",
    ];
    run(
        &cargo,
        &[
            &["clippy"][..],
            &serde_json_reader,
            &["--", "-D", "warnings"],
        ]
        .concat(),
    )?;
    run(&cargo, &[&["test"][..], &serde_json_reader].concat())?;
    // The core's library as users build it by default: no testing kit (no proptest, no
    // arbitrary), and with the answer synthesizer alone, as the emulator and the wasm use it.
    for features in [
        &["--no-default-features"][..],
        &["--features", "synthesize"],
    ] {
        let lib = [&["clippy", "-p", "xengage-core", "--lib"][..], features];
        run(
            &cargo,
            &[&lib.concat()[..], &["--", "-D", "warnings"]].concat(),
        )?;
    }
    // `sampleAnswer` of the npm package's `xengage/testing`, on the host.
    run(
        &cargo,
        &[
            "test",
            "-p",
            "xengage-wasm",
            "--features",
            "testing",
            "--lib",
        ],
    )?;
    // A crate outside the workspace that uses the kit the way a user's does (its own lock,
    // pruned from the workspace's, so it builds offline).
    run(
        &cargo,
        &[
            "test",
            "--locked",
            "--manifest-path",
            "examples/user-crate/Cargo.toml",
        ],
    )?;
    // The public API of each library crate against api/ (`cargo xtask api` writes it anew).
    api::api(&["--check".to_owned()])?;
    // Every published crate packs and builds from its package as crates.io would (the working
    // tree's state, committed or not). The packages are built as registry crates of the same
    // name and version each time, and cargo takes a registry crate's build from the target
    // directory without looking at its sources again: a second run after a change would check
    // the first run's code (and fail on a name the change added). Their debug builds go first.
    let mut clean = vec!["clean", "--profile", "dev"];
    for name in PUBLISHED_CRATES {
        clean.extend(["-p", name]);
    }
    run(&cargo, &clean)?;
    forget_unpacked_packages()?;
    run(
        &cargo,
        &["publish", "--dry-run", "--workspace", "--allow-dirty"],
    )?;
    msrv::msrv()?;
    fuzz::fuzz(&["--seconds".to_owned(), FUZZ_SMOKE_SECONDS.to_owned()])?;
    wasm::ci_wasm()?;
    eprintln!("\nxtask ci: all steps passed");
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The published crates' directories, each with its own copies of the license texts.
    fn published() -> impl Iterator<Item = String> {
        super::PUBLISHED_CRATES
            .iter()
            .map(|name| format!("crates/{name}"))
    }

    #[test]
    fn each_published_crate_holds_the_license_texts_of_the_root() {
        let root = super::workspace_root();
        for file in ["LICENSE-MIT", "LICENSE-APACHE"] {
            let text = std::fs::read(root.join(file)).unwrap();
            for krate in published() {
                let copy = std::fs::read(root.join(&krate).join(file))
                    .unwrap_or_else(|e| panic!("{krate}/{file}: {e}"));
                assert!(
                    copy == text,
                    "{krate}/{file} differs from the root's {file}: copy it again"
                );
            }
        }
    }

    #[test]
    fn each_published_crate_has_what_crates_io_shows() {
        let root = super::workspace_root();
        for krate in published() {
            let manifest = std::fs::read_to_string(root.join(&krate).join("Cargo.toml")).unwrap();
            for key in ["description", "readme", "keywords", "categories", "license"] {
                assert!(
                    manifest.lines().any(|l| l.starts_with(key)),
                    "{krate}/Cargo.toml has no {key}"
                );
            }
            assert!(
                root.join(&krate).join("README.md").is_file(),
                "{krate}/README.md"
            );
        }
    }
}
