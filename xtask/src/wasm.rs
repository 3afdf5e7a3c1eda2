//! `cargo xtask wasm`, the wasm and npm steps of `cargo xtask ci`, and `cargo xtask bench wasm`.
//!
//! Tools are installed only when missing: the `wasm32-unknown-unknown` target (rustup), the
//! `wasm-bindgen` CLI of exactly the version in `Cargo.lock` (cargo install, without `--locked`:
//! its lockfile pins crates the registry mirror lacks), `binaryen`'s `wasm-opt`, TypeScript and
//! playwright-core (npm devDependencies of `bindings/npm`, `npm ci`), and Debian's Chromium
//! (`apt-get`, when `/usr/bin/chromium` is missing).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, run, run_in, run_in_with, target_dir, workspace_root};

const TARGET: &str = "wasm32-unknown-unknown";
const NPM_DIR: &str = "bindings/npm";
const CHROMIUM: &str = "/usr/bin/chromium";

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The version of `name` in the workspace's `Cargo.lock`.
fn locked_version(name: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let needle = format!("name = \"{name}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .ok_or_else(|| format!("{name} is not in Cargo.lock"))?
        + needle.len();
    let len = lock[start..].find('"').unwrap_or(0);
    Ok(lock[start..start + len].to_owned())
}

fn ensure_tools() -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == TARGET) {
        run("rustup", &["target", "add", TARGET])?;
    }
    let want = locked_version("wasm-bindgen")?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) != Some(want.as_str()) {
        run(
            &cargo(),
            &["install", "wasm-bindgen-cli", "--version", &want, "--force"],
        )?;
    }
    let npm_dir = workspace_root().join(NPM_DIR);
    if !npm_dir.join("node_modules/binaryen").is_dir() {
        run_in(&npm_dir, "npm", &["ci", "--no-audit", "--no-fund"])?;
    }
    Ok(())
}

fn gzipped_len(bytes: &[u8]) -> Result<usize, String> {
    use std::io::Write;
    let mut child = Command::new("gzip")
        .args(["-9", "-c"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start gzip: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("gzip has no stdin")?;
    // Written from another thread while this one reads gzip's output: written from here, a
    // body larger than the pipes hold deadlocks, gzip blocked on a full stdout and this
    // thread on a full stdin.
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || stdin.write_all(bytes));
        let out = child.wait_with_output().map_err(|e| format!("gzip: {e}"))?;
        writer
            .join()
            .map_err(|_| "gzip: the writing thread panicked".to_owned())?
            .map_err(|e| format!("gzip: {e}"))?;
        Ok(out.stdout.len())
    })
}

/// A size in bytes: raw and gzipped.
type Size = (usize, usize);

/// Each module's wasm size, by name.
type ModuleSizes = Vec<(&'static str, Size)>;

/// The two builds of the wasm crate: the lean one (`buildRequest`, `checkRequest`,
/// `parseResponse`; no `Client`, transport or signing) and the full one. Each is its module
/// (`dist/NAME.js` and `dist/NAME_bg.wasm`); a page loads only what it uses.
const MODULES: [(&str, &[&str]); 2] = [
    ("xengage_lean", &["--no-default-features"]),
    ("xengage_wasm", &[]),
];

/// The most a module may weigh gzipped, by name: the targets `cargo xtask bench wasm` prints
/// against (issue 23).
const TARGET_GZIPPED: [(&str, usize); 2] = [("xengage_lean", 100_000), ("xengage_wasm", 200_000)];

/// The package's size: each module's wasm, and every shipped file together.
fn package_size() -> Result<(ModuleSizes, Size), String> {
    let dir = workspace_root().join(NPM_DIR);
    let mut files: Vec<String> = [
        "errors.js",
        "api.js",
        "init.js",
        "web.js",
        "node.js",
        "dist/THIRD-PARTY-NOTICES.txt",
    ]
    .map(String::from)
    .to_vec();
    for (name, _) in MODULES {
        files.push(format!("dist/{name}.js"));
        files.push(format!("dist/{name}_bg.wasm"));
    }
    let mut modules = Vec::new();
    let mut all = (0, 0);
    for f in &files {
        let bytes = std::fs::read(dir.join(f)).map_err(|e| format!("cannot read {f}: {e}"))?;
        let gz = gzipped_len(&bytes)?;
        if let Some(name) = MODULES
            .iter()
            .map(|(n, _)| *n)
            .find(|n| *f == format!("dist/{n}_bg.wasm"))
        {
            modules.push((name, (bytes.len(), gz)));
        }
        all = (all.0 + bytes.len(), all.1 + gz);
    }
    Ok((modules, all))
}

/// Prints each module's size against its target, and the package's.
fn print_sizes() -> Result<(), String> {
    let (modules, (all_raw, all_gz)) = package_size()?;
    for (name, (raw, gz)) in modules {
        let target = TARGET_GZIPPED
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, t)| *t);
        let verdict = if gz <= target { "met" } else { "MISSED" };
        println!(
            "xtask wasm: {name}_bg.wasm {raw} bytes raw, {gz} gzipped (target <= {target} gzipped: {verdict})"
        );
    }
    println!("xtask wasm: package files {all_raw} raw, {all_gz} gzipped");
    Ok(())
}

