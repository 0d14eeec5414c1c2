//! Generates the Python and Kotlin bindings from the library built from the
//! current sources (see `library`) and runs the foreign test suites against a real encrypted store; checks
//! the iOS shell's calls against the generated Swift bindings, and builds
//! and runs its state holders in Swift where a toolchain is installed.
//! Tools come from scripts/install-test-tools.sh and scripts/install-swift.sh.

use pph_server::{Backend, EmbeddedServer};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

/// The debug library the suites load, made from the current sources: the
/// one scripts/test.sh built and names in `PPH_FFI_LIBRARY`, or else one
/// built here by cargo. `cargo test` itself builds no cdylib for this crate
/// (it has no rlib, so that the release library gets LTO), and a library
/// found lying in the target directory may be from older sources; so
/// either way it must be newer than every source it is made from.
fn library() -> &'static Path {
    static LIBRARY: OnceLock<PathBuf> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        let lib = match std::env::var_os("PPH_FFI_LIBRARY") {
            Some(path) => PathBuf::from(path),
            None => build_library(),
        };
        assert!(lib.is_file(), "{} not built", lib.display());
        let (source, changed) = newest_source(&lib);
        assert!(
            modified(&lib) >= changed,
            "{} is older than {}: a stale library; build it with \
             `cargo build -p pph-ffi --lib` (scripts/test.sh does)",
            lib.display(),
            source.display()
        );
        lib
    })
}

/// Builds the library with the cargo running this test, and returns the
/// cdylib cargo reports.
fn build_library() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "-p", "pph-ffi", "--lib"])
        .arg("--message-format=json-render-diagnostics")
        .current_dir(manifest_dir())
        .output()
        .expect("run cargo build");
    assert!(
        output.status.success(),
        "cargo build -p pph-ffi --lib failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let suffix = std::env::consts::DLL_SUFFIX;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "pph_ffi")
        .flat_map(|m| m["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(PathBuf::from))
        .find(|f| f.to_string_lossy().ends_with(suffix))
        .expect("cargo reported no cdylib for pph-ffi")
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The most recently changed file the library was built from, by the
/// dep-info cargo writes beside it (every source file of every crate it
/// links, the included SQL and the build scripts among them).
fn newest_source(lib: &Path) -> (PathBuf, SystemTime) {
    let info = lib.with_extension("d");
    let text = std::fs::read_to_string(&info).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; cargo writes it beside the library it builds",
            info.display()
        )
    });
    text.lines()
        .filter_map(|line| line.split_once(": ").map(|(_, deps)| deps))
        .flat_map(|deps| {
            // Spaces inside a path are escaped with a backslash.
            let deps = deps.replace("\\ ", "\u{0}");
            deps.split_whitespace()
                .map(|d| PathBuf::from(d.replace('\u{0}', " ")))
                .collect::<Vec<_>>()
        })
        .map(|source| {
            let when = modified(&source);
            (source, when)
        })
        .max_by_key(|(_, when)| *when)
        .unwrap_or_else(|| panic!("{} names no sources", info.display()))
}

/// Where the library is, for JNA's search path.
fn library_dir() -> &'static Path {
    library().parent().expect("the library's directory")
}

fn generate(language: &str, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_uniffi-bindgen"))
        .args(["generate", "--library"])
        .arg(library())
        .args(["--language", language, "--out-dir"])
        .arg(out)
        .status()
        .expect("run uniffi-bindgen");
    assert!(status.success(), "uniffi-bindgen {language} failed");
}

/// This crate's directory, read when the test runs: a binary reused from a
/// shared target directory may have been built in another checkout, whose
/// path `env!` would have baked in.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

fn tests_dir() -> PathBuf {
    manifest_dir().join("tests")
}

fn run(cmd: &mut Command, what: &str) {
    let output = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{text}");
    assert!(output.status.success(), "{what} failed:\n{text}");
}

/// A real sync server on loopback for the suites' sync tests; they read the
/// sign-up codes it mails from its Maildir (PPH_TEST_MAIL_DIR).
fn server(dir: &Path) -> EmbeddedServer {
    EmbeddedServer::start(
        Backend::Sqlite(dir.join("server.db")),
        &dir.join("relay-mail"),
    )
    .expect("start server")
}

#[test]
fn python_bindings_pass_the_suites() {
    let out = tempfile::tempdir().expect("tempdir");
    let server = server(out.path());
    generate("python", out.path());
    std::fs::copy(
        library(),
        out.path().join(library().file_name().expect("name")),
    )
    .expect("copy lib");
    run(
        Command::new("python3")
            // Every test_*.py here, so a new suite cannot be left out.
            .args(["-m", "unittest", "discover", "-v", "-p", "test_*.py"])
            .current_dir(tests_dir().join("python"))
            .env("PYTHONPATH", out.path())
            .env("PPH_TEST_SERVER_URL", &server.url)
            .env("PPH_TEST_MAIL_DIR", &server.mail_dir)
            .env("PYTHONDONTWRITEBYTECODE", "1"),
        "python suites",
    );
}

/// `kotlinc` when on PATH, else the compiler inside the fat jar.
fn kotlin_compiler() -> Option<(Command, Option<PathBuf>)> {
    if Command::new("kotlinc").arg("-version").output().is_ok() {
        return Some((Command::new("kotlinc"), None));
    }
    let jar = std::env::var_os("PPH_KOTLIN_JAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/pph-tools/kotlin-all.jar"));
    jar.exists().then(|| {
        let mut cmd = Command::new("java");
        cmd.arg("-cp")
            .arg(&jar)
            .arg("org.jetbrains.kotlin.cli.jvm.K2JVMCompiler")
            .arg("-no-stdlib");
        (cmd, Some(jar))
    })
}

