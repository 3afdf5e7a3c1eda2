//! `cargo xtask msrv`: the library crates checked with the declared minimum Rust (the
//! workspace's `rust-version`), resolved as a user of that Rust resolves them.
//!
//! A user on Rust 1.85 gets the newest versions that declare they build on 1.85 when the
//! resolver honours `rust-version` (resolver 3, the default of edition 2024 packages, or
//! `CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback`); the newest versions of some
//! dependencies need a later Rust. So the check copies the workspace to a scratch directory,
//! resolves it afresh with that Rust and that setting, and checks the library crates there:
//! the workspace's own `Cargo.lock` is neither read nor changed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The toolchain: the workspace's `rust-version`.
const MSRV: &str = "1.85";

/// The crates a user depends on.
const LIBRARIES: [&str; 4] = [
    "xengage-core",
    "xengage-native",
    "xengage-emulator",
    "xengage-web",
];

/// `cargo xtask msrv`.
pub(crate) fn msrv() -> Result<(), String> {
    install()?;
    let root = crate::workspace_root();
    let scratch = crate::target_dir().join("msrv-workspace");
    copy_tracked(&root, &scratch)?;
    let toolchain = format!("+{MSRV}");
    let fallback: [(&str, &Path); 1] = [(
        "CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS",
        Path::new("fallback"),
    )];
    crate::run_in_with(
        &scratch,
        "cargo",
        &[&toolchain, "generate-lockfile"],
        &fallback,
    )?;
    let target = crate::target_dir().join("msrv");
    let mut args = vec![toolchain.as_str(), "check", "--locked"];
    for library in LIBRARIES {
        args.extend(["-p", library]);
    }
    crate::run_in_with(
        &scratch,
        "cargo",
        &args,
        &[("CARGO_TARGET_DIR", target.as_path())],
    )
}

/// Installs the toolchain with rustup if it is missing, as `cargo xtask` installs its other
/// tools.
fn install() -> Result<(), String> {
    let present = Command::new("rustup")
        .args(["run", MSRV, "cargo", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    crate::run(
        "rustup",
        &["toolchain", "install", MSRV, "--profile", "minimal"],
    )
}

/// Copies the files git tracks (but the npm package's) from `root` to `to`, as they are in
/// the working tree.
fn copy_tracked(root: &Path, to: &Path) -> Result<(), String> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot start git: {e}"))?;
    if !out.status.success() {
        return Err("git ls-files failed".to_owned());
    }
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(|e| format!("cannot clear {}: {e}", to.display()))?;
    }
    for name in out.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name);
        if name.starts_with("bindings/") || name == "Cargo.lock" {
            continue;
        }
        let from = root.join(&*name);
        if !from.is_file() {
            continue; // Deleted in the working tree.
        }
        let dest: PathBuf = to.join(&*name);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::copy(&from, &dest).map_err(|e| format!("cannot copy {name}: {e}"))?;
    }
    Ok(())
}
