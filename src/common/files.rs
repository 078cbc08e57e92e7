//! What kind of file a path is: code, documentation, vendored (third-party), generated, or
//! other (configuration, data, images). Knowledge of code is what the truck factor and the
//! `knowledge_silo` detector count, as Avelino et al. (ICPC 2016, "A novel approach for
//! estimating truck factors") did: they removed what GitHub's Linguist classifies as
//! documentation, vendored and generated, kept only files of a programming or markup language,
//! and removed a hand-made list of further paths per repository.
//!
//! The rules below are teamlens's own, smaller list, written from the categories Linguist
//! documents (`docs/overrides.md`: `linguist-vendored`, `linguist-documentation`,
//! `linguist-generated`, and the language types its statistics count, `programming` and
//! `markup`), not from its pattern files. They look at the path only (Linguist also reads
//! contents: a "Code generated … DO NOT EDIT" header or a shebang is not seen here). In order:
//!
//! 1. **generated**: lockfiles (`Cargo.lock`, `go.sum`, `package-lock.json`, `yarn.lock`, …);
//!    code generators' outputs by their conventional names (`*.pb.go`, `*_pb2.py`,
//!    `*_generated.*`, `*.generated.*`, `zz_generated*`, Go's `zerrors_*`/`zsyscall_*`/
//!    `zsysnum_*`/`ztypes_*`); minified JavaScript and CSS and source maps; anything under a
//!    directory `gen/`, `generated/` or `__generated__/`;
//! 2. **vendored**: anything under `vendor/`, `vendors/`, `third_party/` (and its spellings),
//!    `external/`, `extern/`, `node_modules/`, `bower_components/`, `dist/`, `Pods/`,
//!    `Carthage/`, `Godeps/_workspace/` at any depth, or `deps/` and `debian/` at the root;
//!    build-tool wrappers (`gradlew`, `mvnw`) and autoconf's outputs (`configure`,
//!    `config.guess`, …); bundled copies of jQuery;
//! 3. **documentation**: anything under `doc/`, `docs/`, `documentation/`, `javadoc/`,
//!    `example(s)/`, `sample(s)/` at any depth, or `man/` at the root;
//! 4. **code**: a programming or markup language's extension (`.rs`, `.go`, `.py`, `.rb`,
//!    `.js`, `.html`, `.css`, `.haml`, …) or build file name (`Makefile`, `Rakefile`,
//!    `Dockerfile`, `CMakeLists.txt`, `Gemfile`);
//! 5. **documentation** too: README, CHANGELOG, CHANGES, HISTORY, NEWS, CONTRIBUTING, COPYING,
//!    LICENSE, INSTALL, AUTHORS, CITATION files (without a code extension: `install.sh` is
//!    code) and prose (`.md`, `.rst`, `.txt`, `.adoc`, `.rdoc`, …);
//! 6. **other**: everything else (JSON, YAML, TOML, XML, images, fixtures without an extension).
//!
//! Directory names are compared without case. Tests and benchmarks are code (Linguist does not
//! set them aside either). The list is data: `[knowledge] exclude` and `include` in
//! `teamlens.toml` (globs, [`glob_matches`]) drop files from, or add them to, what counts as
//! code; `exclude` wins over `include`, and both over the built-in rules.

use serde::Serialize;

/// The kind of a file, by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Code,
    Documentation,
    Vendored,
    Generated,
    Other,
}

/// Lockfiles and other files written by package managers.
const GENERATED_NAMES: &[&str] = &[
    "cargo.lock",
    "go.sum",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "composer.lock",
    "gemfile.lock",
    "poetry.lock",
    "pipfile.lock",
    "uv.lock",
    "podfile.lock",
    "mix.lock",
    "pubspec.lock",
    "flake.lock",
    "packages.lock.json",
];

/// File-name endings of code generators' outputs and of minified files.
const GENERATED_SUFFIXES: &[&str] = &[
    ".pb.go",
    ".pb.cc",
    ".pb.h",
    ".pb.swift",
    "_pb2.py",
    "_pb2_grpc.py",
    "_pb2.pyi",
    "_pb.js",
    "_pb.d.ts",
    ".g.dart",
    ".designer.cs",
    ".min.js",
    "-min.js",
    ".min.css",
    ".js.map",
    ".css.map",
];

