//! The `pph` command as a person runs it: one store file and its key file,
//! one invocation at a time.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Pph {
    pub db: PathBuf,
    key_file: PathBuf,
}

impl Pph {
    /// A person's store `{name}.db` in `dir`, with a key made by `pph key new`.
    pub fn new(dir: &Path, name: &str) -> Pph {
        let key_file = dir.join(format!("{name}.key"));
        let made = Command::new(crate::built("e2e_pph"))
            .args(["key", "new"])
            .arg(&key_file)
            .output()
            .expect("run pph key new");
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        Pph {
            db: dir.join(format!("{name}.db")),
            key_file,
        }
    }

    /// The flags that name this store and its key.
    pub fn flags(&self) -> Vec<std::ffi::OsString> {
        vec![
            "--db".into(),
            self.db.clone().into(),
            "--key-file".into(),
            self.key_file.clone().into(),
        ]
    }

    /// One invocation; `PPH_PASSWORD` set when `password` is given.
    pub fn run_with(&self, args: &[&str], password: Option<&str>) -> Output {
        let env: Vec<(&str, &str)> = password.map(|p| ("PPH_PASSWORD", p)).into_iter().collect();
        self.run_env(args, &env)
    }

    /// One invocation with these secrets in its environment (passwords,
    /// a recovery code), and no others.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(crate::built("e2e_pph"));
        command
            .arg("--db")
            .arg(&self.db)
            .arg("--key-file")
            .arg(&self.key_file)
            .args(args)
            .env_remove("PPH_KEY")
            .env_remove("PPH_DB")
            .env_remove("PPH_PASSWORD")
            .env_remove("PPH_NEW_PASSWORD")
            .env_remove("PPH_RECOVERY_CODE")
            .envs(env.iter().copied());
        command.output().expect("run pph")
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, None)
    }

    /// `pph [before…] sync signup` as a person runs it: once to have a code
    /// mailed (which must succeed), then with the code read in the mail
    /// and `password`; the second run's output.
    pub fn sign_up(
        &self,
        before: &[&str],
        (url, email, name, role): (&str, &str, &str, &str),
        password: &str,
    ) -> Output {
        let ask = [
            "sync", "signup", "--server", url, "--email", email, "--name", name, "--role", role,
        ];
        let asked = succeeded(&ask, &self.run(&ask));
        assert!(asked.contains("code"), "{asked}");
        let code = crate::last_code(url, email).expect("a code in the mail");
        let mut args = before.to_vec();
        args.extend_from_slice(&ask);
        args.extend_from_slice(&["--code", &code]);
        self.run_with(&args, Some(password))
    }

    /// Stdout of an invocation that must succeed with nothing on stderr.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        succeeded(args, &out)
    }

    /// The id (or code) a creating command prints.
    pub fn id(&self, args: &[&str]) -> String {
        self.ok(args).trim().to_owned()
    }

    /// The JSON document of an invocation with `--json`.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut with_json = vec!["--json"];
        with_json.extend_from_slice(args);
        serde_json::from_str(&self.ok(&with_json)).expect("one JSON document")
    }

    /// The exit status and stderr of an invocation that must fail.
    pub fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        (
            out.status.code().expect("an exit status"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// Stdout of a successful invocation (stderr must be empty: no stray logs).
pub fn succeeded(args: &[&str], out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    assert_eq!(stderr, "", "{args:?} wrote to stderr");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