/// The Android app's plain-Kotlin state holders and their JVM test.
fn android_state_sources() -> Vec<PathBuf> {
    let app = manifest_dir().join("../android/app/src");
    let mut files = Vec::new();
    for dir in [
        "main/kotlin/org/pph/companion/state",
        "test/kotlin/org/pph/companion/state",
    ] {
        let entries = std::fs::read_dir(app.join(dir)).expect("android state sources");
        files.extend(entries.map(|e| e.expect("entry").path()));
    }
    files.sort();
    files
}

#[test]
fn kotlin_bindings_pass_the_suite() {
    let jna = PathBuf::from("/usr/share/java/jna.jar");
    let compiler = kotlin_compiler();
    assert!(
        jna.exists() && compiler.is_some(),
        "the Kotlin suite needs JNA and a Kotlin compiler: run scripts/install-test-tools.sh"
    );
    let (mut kotlinc, jar) = compiler.expect("checked");
    let out = tempfile::tempdir().expect("tempdir");
    let server = server(out.path());
    generate("kotlin", &out.path().join("src"));
    let classes = out.path().join("classes");
    let sep = if cfg!(windows) { ";" } else { ":" };
    let classpath = match &jar {
        Some(jar) => format!("{}{sep}{}", jar.display(), jna.display()),
        None => jna.display().to_string(),
    };
    run(
        kotlinc
            .arg("-nowarn")
            .arg("-cp")
            .arg(&classpath)
            .arg(out.path().join("src/uniffi/pph/pph.kt"))
            .arg(tests_dir().join("kotlin/CompanionTest.kt"))
            .arg(tests_dir().join("kotlin/SyncTest.kt"))
            .args(android_state_sources())
            .arg("-d")
            .arg(&classes),
        "kotlin compile",
    );
    let runtime_cp = match &jar {
        Some(_) => format!("{classpath}{sep}{}", classes.display()),
        None => format!("{classpath}{sep}{}", classes.display()),
    };
    run(
        Command::new("java")
            .arg(format!("-Djna.library.path={}", library_dir().display()))
            .arg("-cp")
            .arg(&runtime_cp)
            .arg("CompanionTestKt")
            .env("PPH_TEST_SERVER_URL", &server.url)
            .env("PPH_TEST_MAIL_DIR", &server.mail_dir),
        "kotlin suite",
    );
    run(
        Command::new("java")
            .arg(format!("-Djna.library.path={}", library_dir().display()))
            .arg("-cp")
            .arg(&runtime_cp)
            .arg("org.pph.companion.state.StateHoldersTestKt")
            .env("PPH_TEST_SERVER_URL", &server.url)
            .env("PPH_TEST_MAIL_DIR", &server.mail_dir),
        "android state holders on the JVM",
    );
}

/// No Swift compiler runs here, so the iOS shell's calls into the core are
/// checked by name and argument labels against freshly generated bindings.
#[test]
fn ios_shell_calls_match_the_swift_bindings() {
    let out = tempfile::tempdir().expect("tempdir");
    generate("swift", out.path());
    let ios_app = manifest_dir().join("../ios/App");
    run(
        Command::new("python3")
            .arg(tests_dir().join("swift/check_calls.py"))
            .arg(out.path().join("pph.swift"))
            .arg(ios_app)
            .env("PYTHONDONTWRITEBYTECODE", "1"),
        "swift call check",
    );
}

/// The iOS state holders (ios/App/State), compiled with the generated Swift
/// bindings by a real Swift compiler and run against the real core and a
/// real server. Swift runs inside the Debian root that
/// scripts/install-swift.sh makes (`PPH_SWIFT_ROOT`); without one the suite
/// skips loudly, and fails under `CI=true`.
#[test]
fn ios_state_holders_pass_the_suite_in_swift() {
    let Some(root) = pph_testing::Service::Swift.get().map(PathBuf::from) else {
        return;
    };
    let work = tempfile::Builder::new()
        .prefix("pph-swift-")
        .tempdir_in(root.join("tmp"))
        .expect("work dir inside the Swift root");
    let server = server(work.path());
    generate("swift", work.path());
    let ios = manifest_dir().join("../ios");
    let copy = |from: PathBuf, to: &str| {
        std::fs::copy(&from, work.path().join(to))
            .unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    };
    copy(library().to_path_buf(), "libpph_ffi.so");
    copy(ios.join("Tests/LinuxShims/Combine.swift"), "Combine.swift");
    copy(ios.join("Tests/StateHolders/main.swift"), "main.swift");
    copy(
        tests_dir().join("swift/build_and_run.sh"),
        "build_and_run.sh",
    );
    std::fs::create_dir(work.path().join("State")).expect("State dir");
    for entry in std::fs::read_dir(ios.join("App/State")).expect("ios/App/State") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        copy(path, &format!("State/{name}"));
    }
    let inside = Path::new("/tmp").join(work.path().file_name().expect("work name"));
    run(
        Command::new("chroot")
            .arg(&root)
            .args(["sh", "-c", "cd \"$1\" && sh build_and_run.sh", "sh"])
            .arg(&inside)
            .env("PPH_TEST_SERVER_URL", &server.url)
            // The Maildir as the chroot sees it.
            .env("PPH_TEST_MAIL_DIR", inside.join("relay-mail")),
        "swift state holders",
    );
}