/// File-name beginnings of generators' outputs: Kubernetes' deepcopy, Go's `mksyscall` family.
const GENERATED_PREFIXES: &[&str] = &[
    "zz_generated",
    "zerrors_",
    "zsyscall_",
    "zsysnum_",
    "ztypes_",
];

const GENERATED_DIRS: &[&str] = &["gen", "generated", "__generated__"];

/// Third-party code, at any depth.
const VENDORED_DIRS: &[&str] = &[
    "vendor",
    "vendors",
    "third_party",
    "third-party",
    "thirdparty",
    "3rdparty",
    "3rd_party",
    "3rd-party",
    "external",
    "externals",
    "extern",
    "node_modules",
    "bower_components",
    "jspm_packages",
    "dist",
    "pods",
    "carthage",
];

/// Third-party or packaging directories, at the root only.
const VENDORED_ROOT_DIRS: &[&str] = &["deps", "debian"];

/// Build-tool wrappers and autoconf's outputs.
const VENDORED_NAMES: &[&str] = &[
    "gradlew",
    "gradlew.bat",
    "mvnw",
    "mvnw.cmd",
    "configure",
    "config.guess",
    "config.sub",
    "aclocal.m4",
    "ltmain.sh",
    "install-sh",
    "depcomp",
];

const DOC_DIRS: &[&str] = &[
    "doc",
    "docs",
    "documentation",
    "javadoc",
    "groovydoc",
    "example",
    "examples",
    "sample",
    "samples",
];

const DOC_ROOT_DIRS: &[&str] = &["man"];

/// Documentation files by the name before their first dot (`README.md`, `LICENSE`).
const DOC_STEMS: &[&str] = &[
    "readme",
    "changelog",
    "changes",
    "change",
    "history",
    "news",
    "contributing",
    "copying",
    "license",
    "licence",
    "install",
    "authors",
    "citation",
    "code_of_conduct",
];

/// Prose.
const DOC_EXTENSIONS: &[&str] = &[
    "md", "markdown", "mdown", "mkd", "rst", "txt", "adoc", "asciidoc", "rdoc", "textile", "org",
    "pod", "texi", "creole",
];

/// Extensions of programming and markup languages.
const CODE_EXTENSIONS: &[&str] = &[
    // C family, systems
    "c",
    "h",
    "cc",
    "cpp",
    "cxx",
    "c++",
    "hh",
    "hpp",
    "hxx",
    "inl",
    "ipp",
    "m",
    "mm",
    "cu",
    "cuh",
    "s",
    "asm",
    "rs",
    "go",
    "zig",
    "d",
    "nim",
    "v",
    "sv",
    "vhd",
    "vhdl",
    "f",
    "f90",
    "f95",
    "pas",
    // JVM, .NET
    "java",
    "kt",
    "kts",
    "scala",
    "groovy",
    "clj",
    "cljs",
    "cljc",
    "cs",
    "fs",
    "fsx",
    "vb",
    // scripting
    "py",
    "pyx",
    "pxd",
    "pyi",
    "rb",
    "rake",
    "gemspec",
    "ru",
    "php",
    "pl",
    "pm",
    "lua",
    "tcl",
    "r",
    "jl",
    "sh",
    "bash",
    "zsh",
    "fish",
    "ps1",
    "psm1",
    "bat",
    "cmd",
    "awk",
    "vim",
    "el",
    "lisp",
    "scm",
    "rkt",
    "cmake",
    "mk",
    "m4",
    // functional, other
    "hs",
    "lhs",
    "ml",
    "mli",
    "erl",
    "hrl",
    "ex",
    "exs",
    "elm",
    "purs",
    "swift",
    "dart",
    "cr",
    "hx",
    "sql",
    // web: programming
    "js",
    "mjs",
    "cjs",
    "jsx",
    "ts",
    "tsx",
    "mts",
    "cts",
    "coffee",
    "litcoffee",
    "ls",
    // markup and templates
    "html",
    "htm",
    "xhtml",
    "css",
    "scss",
    "sass",
    "less",
    "styl",
    "vue",
    "svelte",
    "haml",
    "slim",
    "erb",
    "ejs",
    "eex",
    "heex",
    "jade",
    "pug",
    "mustache",
    "hbs",
    "handlebars",
    "twig",
    "liquid",
    "j2",
    "jinja",
    "jinja2",
];