/// `cargo xtask wasm`: each module (see [`MODULES`]) as a release wasm, wasm-bindgen (web
/// target, loaded by `web.js` in browsers and `node.js` in Node, each on first use),
/// `wasm-opt -O3`, and the sizes.
pub(crate) fn wasm() -> Result<(), String> {
    ensure_tools()?;
    let root = workspace_root();
    let out_dir = root.join(NPM_DIR).join("dist");
    for (name, features) in MODULES {
        let mut args = vec![
            "build",
            "--profile",
            "wasm",
            "--target",
            TARGET,
            "-p",
            "xengage-wasm",
        ];
        args.extend_from_slice(features);
        run(&cargo(), &args)?;
        let input: PathBuf = target_dir().join(format!("{TARGET}/wasm/xengage_wasm.wasm"));
        run(
            "wasm-bindgen",
            &[
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                name,
                "--out-dir",
                &out_dir.to_string_lossy(),
                &input.to_string_lossy(),
            ],
        )?;
        let bg = out_dir.join(format!("{name}_bg.wasm"));
        let bg = bg.to_string_lossy();
        run_in(
            &root.join(NPM_DIR),
            "node",
            &[
                "node_modules/binaryen/bin/wasm-opt",
                "-O3",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
                "--enable-mutable-globals",
                "--enable-reference-types",
                "--enable-multivalue",
                &bg,
                "-o",
                &bg,
            ],
        )?;
    }
    let notices = out_dir.join("THIRD-PARTY-NOTICES.txt");
    let crates = crate::notices::write(&root, TARGET, &notices)?;
    println!(
        "xtask wasm: {} lists the licenses of {crates} crates",
        notices.display()
    );
    testing_wasm(&root)?;
    print_sizes()
}

/// The wasm of `xengage/testing` (`sampleAnswer`): the lean module with the `testing` feature,
/// into `dist/testing/`, apart from the main entry's modules, whose sizes it leaves unchanged.
fn testing_wasm(root: &Path) -> Result<(), String> {
    let build = [
        "build",
        "--profile",
        "wasm",
        "--target",
        TARGET,
        "-p",
        "xengage-wasm",
    ];
    let features = ["--no-default-features", "--features", "testing"];
    run(&cargo(), &[&build[..], &features].concat())?;
    let input: PathBuf = target_dir().join(format!("{TARGET}/wasm/xengage_wasm.wasm"));
    let out_dir = root.join(NPM_DIR).join("dist/testing");
    run(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            "xengage_wasm",
            "--out-dir",
            &out_dir.to_string_lossy(),
            &input.to_string_lossy(),
        ],
    )?;
    // The glue imports the errors module one folder up, as the main entry's does; it is two.
    let glue = out_dir.join("xengage_wasm.js");
    let text = std::fs::read_to_string(&glue).map_err(|e| format!("{}: {e}", glue.display()))?;
    let fixed = text.replace("from '../errors.js'", "from '../../errors.js'");
    if fixed == text {
        return Err(format!(
            "{}: no import of ../errors.js to move",
            glue.display()
        ));
    }
    std::fs::write(&glue, fixed).map_err(|e| format!("{}: {e}", glue.display()))?;
    let bytes = std::fs::read(out_dir.join("xengage_wasm_bg.wasm")).map_err(|e| e.to_string())?;
    println!(
        "xtask wasm: dist/testing/xengage_wasm_bg.wasm (xengage/testing) {} bytes raw, {} gzipped",
        bytes.len(),
        gzipped_len(&bytes)?
    );
    Ok(())
}

