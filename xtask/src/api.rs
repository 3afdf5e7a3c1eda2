//! `cargo xtask api [--check]`: the public API of each library crate, one line per item, from
//! rustdoc's JSON output, written to `api/<crate>.txt`. `cargo xtask ci` runs it with `--check`,
//! so a change to a crate's public API shows in review as a change to its listing.
//!
//! rustdoc's JSON is unstable: it is asked for with `RUSTC_BOOTSTRAP=1` from the stable
//! toolchain, and this reader refuses a format version it was not written for, saying so,
//! rather than write a wrong listing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The library crates whose public API is listed: package name, crate name.
const CRATES: [(&str, &str); 4] = [
    ("xengage-core", "xengage_core"),
    ("xengage-native", "xengage_native"),
    ("xengage-emulator", "xengage_emulator"),
    ("xengage-web", "xengage_web"),
];

/// The versions of rustdoc's JSON format this reader knows. A toolchain with another one makes
/// the step fail with a message, not a wrong listing.
const FORMAT_VERSIONS: std::ops::RangeInclusive<u64> = 56..=57;

const REGENERATE: &str = "run `cargo xtask api` to write the listings anew, and commit api/";

/// `cargo xtask api [--check]`.
pub(crate) fn api(args: &[String]) -> Result<(), String> {
    let check = match args.first().map(String::as_str) {
        None => false,
        Some("--check") => true,
        Some(other) => return Err(format!("api: unknown argument `{other}` (only --check)")),
    };
    let dir = crate::workspace_root().join("api");
    let mut stale = Vec::new();
    for (package, krate) in CRATES {
        let listing = listing(package, krate)?;
        let path = dir.join(format!("{package}.txt"));
        if check {
            let old = std::fs::read_to_string(&path).unwrap_or_default();
            if old != listing {
                eprintln!("\nxtask api: the public API of {package} changed:");
                print_difference(&old, &listing);
                stale.push(package);
            }
        } else {
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            std::fs::write(&path, &listing)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the public API of {} differs from api/: if the change is meant, {REGENERATE}",
            stale.join(", ")
        ))
    }
}

/// Lines only in `old` (`-`) and only in `new` (`+`). Listings are sorted sets of lines.
fn print_difference(old: &str, new: &str) {
    let old: BTreeSet<&str> = old.lines().collect();
    let new: BTreeSet<&str> = new.lines().collect();
    for line in old.difference(&new) {
        eprintln!("  - {line}");
    }
    for line in new.difference(&old) {
        eprintln!("  + {line}");
    }
}