/// Code files without a language extension, by name.
const CODE_NAMES: &[&str] = &[
    "makefile",
    "gnumakefile",
    "rakefile",
    "gemfile",
    "guardfile",
    "capfile",
    "vagrantfile",
    "jakefile",
    "dockerfile",
    "cmakelists.txt",
];

/// The built-in kind of a path (`/`-separated, relative to the repository's root).
pub fn classify(path: &str) -> FileKind {
    let lower = path.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('/').collect();
    let (name, dirs) = parts.split_last().unwrap_or((&"", &[]));
    let in_dir = |list: &[&str]| dirs.iter().any(|d| list.contains(d));
    let at_root = |list: &[&str]| dirs.first().is_some_and(|d| list.contains(d));
    let extension = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let stem = name.split('.').next().unwrap_or("");

    if GENERATED_NAMES.contains(name)
        || GENERATED_SUFFIXES.iter().any(|s| name.ends_with(s))
        || GENERATED_PREFIXES.iter().any(|p| name.starts_with(p))
        || name.contains("_generated.")
        || name.contains(".generated.")
        || in_dir(GENERATED_DIRS)
    {
        return FileKind::Generated;
    }
    let jquery = name.starts_with("jquery") && extension == "js";
    if in_dir(VENDORED_DIRS)
        || at_root(VENDORED_ROOT_DIRS)
        || dirs.windows(2).any(|w| w == ["godeps", "_workspace"])
        || VENDORED_NAMES.contains(name)
        || jquery
    {
        return FileKind::Vendored;
    }
    if in_dir(DOC_DIRS) || at_root(DOC_ROOT_DIRS) {
        return FileKind::Documentation;
    }
    if CODE_NAMES.contains(name) || (name.contains('.') && CODE_EXTENSIONS.contains(&extension)) {
        return FileKind::Code;
    }
    if DOC_STEMS.contains(&stem) || DOC_EXTENSIONS.contains(&extension) {
        return FileKind::Documentation;
    }
    FileKind::Other
}

/// Which files count as code: the built-in rules with the user's globs (`[knowledge]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileRules {
    /// Globs of files that never count, whatever their kind.
    pub exclude: Vec<String>,
    /// Globs of files that count as code although the built-in rules say otherwise.
    pub include: Vec<String>,
}

impl FileRules {
    pub fn new(include: &[String], exclude: &[String]) -> FileRules {
        FileRules {
            exclude: exclude.to_vec(),
            include: include.to_vec(),
        }
    }

    /// Whether a path's knowledge counts: not excluded, and included or code.
    pub fn is_code(&self, path: &str) -> bool {
        if self.exclude.iter().any(|g| glob_matches(g, path)) {
            return false;
        }
        self.include.iter().any(|g| glob_matches(g, path)) || classify(path) == FileKind::Code
    }
}

/// Whether a glob matches a path. `*` is any text within one path segment, `?` one character
/// of it, `**` any number of whole segments (`docs/**`, `**/fixtures/**`). A glob without `/`
/// matches a file name at any depth (`*.json`); one with `/` matches from the root (a leading
/// `/` is allowed). A glob naming a directory (`vendor/`) matches everything under it.
pub fn glob_matches(glob: &str, path: &str) -> bool {
    let glob = glob.trim();
    let glob = glob.strip_prefix('/').unwrap_or(glob);
    let owned;
    let glob = if let Some(dir) = glob.strip_suffix('/') {
        owned = format!("{dir}/**");
        owned.as_str()
    } else {
        glob
    };
    let path_parts: Vec<&str> = path.split('/').collect();
    if !glob.contains('/') {
        return path_parts
            .last()
            .is_some_and(|name| segment_matches(glob.as_bytes(), name.as_bytes()));
    }
    let glob_parts: Vec<&str> = glob.split('/').collect();
    parts_match(&glob_parts, &path_parts)
}

fn parts_match(glob: &[&str], path: &[&str]) -> bool {
    match glob.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| parts_match(rest, &path[skip..])),
        Some((first, rest)) => path.split_first().is_some_and(|(segment, tail)| {
            segment_matches(first.as_bytes(), segment.as_bytes()) && parts_match(rest, tail)
        }),
    }
}

