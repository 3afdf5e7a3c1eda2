//! The npm package's `THIRD-PARTY-NOTICES.txt`: the licenses of every crate compiled into the
//! wasm, so the package carries the notices their licenses (MIT's among them) ask copies to keep.
//!
//! The crates are those `cargo metadata` resolves for `wasm32-unknown-unknown` from
//! `xengage-wasm` through normal dependencies, less the workspace's own crates (whose licenses the
//! package ships as `LICENSE-MIT` and `LICENSE-APACHE`) and procedural macros (which run at build
//! time and leave only generated code). Each crate's license files (`LICENSE*`, `LICENCE*`,
//! `COPYING*`, `NOTICE*`, `COPYRIGHT*` in its source folder) are copied; a text several crates
//! share is written once, under all their names. Where a crate offers MIT as one choice (`MIT OR
//! Apache-2.0`), the package takes MIT and carries only that text (the Apache files are left
//! out). A crate that ships no license file is listed with its declared license and authors.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use serde_json::Value;

/// A crate compiled into the wasm.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Crate {
    pub name: String,
    pub version: String,
    pub license: String,
    pub repository: String,
    pub authors: String,
    /// The source folder, where its license files are.
    pub dir: String,
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The crates that `root` (a package name) links, read from `cargo metadata` output: normal
/// dependencies only, without workspace members and procedural macros.
pub(crate) fn linked_crates(metadata: &Value, root: &str) -> Result<Vec<Crate>, String> {
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata has no packages")?;
    let by_id: BTreeMap<&str, &Value> = packages.iter().map(|p| (str_of(p, "id"), p)).collect();
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let nodes: BTreeMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .ok_or("cargo metadata has no resolve graph")?
        .iter()
        .map(|n| (str_of(n, "id"), n))
        .collect();
    let start = packages
        .iter()
        .find(|p| str_of(p, "name") == root && members.contains(str_of(p, "id")))
        .map(|p| str_of(p, "id"))
        .ok_or_else(|| format!("{root} is not a workspace member"))?;
    let is_proc_macro = |id: &str| {
        by_id.get(id).is_some_and(|p| {
            p["targets"].as_array().is_some_and(|ts| {
                ts.iter().any(|t| {
                    t["kind"]
                        .as_array()
                        .is_some_and(|k| k.iter().any(|k| k == "proc-macro"))
                })
            })
        })
    };
    let mut seen = BTreeSet::from([start]);
    let mut stack = vec![start];
    while let Some(id) = stack.pop() {
        let Some(node) = nodes.get(id) else { continue };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"]
                .as_array()
                .is_some_and(|ks| ks.iter().any(|k| k["kind"].is_null()));
            let pkg = str_of(dep, "pkg");
            if normal && !is_proc_macro(pkg) && seen.insert(pkg) {
                stack.push(pkg);
            }
        }
    }
    let mut crates: Vec<Crate> = seen
        .into_iter()
        .filter(|id| !members.contains(id))
        .filter_map(|id| by_id.get(id))
        .map(|p| Crate {
            name: str_of(p, "name").to_owned(),
            version: str_of(p, "version").to_owned(),
            license: str_of(p, "license").to_owned(),
            repository: str_of(p, "repository").to_owned(),
            authors: p["authors"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            dir: Path::new(str_of(p, "manifest_path"))
                .parent()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default(),
        })
        .collect();
    crates.sort();
    Ok(crates)
}

fn is_license_file(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["LICENSE", "LICENCE", "COPYING", "NOTICE", "COPYRIGHT"]
        .iter()
        .any(|p| upper.starts_with(p))
}

/// Whether a license expression offers MIT as one choice.
fn offers_mit(license: &str) -> bool {
    license.contains("MIT OR") || license.contains("OR MIT")
}

/// The license files of `files` (file name, text) the package must carry for a crate under
/// `license`: all of them, but the Apache ones where MIT is a choice and its text is there.
fn chosen(license: &str, files: Vec<(String, String)>) -> Vec<(String, String)> {
    let has_mit = files
        .iter()
        .any(|(n, _)| n.to_ascii_uppercase().contains("MIT"));
    if !(offers_mit(license) && has_mit) {
        return files;
    }
    files
        .into_iter()
        .filter(|(n, _)| !n.to_ascii_uppercase().contains("APACHE"))
        .collect()
}

/// The license files of a crate's folder, by file name.
fn license_texts(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut texts = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_license_file(&name) && entry.path().is_file() {
            let text = std::fs::read_to_string(entry.path())
                .map_err(|e| format!("cannot read {}: {e}", entry.path().display()))?;
            texts.push((name, text));
        }
    }
    texts.sort();
    Ok(texts)
}

/// The notices file for `crates`, whose license files `texts` gives (by crate, by file name).
pub(crate) fn render(crates: &[Crate], texts: &dyn Fn(&Crate) -> Vec<(String, String)>) -> String {
    let mut out = String::from(
        "Third-party notices of the xengage npm package\n\n\
         dist/xengage_wasm_bg.wasm is compiled from xengage (MIT OR Apache-2.0, see LICENSE-MIT\n\
         and LICENSE-APACHE), from the Rust standard library (MIT OR Apache-2.0,\n\
         https://github.com/rust-lang/rust), and from these crates. Where a crate offers MIT\n\
         as one of its licenses, this package takes MIT and carries that text.\n\n",
    );
    // Each distinct text once, with the crates that carry it.
    let mut shared: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in crates {
        let files = chosen(&c.license, texts(c));
        let licenses = if files.is_empty() {
            format!("no license file in the crate; its authors: {}", c.authors)
        } else {
            files
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "- {} {} ({}) {}: {licenses}",
            c.name,
            c.version,
            if c.license.is_empty() {
                "license not declared"
            } else {
                &c.license
            },
            c.repository,
        );
        for (file, text) in files {
            shared
                .entry(text.trim().to_owned())
                .or_default()
                .push(format!("{} {}", c.name, file));
        }
    }
    for (text, owners) in &shared {
        let _ = write!(
            out,
            "\n{}\n{}\n\n{text}\n",
            "=".repeat(79),
            owners.join(", ")
        );
    }
    out
}