/// Runs rustdoc's JSON output on `package` and renders it.
fn listing(package: &str, krate: &str) -> Result<String, String> {
    let status = Command::new(crate::cargo())
        .args([
            "rustdoc",
            "--quiet",
            "-p",
            package,
            "--lib",
            "--",
            "-Z",
            "unstable-options",
            "--output-format",
            "json",
            "--cap-lints",
            "allow",
        ])
        .env("RUSTC_BOOTSTRAP", "1")
        .current_dir(crate::workspace_root())
        .status()
        .map_err(|e| format!("cannot start cargo rustdoc: {e}"))?;
    if !status.success() {
        return Err(format!("cargo rustdoc -p {package} failed with {status}"));
    }
    let path: PathBuf = crate::target_dir()
        .join("doc")
        .join(format!("{krate}.json"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    render(&doc, krate, &path)
}

/// The listing of one crate's rustdoc JSON: sorted lines, one per public item, field, variant,
/// method and trait implementation.
fn render(doc: &Value, krate: &str, path: &Path) -> Result<String, String> {
    let version = doc["format_version"].as_u64().unwrap_or(0);
    if !FORMAT_VERSIONS.contains(&version) {
        return Err(format!(
            "{}: rustdoc JSON format {version}, this reader knows {}..={}: update xtask/src/api.rs for this toolchain",
            path.display(),
            FORMAT_VERSIONS.start(),
            FORMAT_VERSIONS.end()
        ));
    }
    let index = &doc["index"];
    let root = doc["root"].to_string();
    let mut lines = BTreeSet::new();
    let mut walker = Walker {
        index,
        lines: &mut lines,
        visited: BTreeSet::new(),
    };
    walker.module(&root, krate);
    let mut out = String::new();
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

struct Walker<'a> {
    index: &'a Value,
    lines: &'a mut BTreeSet<String>,
    /// (item, path) pairs already listed: a glob re-export can meet a module twice.
    visited: BTreeSet<(String, String)>,
}

impl Walker<'_> {
    fn item(&self, id: &str) -> Option<&Value> {
        self.index.get(id)
    }

    fn module(&mut self, id: &str, path: &str) {
        let Some(module) = self.item(id) else { return };
        let items: Vec<String> = module["inner"]["module"]["items"]
            .as_array()
            .map(|a| a.iter().map(Value::to_string).collect())
            .unwrap_or_default();
        for child in items {
            self.public_item(&child, path, None);
        }
    }

    /// Lists item `id` under `parent`, named `name` (a re-export's name) or its own.
    fn public_item(&mut self, id: &str, parent: &str, name: Option<&str>) {
        let Some(item) = self.item(id).cloned() else {
            return;
        };
        if item["visibility"] != "public" {
            return;
        }
        let inner = &item["inner"];
        if let Some(re_export) = inner.get("use") {
            let target = re_export["id"].to_string();
            let name = re_export["name"].as_str().unwrap_or_default();
            if re_export["is_glob"].as_bool() == Some(true) {
                self.module(&target, parent);
            } else if self.item(&target).is_some() {
                self.public_item_any_visibility(&target, parent, name);
            } else {
                let source = re_export["source"].as_str().unwrap_or_default();
                self.lines
                    .insert(format!("pub use {parent}::{name} = {source}"));
            }
            return;
        }
        let name = name
            .or_else(|| item["name"].as_str())
            .unwrap_or_default()
            .to_owned();
        self.render_item(id, &item, &format!("{parent}::{name}"));
    }

    /// A re-exported item: listed whatever its own visibility (`pub use` of a private module's
    /// item is how the crates expose most of their types).
    fn public_item_any_visibility(&mut self, id: &str, parent: &str, name: &str) {
        let Some(item) = self.item(id).cloned() else {
            return;
        };
        self.render_item(id, &item, &format!("{parent}::{name}"));
    }

    fn render_item(&mut self, id: &str, item: &Value, path: &str) {
        if !self.visited.insert((id.to_owned(), path.to_owned())) {
            return;
        }
        let attrs = attributes(item);
        let inner = &item["inner"];
        let Some((kind, body)) = inner.as_object().and_then(|o| o.iter().next()) else {
            return;
        };
        match kind.as_str() {
            "module" => {
                self.lines.insert(format!("pub mod {path}"));
                self.module(id, path);
            }
            "struct" => {
                let generics = generic_params(&body["generics"]);
                let kind = &body["kind"];
                if let Some(fields) = kind.get("tuple").and_then(Value::as_array) {
                    let types: Vec<String> = fields
                        .iter()
                        .map(
                            |f| match f.as_u64().and_then(|f| self.item(&f.to_string())) {
                                Some(field) if field["visibility"] == "public" => {
                                    format!("pub {}", ty(&field["inner"]["struct_field"]))
                                }
                                _ => "_".to_owned(),
                            },
                        )
                        .collect();
                    self.lines.insert(format!(
                        "{attrs}pub struct {path}{generics}({})",
                        types.join(", ")
                    ));
                } else {
                    self.lines
                        .insert(format!("{attrs}pub struct {path}{generics}"));
                    let fields = kind["plain"]["fields"].as_array().cloned();
                    for field in fields.unwrap_or_default() {
                        let Some(field) = self.item(&field.to_string()) else {
                            continue;
                        };
                        if field["visibility"] == "public" {
                            let line = format!(
                                "pub {path}.{}: {}",
                                field["name"].as_str().unwrap_or_default(),
                                ty(&field["inner"]["struct_field"])
                            );
                            self.lines.insert(line);
                        }
                    }
                }
                self.impls(&body["impls"], path);
            }
            "enum" => {
                let generics = generic_params(&body["generics"]);
                self.lines
                    .insert(format!("{attrs}pub enum {path}{generics}"));
                for variant in body["variants"].as_array().cloned().unwrap_or_default() {
                    let Some(variant) = self.item(&variant.to_string()).cloned() else {
                        continue;
                    };
                    let line = self.variant(&variant, path);
                    self.lines.insert(line);
                }
                self.impls(&body["impls"], path);
            }
            "function" => {
                self.lines
                    .insert(format!("{attrs}{}", function(path, body)));
            }
            "constant" => {
                self.lines
                    .insert(format!("pub const {path}: {}", ty(&body["type"])));
            }
            "static" => {
                self.lines
                    .insert(format!("pub static {path}: {}", ty(&body["type"])));
            }
            "type_alias" => {
                self.lines
                    .insert(format!("pub type {path} = {}", ty(&body["type"])));
            }
            "trait" => {
                self.lines.insert(format!("{attrs}pub trait {path}"));
                for member in body["items"].as_array().cloned().unwrap_or_default() {
                    if let Some(member) = self.item(&member.to_string()).cloned() {
                        self.member(&member, path);
                    }
                }
            }
            "macro" => {
                self.lines.insert(format!("pub macro {path}!"));
            }
            other => {
                self.lines.insert(format!("pub {other} {path}"));
            }
        }
    }

    fn variant(&self, variant: &Value, path: &str) -> String {
        let name = variant["name"].as_str().unwrap_or_default();
        let attrs = attributes(variant);
        let kind = &variant["inner"]["variant"]["kind"];
        let field_type = |f: &Value| {
            self.item(&f.to_string())
                .map_or_else(|| "_".to_owned(), |f| ty(&f["inner"]["struct_field"]))
        };
        if let Some(fields) = kind.get("tuple").and_then(Value::as_array) {
            let types: Vec<String> = fields.iter().map(field_type).collect();
            format!("{attrs}{path}::{name}({})", types.join(", "))
        } else if let Some(fields) = kind["struct"]["fields"].as_array() {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| {
                    let field_name = self
                        .item(&f.to_string())
                        .and_then(|f| f["name"].as_str())
                        .unwrap_or("_");
                    format!("{field_name}: {}", field_type(f))
                })
                .collect();
            format!("{attrs}{path}::{name} {{ {} }}", fields.join(", "))
        } else {
            format!("{attrs}{path}::{name}")
        }
    }

    /// Inherent methods and constants, and the trait implementations written for the type
    /// (not the blanket or auto ones every type gets).
    fn impls(&mut self, impls: &Value, path: &str) {
        for id in impls.as_array().cloned().unwrap_or_default() {
            let Some(imp) = self.item(&id.to_string()).cloned() else {
                continue;
            };
            let body = &imp["inner"]["impl"];
            if body["is_synthetic"].as_bool() == Some(true) || !body["blanket_impl"].is_null() {
                continue;
            }
            match body["trait"].get("path").and_then(Value::as_str) {
                Some(_) => {
                    let negative = if body["is_negative"].as_bool() == Some(true) {
                        "!"
                    } else {
                        ""
                    };
                    let line = format!(
                        "impl{} {negative}{} for {}",
                        generic_params(&body["generics"]),
                        path_type(&body["trait"]),
                        ty(&body["for"])
                    );
                    self.lines.insert(line);
                }
                None => {
                    for member in body["items"].as_array().cloned().unwrap_or_default() {
                        let Some(member) = self.item(&member.to_string()).cloned() else {
                            continue;
                        };
                        if member["visibility"] == "public" {
                            self.member(&member, path);
                        }
                    }
                }
            }
        }
    }

    /// A method, an associated constant or type of `owner`.
    fn member(&mut self, member: &Value, owner: &str) {
        let name = member["name"].as_str().unwrap_or_default();
        let path = format!("{owner}::{name}");
        let inner = &member["inner"];
        let attrs = attributes(member);
        if let Some(f) = inner.get("function") {
            self.lines.insert(format!("{attrs}{}", function(&path, f)));
        } else if let Some(c) = inner.get("assoc_const") {
            self.lines
                .insert(format!("const {path}: {}", ty(&c["type"])));
        } else if inner.get("assoc_type").is_some() {
            self.lines.insert(format!("type {path}"));
        }
    }
}

