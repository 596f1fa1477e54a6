//! The import rule of `src/lib.rs`: a module imports only modules listed before it in the
//! documented order. Every `crate::` path in `src/` (comments left out) is checked against the
//! order as `src/lib.rs` writes it, so the documentation and the check cannot drift apart.

use crate::trials;
use libtest_mimic::Trial;
use std::path::{Path, PathBuf};

pub fn tests() -> Vec<Trial> {
    trials![
        plain no_module_imports_one_after_it,
        plain the_check_finds_an_upward_import,
    ]
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The module order from `src/lib.rs`: the backticked names from the line starting
/// `//! Import order` up to the line that ends with a full stop.
fn documented_order(lib_rs: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in lib_rs.lines() {
        let text = line.trim_start_matches("//!").trim();
        if line.starts_with("//! Import order") {
            inside = true;
        }
        if !inside {
            continue;
        }
        let mut parts = text.split('`');
        parts.next();
        while let (Some(name), _) = (parts.next(), parts.next()) {
            names.push(name.to_string());
        }
        if text.ends_with('.') {
            break;
        }
    }
    names
}

/// Modules `src/lib.rs` declares (`pub mod x;` or `mod x;`).
fn declared_modules(lib_rs: &str) -> Vec<String> {
    lib_rs
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l
                .strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))?;
            Some(rest.trim_end_matches(';').trim().to_string())
        })
        .collect()
}

/// Source text without `//` and `/* */` comments (string contents are not special-cased: a
/// `//` inside a string only hides the rest of its line, which can hide, never invent, a path).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |end| &after[end + 2..]);
        } else if rest.starts_with("//") {
            rest = rest.find('\n').map_or("", |end| &rest[end..]);
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn ident_at(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules a piece of code names through `crate::`, including each first item
/// of a `crate::{a, b::c}` group.
fn crate_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        // `dcplan_crate::x` or `my_crate::x` are other names, not this crate
        let before = rest[..i].chars().next_back();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = true;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_ascii_alphabetic() || c == '_') => {
                        found.push(ident_at(&group[k..]).to_string());
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident_at(rest);
            if !name.is_empty() {
                found.push(name.to_string());
            }
        }
    }
    found
}

/// Every import that breaks the order: (file, its module, the module it names).
fn violations(order: &[String], files: &[(String, String, String)]) -> Vec<String> {
    let rank = |m: &str| order.iter().position(|o| o == m);
    let mut bad = Vec::new();
    for (file, module, code) in files {
        let Some(mine) = rank(module) else {
            bad.push(format!(
                "{file}: module `{module}` is not in the documented order"
            ));
            continue;
        };
        for target in crate_paths(&strip_comments(code)) {
            match rank(&target) {
                None => bad.push(format!(
                    "{file}: `crate::{target}` names no module of the documented order"
                )),
                Some(theirs) if theirs > mine => bad.push(format!(
                    "{file}: `{module}` imports `{target}`, which comes after it"
                )),
                Some(_) => {}
            }
        }
    }
    bad
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn no_module_imports_one_after_it() {
    let root = src();
    let lib_rs = std::fs::read_to_string(root.join("lib.rs")).expect("src/lib.rs");
    let order = documented_order(&lib_rs);
    assert!(
        order.len() >= 10 && order.iter().any(|m| m == "plan"),
        "no import order found in src/lib.rs: {order:?}"
    );
    let declared = declared_modules(&lib_rs);
    for m in &declared {
        assert!(
            order.contains(m),
            "src/lib.rs declares `{m}`, which the import order does not list"
        );
    }
    let mut paths = Vec::new();
    rust_files(&root, &mut paths);
    let mut files = Vec::new();
    for path in paths {
        let rel = path.strip_prefix(&root).expect("under src/");
        let first = rel.components().next().expect("a component");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "lib" || module == "main" {
            continue; // the crate root and the binary sit above every module
        }
        let code = std::fs::read_to_string(&path).expect("source file");
        files.push((rel.display().to_string(), module, code));
    }
    assert!(files.len() > 40, "only {} source files found", files.len());
    let bad = violations(&order, &files);
    assert!(
        bad.is_empty(),
        "imports against the order:\n{}",
        bad.join("\n")
    );
}

fn the_check_finds_an_upward_import() {
    let order: Vec<String> = ["site", "model", "rank", "plan", "report"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let file =
        |module: &str, code: &str| ("x.rs".to_string(), module.to_string(), code.to_string());
    let clean = [
        file(
            "plan",
            "use crate::rank::Weights;\nuse crate::{site, model::hall};",
        ),
        file("report", "fn f() { crate::plan::run(); }"),
        // a path in a comment is not an import
        file("rank", "// see crate::report\n/* crate::plan */ fn g() {}"),
    ];
    assert_eq!(violations(&order, &clean), Vec::<String>::new());
    let upward = [
        file(
            "rank",
            "use crate::{\n    site,\n    plan::ranking::RankingReport,\n};",
        ),
        file("model", "let x = crate::report::write();"),
        file("site", "use crate::nowhere::X;"),
        file("gpu", "fn h() {}"),
    ];
    let bad = violations(&order, &upward);
    assert_eq!(bad.len(), 4, "{bad:#?}");
    assert!(bad[0].contains("`rank` imports `plan`"), "{}", bad[0]);
    assert!(bad[1].contains("`model` imports `report`"), "{}", bad[1]);
    assert!(bad[2].contains("crate::nowhere"), "{}", bad[2]);
    assert!(
        bad[3].contains("`gpu` is not in the documented order"),
        "{}",
        bad[3]
    );
}
