//! How guessable a new password is, judged on the device (the relay never
//! sees it), as NIST SP 800-63B (5.1.1.2) asks of a verifier: not one of
//! the passwords people choose most, not a repeat, a sequence or a keyboard
//! row, not built from what the person typed about themselves. The
//! judgement follows zxcvbn's (Dropbox's estimator): a password is split
//! into the guessable parts it would try first, and what is left must
//! carry enough on its own. The zxcvbn crate itself, with its dictionaries
//! and regular expressions, would add 2.3 MB to the phones' library, past
//! its 8 MiB goal (docs/PERFORMANCE.md); its list of the 10,000 most
//! common passwords (MIT, from the crate) is kept here instead.

/// The 10,000 most common passwords of four letters or digits or more,
/// lower case, most common first (zxcvbn's list, MIT licence).
const COMMON: &str = include_str!("common_passwords.txt");
/// Keyboard rows and the alphabet, forwards: a run along one, either way,
/// is a sequence.
const SEQUENCES: [&str; 5] = [
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
];
/// Letters and digits a password must keep once its guessable parts are
/// taken out.
const LEAST_LEFT: usize = 6;
/// Different characters a password must use.
const LEAST_DISTINCT: usize = 5;
const ADD_WORDS: &str = "Add another word or two. Uncommon words are better.";

/// Why `password` is too easy to guess, with what to do; None when it is
/// not. `known` is what the person typed about themselves (email, name).
pub fn weakness(password: &str, known: &[&str]) -> Option<String> {
    let lower = password.to_lowercase();
    let plain = alphanumeric(&lower);
    let word = lower.trim_matches(|c: char| !c.is_alphabetic());
    let say = |warning: &str, suggestion: &str| Some(format!("{warning} {suggestion}"));
    if [
        plain.clone(),
        alphanumeric(word),
        alphanumeric(&unleet(word)),
    ]
    .iter()
    .any(|candidate| is_common(candidate))
    {
        return say("This is a very common password.", ADD_WORDS);
    }
    if two_common(&alphanumeric(word)) || two_common(&alphanumeric(&unleet(word))) {
        return say(
            "Two common passwords together are easy to guess.",
            ADD_WORDS,
        );
    }
    let distinct: std::collections::BTreeSet<char> = plain.chars().collect();
    if repeats(&plain) || distinct.len() < LEAST_DISTINCT {
        return say(
            "Repeats like \"aaa\" or \"abcabc\" are easy to guess.",
            "Avoid repeated words and characters.",
        );
    }
    if along_a_sequence(&plain) {
        return say(
            "Sequences like abc, 6543 or qwerty are easy to guess.",
            "Avoid sequences.",
        );
    }
    if plain.chars().all(|c| c.is_ascii_digit()) {
        return say(
            "Digits alone (a date, a phone number) are easy to guess.",
            ADD_WORDS,
        );
    }
    if built_from(&plain, known) {
        return say(
            "A password built from your email or name is easy to guess.",
            ADD_WORDS,
        );
    }
    // Three words or more written apart are a passphrase, rated by them.
    let passphrase = password.split_whitespace().count() >= 3;
    if !passphrase
        && [plain.clone(), alphanumeric(&unleet(&lower))]
            .iter()
            .any(|candidate| little_besides_common_words(candidate))
    {
        return say(
            "A common word with a few digits or letters added is easy to guess.",
            ADD_WORDS,
        );
    }
    None
}

fn alphanumeric(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn is_common(word: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    word.len() >= 4 && SET.get_or_init(|| COMMON.lines().collect()).contains(word)
}

/// Two common passwords one after the other, digits after them aside.
fn two_common(text: &str) -> bool {
    text.char_indices().skip(1).any(|(at, _)| {
        let (first, second) = text.split_at(at);
        is_common(first) && is_common(second.trim_end_matches(|c: char| c.is_ascii_digit()))
    })
}

/// Letters written as digits or symbols, read back as letters.
fn unleet(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'i',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '7' => 't',
            '@' => 'a',
            '$' => 's',
            other => other,
        })
        .collect()
}