/// The attributes that matter to users of an item, as a prefix: `#[non_exhaustive]`,
/// `#[must_use]`, `#[doc(hidden)]`, `#[deprecated]`.
fn attributes(item: &Value) -> String {
    let mut out = String::new();
    for attr in item["attrs"].as_array().into_iter().flatten() {
        let text = match attr {
            Value::String(s) => s.clone(),
            Value::Object(o) => o
                .get("other")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            _ => String::new(),
        };
        let text = text.trim_start_matches("#[").trim_end_matches(']');
        if text == "non_exhaustive" || text.starts_with("doc(hidden") {
            out.push_str("#[");
            out.push_str(text);
            out.push_str("] ");
        }
    }
    if item["attrs"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|a| a.get("must_use").is_some() || a == "must_use")
    {
        out.push_str("#[must_use] ");
    }
    if !item["deprecation"].is_null() {
        out.push_str("#[deprecated] ");
    }
    out
}

fn function(path: &str, f: &Value) -> String {
    let header = &f["header"];
    let mut qualifiers = String::new();
    for (flag, word) in [
        ("is_const", "const "),
        ("is_async", "async "),
        ("is_unsafe", "unsafe "),
    ] {
        if header[flag].as_bool() == Some(true) {
            qualifiers.push_str(word);
        }
    }
    let inputs: Vec<String> = f["sig"]["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|input| {
            let name = input[0].as_str().unwrap_or("_");
            let t = ty(&input[1]);
            if name == "self" {
                match t.as_str() {
                    "Self" => "self".to_owned(),
                    "&Self" => "&self".to_owned(),
                    "&mut Self" => "&mut self".to_owned(),
                    other => format!("self: {other}"),
                }
            } else {
                format!("{name}: {t}")
            }
        })
        .collect();
    let output = match &f["sig"]["output"] {
        Value::Null => String::new(),
        t => format!(" -> {}", ty(t)),
    };
    format!(
        "pub {qualifiers}fn {path}{}({}){output}{}",
        generic_params(&f["generics"]),
        inputs.join(", "),
        where_clause(&f["generics"])
    )
}