/// Writes the notices of the crates `xengage-wasm` links for `target` to `out`.
pub(crate) fn write(root: &Path, target: &str, out: &Path) -> Result<usize, String> {
    let output = std::process::Command::new(crate::cargo())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            target,
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot start cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed something other than JSON: {e}"))?;
    let crates = linked_crates(&metadata, "xengage-wasm")?;
    let mut texts = BTreeMap::new();
    for c in &crates {
        texts.insert(c.name.clone(), license_texts(Path::new(&c.dir))?);
    }
    let text = render(&crates, &|c| {
        texts.get(&c.name).cloned().unwrap_or_default()
    });
    std::fs::write(out, &text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(crates.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn package(id: &str, kind: &str) -> Value {
        json!({
            "id": id, "name": id, "version": "1.0.0", "license": "MIT OR Apache-2.0",
            "authors": [format!("{id} author"), "Someone <a@b.c>"],
            "repository": format!("https://example.com/{id}"),
            "manifest_path": format!("/src/{id}/Cargo.toml"),
            "targets": [{ "kind": [kind] }],
        })
    }

    fn dep(pkg: &str, kind: Option<&str>) -> Value {
        json!({ "pkg": pkg, "dep_kinds": [{ "kind": kind }] })
    }

    /// A workspace whose `app` uses `lib` (which uses `deep`), a proc macro, a build-time crate
    /// and a dev-only crate, and another member `other`.
    fn metadata() -> Value {
        json!({
            "workspace_members": ["app", "other"],
            "packages": [
                package("app", "cdylib"), package("other", "lib"), package("lib", "lib"),
                package("deep", "lib"), package("derive", "proc-macro"),
                package("builder", "lib"), package("tester", "lib"),
            ],
            "resolve": { "nodes": [
                { "id": "app", "deps": [
                    dep("lib", None), dep("derive", None), dep("builder", Some("build")),
                    dep("tester", Some("dev")), dep("other", None),
                ] },
                { "id": "other", "deps": [dep("deep", None)] },
                { "id": "lib", "deps": [dep("deep", None)] },
                { "id": "deep", "deps": [] },
            ] },
        })
    }

    #[test]
    fn only_linked_third_party_crates_are_listed() {
        let names: Vec<String> = linked_crates(&metadata(), "app")
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["deep", "lib"]);
    }

    #[test]
    fn a_root_outside_the_workspace_is_refused() {
        assert!(linked_crates(&metadata(), "lib").is_err());
    }

    #[test]
    fn a_shared_text_is_written_once_under_every_owner() {
        let crates = linked_crates(&metadata(), "app").unwrap();
        let text = render(&crates, &|c| {
            vec![
                (
                    "LICENSE-MIT".to_owned(),
                    "Permission is hereby granted".to_owned(),
                ),
                ("NOTICE".to_owned(), format!("Copyright {}", c.name)),
            ]
        });
        assert_eq!(text.matches("Permission is hereby granted").count(), 1);
        assert!(text.contains("deep LICENSE-MIT, lib LICENSE-MIT"));
        assert!(text.contains("Copyright deep") && text.contains("Copyright lib"));
        assert!(text.contains(
            "- lib 1.0.0 (MIT OR Apache-2.0) https://example.com/lib: LICENSE-MIT, NOTICE"
        ));
    }

    #[test]
    fn a_crate_without_license_files_says_so() {
        let crates = linked_crates(&metadata(), "app").unwrap();
        let text = render(&crates, &|_| Vec::new());
        assert!(text.contains(
            "- deep 1.0.0 (MIT OR Apache-2.0) https://example.com/deep: no license file in the \
             crate; its authors: deep author, Someone <a@b.c>"
        ));
    }

    fn files(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| ((*n).to_owned(), format!("text of {n}")))
            .collect()
    }

    fn names(files: Vec<(String, String)>) -> Vec<String> {
        files.into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn mit_is_taken_where_it_is_a_choice() {
        let all = ["LICENSE-APACHE", "LICENSE-MIT", "LICENSE-UNICODE", "NOTICE"];
        assert_eq!(
            names(chosen("MIT OR Apache-2.0", files(&all))),
            ["LICENSE-MIT", "LICENSE-UNICODE", "NOTICE"]
        );
        assert_eq!(
            names(chosen("(Apache-2.0 OR MIT) AND Unicode-3.0", files(&all))),
            ["LICENSE-MIT", "LICENSE-UNICODE", "NOTICE"]
        );
        // No choice of MIT, or no MIT text to carry: every file stays.
        assert_eq!(names(chosen("Apache-2.0", files(&all))), all);
        assert_eq!(
            names(chosen(
                "MIT OR Apache-2.0",
                files(&["LICENSE-Apache", "LICENSE"])
            )),
            ["LICENSE-Apache", "LICENSE"]
        );
    }
}