/// True when one or two common passwords (of four characters or more),
/// taken out of `text` longest first, leave fewer than `LEAST_LEFT` letters
/// and digits once runs of up to four digits (a year, a PIN) go too:
/// `Summer2024!`, `dragon1987xy`. Three or more common words, or three
/// words written apart, are a passphrase, which zxcvbn too rates by the
/// number of its words.
fn little_besides_common_words(text: &str) -> bool {
    let mut left: Vec<char> = text.chars().collect();
    let mut taken = 0;
    while let Some((at, len)) = longest_common_in(&left) {
        left.drain(at..at + len);
        taken += 1;
    }
    let mut rest = String::new();
    for run in left.chunk_by(|a, b| a.is_ascii_digit() == b.is_ascii_digit()) {
        let digits = run.iter().all(char::is_ascii_digit);
        if !(digits && run.len() <= 4) {
            rest.extend(run);
        }
    }
    (1..3).contains(&taken) && rest.chars().count() < LEAST_LEFT
}

/// Where the longest common password within `text` starts, and its length.
fn longest_common_in(text: &[char]) -> Option<(usize, usize)> {
    (4..=text.len()).rev().find_map(|len| {
        (0..=text.len() - len)
            .find(|&at| is_common(&text[at..at + len].iter().collect::<String>()))
            .map(|at| (at, len))
    })
}

/// One part written twice or more, the last time perhaps cut short.
fn repeats(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    (1..=chars.len() / 2).any(|unit| (0..chars.len()).all(|i| chars[i] == chars[i % unit]))
}

/// Wholly a run along the alphabet, the digits or a keyboard row, either
/// way.
fn along_a_sequence(text: &str) -> bool {
    let backwards: String = text.chars().rev().collect();
    SEQUENCES.iter().any(|row| {
        let cycled = row.repeat(1 + text.len() / row.len().max(1) + 1);
        cycled.contains(text) || cycled.contains(&backwards)
    })
}

/// True when taking every word of `known` (an email's parts, a name's)
/// out of `text` leaves fewer than `LEAST_LEFT` letters.
fn built_from(text: &str, known: &[&str]) -> bool {
    let mut parts: Vec<String> = known
        .iter()
        .flat_map(|k| {
            k.to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|p| p.chars().count() >= 2)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    crate::order::sort_by_key(&mut parts, |p| std::cmp::Reverse(p.len()));
    let mut left = text.to_owned();
    for part in &parts {
        left = left.replace(part.as_str(), "");
    }
    let letters = |t: &str| t.chars().filter(|c| !c.is_ascii_digit()).count();
    left != text && letters(&left) < LEAST_LEFT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_the_most_common_first() {
        let mut lines = COMMON.lines();
        assert_eq!(lines.next(), Some("123456"));
        assert_eq!(COMMON.lines().count(), 10_000);
        assert!(is_common("password"));
    }

    #[test]
    fn guessable_passwords_say_why_and_what_to_do() {
        for (weak, why) in [
            ("password1234", "common"),
            ("P@ssw0rd2024!", "common"),
            ("iloveyou12345", "common"),
            ("aaaaaaaaaaaa", "Repeats"),
            ("abcabcabcabc", "Repeats"),
            ("abcdefghijkl", "Sequences"),
            ("9876543210", "Sequences"),
            ("qwertyuiop", "common"),
            ("lkjhgfdsa;'", "Sequences"),
            ("zyxwvutsrqpo", "Sequences"),
        ] {
            let reason = weakness(weak, &[]).unwrap_or_else(|| panic!("{weak} passed"));
            assert!(reason.contains(why), "{weak}: {reason}");
        }
        for (weak, why) in [
            ("Password2024a", "common word"),
            ("Summer2024!", "common word"),
            ("dragon1987xy", "common word"),
            ("xy!Sunshine!07", "common word"),
            ("d4rkn3ss1999z", "common word"),
            ("monkeydragon", "Two common"),
            ("password!qwerty", "Two common"),
            ("abcdeabcdeab", "Repeats"),
            ("2024-01-15-0612", "Digits alone"),
        ] {
            let reason = weakness(weak, &[]).unwrap_or_else(|| panic!("{weak} passed"));
            assert!(reason.contains(why), "{weak}: {reason}");
        }
        let known = ["ann.smith@example.org", "Ann Smith"];
        let reason = weakness("annsmith1980", &known).expect("built from the email");
        assert!(reason.contains("email or name"), "{reason}");
        let reason = weakness("liwu19851231", &["li.wu@example.org", "Li Wu"]).expect("name");
        assert!(reason.contains("email or name"), "{reason}");
    }

    #[test]
    fn passphrases_and_mixed_passwords_pass() {
        for strong in [
            "a long enough password",
            "correct horse battery",
            "Tr0ub4dor&3xx",
            "tour password, not for real use",
            "after forgetting it",
            "river kettle quietly",
        ] {
            assert_eq!(
                weakness(strong, &["ann@example.org", "Ann"]),
                None,
                "{strong}"
            );
        }
    }
}