/// `<'a, T: Bound>`, leaving out the parameters `impl Trait` arguments make.
fn generic_params(generics: &Value) -> String {
    let params: Vec<String> = generics["params"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p["name"].as_str().unwrap_or("_");
            let kind = &p["kind"];
            if let Some(t) = kind.get("type") {
                if t["is_synthetic"].as_bool() == Some(true) {
                    return None;
                }
                let bounds = bounds(&t["bounds"]);
                Some(if bounds.is_empty() {
                    name.to_owned()
                } else {
                    format!("{name}: {bounds}")
                })
            } else if let Some(c) = kind.get("const") {
                Some(format!("const {name}: {}", ty(&c["type"])))
            } else {
                Some(name.to_owned())
            }
        })
        .collect();
    if params.is_empty() {
        String::new()
    } else {
        format!("<{}>", params.join(", "))
    }
}

fn where_clause(generics: &Value) -> String {
    let predicates: Vec<String> = generics["where_predicates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let b = p.get("bound_predicate")?;
            Some(format!("{}: {}", ty(&b["type"]), bounds(&b["bounds"])))
        })
        .collect();
    if predicates.is_empty() {
        String::new()
    } else {
        format!(" where {}", predicates.join(", "))
    }
}

fn bounds(bounds: &Value) -> String {
    let parts: Vec<String> = bounds
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            if let Some(t) = b.get("trait_bound") {
                let modifier = if t["modifier"] == "maybe" { "?" } else { "" };
                format!("{modifier}{}", path_type(&t["trait"]))
            } else if let Some(l) = b.get("outlives").and_then(Value::as_str) {
                l.to_owned()
            } else {
                "_".to_owned()
            }
        })
        .collect();
    parts.join(" + ")
}

/// A path with its generic arguments, named by its last segment.
fn path_type(p: &Value) -> String {
    let full = p["path"].as_str().unwrap_or("_");
    let name = full.rsplit("::").next().unwrap_or(full);
    format!("{name}{}", generic_args(&p["args"]))
}

fn generic_args(args: &Value) -> String {
    if let Some(a) = args.get("angle_bracketed") {
        let mut parts: Vec<String> = a["args"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|arg| {
                if let Some(t) = arg.get("type") {
                    ty(t)
                } else if let Some(l) = arg.get("lifetime").and_then(Value::as_str) {
                    l.to_owned()
                } else if let Some(c) = arg.get("const") {
                    c["expr"].as_str().unwrap_or("_").to_owned()
                } else {
                    "_".to_owned()
                }
            })
            .collect();
        for c in a["constraints"].as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap_or("_");
            if let Some(t) = c["binding"].get("equality").and_then(|e| e.get("type")) {
                parts.push(format!("{name} = {}", ty(t)));
            } else if let Some(b) = c["binding"].get("constraint") {
                parts.push(format!("{name}: {}", bounds(b)));
            }
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("<{}>", parts.join(", "))
        }
    } else if let Some(p) = args.get("parenthesized") {
        let inputs: Vec<String> = p["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(ty)
            .collect();
        let output = match &p["output"] {
            Value::Null => String::new(),
            t => format!(" -> {}", ty(t)),
        };
        format!("({}){output}", inputs.join(", "))
    } else {
        String::new()
    }
}