fn segment_matches(glob: &[u8], text: &[u8]) -> bool {
    match glob.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| segment_matches(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && segment_matches(rest, &text[1..]),
        Some((c, rest)) => text
            .split_first()
            .is_some_and(|(t, tail)| t == c && segment_matches(rest, tail)),
    }
}

/// The module of a path: its top two levels (`src/jobs/mod.rs` → `src/jobs`), or its top-level
/// directory for a file directly in it (`lib/x.rb` → `lib`); a file at the root is in none.
/// `knowledge_silo`'s unit, and the simulator's truth of it.
pub fn module_of(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.len() {
        0 | 1 => None,
        2 => Some(parts[0].to_string()),
        _ => Some(format!("{}/{}", parts[0], parts[1])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified_by_the_documented_rules() {
        use FileKind::*;
        for (path, kind) in [
            ("src/main.rs", Code),
            ("lib/thor/actions.rb", Code),
            ("index.js", Code),
            ("templates/page.html.erb", Code),
            ("Rakefile", Code),
            ("tools/CMakeLists.txt", Code),
            ("test/helper.rb", Code),
            ("script/install.sh", Code),
            ("lib/history.rb", Code),
            ("Cargo.lock", Generated),
            ("go.sum", Generated),
            ("web/package-lock.json", Generated),
            ("yarn.lock", Generated),
            ("api/v1/service.pb.go", Generated),
            ("proto/service_pb2.py", Generated),
            ("src/parser_generated.rs", Generated),
            ("unix/zerrors_linux_amd64.go", Generated),
            ("static/app.min.js", Generated),
            ("gen/api/client.go", Generated),
            ("vendor/github.com/x/y.go", Vendored),
            ("src/third_party/zlib/inflate.c", Vendored),
            ("node_modules/left-pad/index.js", Vendored),
            ("deps/lua/src/lapi.c", Vendored),
            ("lib/deps/x.js", Code),
            ("public/js/jquery-1.11.2.js", Vendored),
            ("gradlew", Vendored),
            ("docs/conf.py", Documentation),
            ("doc/guide.md", Documentation),
            ("examples/server.js", Documentation),
            ("man/git.1", Documentation),
            ("README.md", Documentation),
            ("LICENSE", Documentation),
            ("CHANGELOG", Documentation),
            ("notes/design.rst", Documentation),
            ("go.mod", Other),
            ("Cargo.toml", Other),
            ("config/settings.yml", Other),
            ("test/fixtures/google_reverse", Other),
            ("assets/logo.png", Other),
            ("pom.xml", Other),
        ] {
            assert_eq!(classify(path), kind, "{path}");
        }
    }

    #[test]
    fn globs_match_names_anywhere_and_paths_from_the_root() {
        assert!(glob_matches("*.json", "a/b/c.json"));
        assert!(!glob_matches("*.json", "a/b/c.jsonl"));
        assert!(glob_matches("docs/**", "docs/a/b.py"));
        assert!(glob_matches("docs/", "docs/a/b.py"));
        assert!(!glob_matches("docs/**", "src/docs/b.py"));
        assert!(glob_matches("**/fixtures/**", "test/fixtures/x.rb"));
        assert!(glob_matches("/src/*.rs", "src/a.rs"));
        assert!(!glob_matches("src/*.rs", "src/x/a.rs"));
        assert!(glob_matches("src/**/*.rs", "src/x/y/a.rs"));
        assert!(glob_matches("src/**/*.rs", "src/a.rs"));
        assert!(glob_matches("file?.c", "x/file1.c"));
    }

    #[test]
    fn the_users_globs_override_the_built_in_rules_exclude_first() {
        let rules = FileRules::new(
            &["docs/**/*.py".to_string(), "schema/*.json".to_string()],
            &["src/legacy/**".to_string(), "docs/internal/**".to_string()],
        );
        assert!(rules.is_code("src/main.rs"));
        assert!(!rules.is_code("src/legacy/old.rs"));
        assert!(rules.is_code("docs/tools/build.py"));
        assert!(!rules.is_code("docs/internal/x.py"));
        assert!(rules.is_code("schema/a.json"));
        assert!(!rules.is_code("README.md"));
        assert!(FileRules::default().is_code("lib/a.rb"));
    }
}