/// The wasm and npm steps of `cargo xtask ci`: clippy for wasm32, the package build, Node tests
/// against the packed tarball, TypeScript check, and the Chromium page test.
pub(crate) fn ci_wasm() -> Result<(), String> {
    ensure_tools()?;
    run(
        &cargo(),
        &[
            "clippy",
            "--target",
            TARGET,
            "-p",
            "xengage-wasm",
            "-p",
            "xengage-web",
            "--features",
            "xengage-wasm/testing",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // The lean module's build: the crate without its `client` feature.
    run(
        &cargo(),
        &[
            "clippy",
            "--target",
            TARGET,
            "-p",
            "xengage-wasm",
            "--no-default-features",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    wasm()?;
    let npm_dir = workspace_root().join(NPM_DIR);
    if std::env::var_os("CI").is_some() {
        run_in(&npm_dir, "npm", &["ci", "--no-audit", "--no-fund"])?;
    }
    if !Path::new(CHROMIUM).exists() {
        run("apt-get", &["update"])?;
        run("apt-get", &["install", "-y", "chromium", "chromium-driver"])?;
    }
    // The Node and Chromium tests start `xengage emulate` and `xengage proxy`.
    run(&cargo(), &["build", "-p", "xengage-cli"])?;
    let bin = target_dir().join("debug/xengage");
    run_in_with(
        &npm_dir,
        "node",
        &["test/run.mjs"],
        &[("XENGAGE_BIN", bin.as_path())],
    )?;
    web_tests()
}

/// `cargo xtask bench wasm [RUNS]`: builds the package, writes the parse benchmark's answer,
/// and times `parseResponse` against `JSON.parse` plus a JS walk in Node (`bench/parse.mjs`):
/// both from the same string (the ratio against the target), and both from the same bytes.
pub(crate) fn bench(args: &[String]) -> Result<(), String> {
    wasm()?;
    let dir = target_dir().join("bench-wasm");
    let dir_text = dir.to_string_lossy().into_owned();
    run(
        &cargo(),
        &[
            "run",
            "--release",
            "-p",
            "xengage-core",
            "--example",
            "bench_parse",
            "--",
            "--write",
            &dir_text,
        ],
    )?;
    let mut node_args = vec!["bench/parse.mjs", dir_text.as_str()];
    node_args.extend(args.iter().map(String::as_str));
    run_in(&workspace_root().join(NPM_DIR), "node", &node_args)?;
    print_sizes()
}

/// `wasm-bindgen-test` tests of `xengage-web` in Node, in a Chromium page and in a Chromium
/// dedicated worker (`wasm-bindgen-test-runner` with Debian's chromedriver).
fn web_tests() -> Result<(), String> {
    for (name, env) in [
        ("Node", None),
        ("Chromium page", Some("WASM_BINDGEN_USE_BROWSER")),
        ("Chromium worker", Some("WASM_BINDGEN_USE_DEDICATED_WORKER")),
    ] {
        eprintln!("\n$ xengage-web wasm-bindgen tests in {name}");
        let mut cmd = Command::new(cargo());
        cmd.args([
            "test",
            "-p",
            "xengage-web",
            "--target",
            TARGET,
            "--test",
            "web",
        ])
        .current_dir(workspace_root())
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", "/usr/bin/chromedriver");
        if let Some(var) = env {
            cmd.env(var, "1");
        }
        let status = cmd
            .status()
            .map_err(|e| format!("cannot start cargo: {e}"))?;
        if !status.success() {
            return Err(format!("xengage-web tests in {name} failed with {status}"));
        }
    }
    Ok(())
}