/// A type as written in Rust, paths by their last segment.
fn ty(t: &Value) -> String {
    let Some((kind, v)) = t.as_object().and_then(|o| o.iter().next()) else {
        return t.as_str().map_or_else(|| "_".to_owned(), str::to_owned);
    };
    match kind.as_str() {
        "resolved_path" => path_type(v),
        "generic" | "primitive" => v.as_str().unwrap_or("_").to_owned(),
        "borrowed_ref" => {
            let lifetime = v["lifetime"]
                .as_str()
                .map_or_else(String::new, |l| format!("{l} "));
            let mutable = if v["is_mutable"].as_bool() == Some(true) {
                "mut "
            } else {
                ""
            };
            format!("&{lifetime}{mutable}{}", ty(&v["type"]))
        }
        "raw_pointer" => {
            let mutable = if v["is_mutable"].as_bool() == Some(true) {
                "mut"
            } else {
                "const"
            };
            format!("*{mutable} {}", ty(&v["type"]))
        }
        "tuple" => {
            let parts: Vec<String> = v.as_array().into_iter().flatten().map(ty).collect();
            format!("({})", parts.join(", "))
        }
        "slice" => format!("[{}]", ty(v)),
        "array" => format!("[{}; {}]", ty(&v["type"]), v["len"].as_str().unwrap_or("_")),
        "impl_trait" => format!("impl {}", bounds(v)),
        "dyn_trait" => {
            let traits: Vec<String> = v["traits"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| path_type(&t["trait"]))
                .collect();
            match v["lifetime"].as_str() {
                Some(l) => format!("dyn {} + {l}", traits.join(" + ")),
                None => format!("dyn {}", traits.join(" + ")),
            }
        }
        "qualified_path" => {
            let trait_part = match &v["trait"] {
                Value::Null => String::new(),
                t => format!(" as {}", path_type(t)),
            };
            format!(
                "<{}{trait_part}>::{}",
                ty(&v["self_type"]),
                v["name"].as_str().unwrap_or("_")
            )
        }
        "function_pointer" => {
            let inputs: Vec<String> = v["sig"]["inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| ty(&i[1]))
                .collect();
            let output = match &v["sig"]["output"] {
                Value::Null => String::new(),
                t => format!(" -> {}", ty(t)),
            };
            format!("fn({}){output}", inputs.join(", "))
        }
        "infer" => "_".to_owned(),
        other => format!("<{other}>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_render_as_written() {
        let t: Value = serde_json::json!({"borrowed_ref": {"lifetime": null, "is_mutable": false,
            "type": {"slice": {"resolved_path": {"path": "crate::id::PostId", "id": 1, "args": null}}}}});
        assert_eq!(ty(&t), "&[PostId]");
        let t: Value = serde_json::json!({"resolved_path": {"path": "Result", "id": 2, "args":
            {"angle_bracketed": {"args": [{"type": {"tuple": []}}, {"type": {"generic": "E"}}],
            "constraints": []}}}});
        assert_eq!(ty(&t), "Result<(), E>");
        let t: Value = serde_json::json!({"impl_trait": [{"trait_bound": {"trait": {"path":
            "IntoIterator", "id": 3, "args": {"angle_bracketed": {"args": [], "constraints":
            [{"name": "Item", "args": null, "binding": {"equality": {"type": {"primitive":
            "u8"}}}}]}}}, "generic_params": [], "modifier": "none"}}]});
        assert_eq!(ty(&t), "impl IntoIterator<Item = u8>");
    }

    #[test]
    fn an_unknown_format_version_is_refused() {
        let doc = serde_json::json!({"format_version": 1, "index": {}, "root": 0});
        let err = render(&doc, "x", Path::new("x.json")).unwrap_err();
        assert!(err.contains("update xtask/src/api.rs"), "{err}");
    }
}
