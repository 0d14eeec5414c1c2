//! Screening what a spend says against what a personal health budget may
//! not buy. Pure: the terms come from the store (`budget_exclusion_terms`,
//! data a deploying organisation extends); this matches them in free text
//! whatever its case, punctuation or plurals ("Alcohol.", "cigarettes",
//! "Wines & spirits" all match), as whole words so that "ginger" is not
//! "gin".

/// Lower-case words of `text`, each made singular, in order.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(singular)
        .collect()
}

/// A term as it is stored and matched: its words, singular, one space apart.
pub(crate) fn normalise_term(term: &str) -> String {
    words(term).join(" ")
}

/// English plurals well enough for the words budgets meet: "lotteries",
/// "boxes", "cigarettes"; "glass", "bus" and "gas" stay as they are.
fn singular(word: &str) -> String {
    let n = word.chars().count();
    if n > 4 && word.ends_with("ies") {
        return format!("{}y", &word[..word.len() - 3]);
    }
    for ending in ["sses", "shes", "ches", "xes", "zes"] {
        if n > ending.len() + 1 && word.ends_with(ending) {
            return word[..word.len() - 2].to_owned();
        }
    }
    if n > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        return word[..word.len() - 1].to_owned();
    }
    word.to_owned()
}

/// The first term (with what it belongs to) found in `text` as whole words.
pub(crate) fn screen<'t, T>(text: &str, terms: &'t [(String, T)]) -> Option<&'t T> {
    let words = words(text);
    terms.iter().find_map(|(term, what)| {
        let term: Vec<&str> = term.split(' ').collect();
        let found = !term.is_empty()
            && words
                .windows(term.len())
                .any(|w| w.iter().map(String::as_str).eq(term.iter().copied()));
        found.then_some(what)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> Vec<(String, &'static str)> {
        [
            ("alcohol", "alcohol"),
            ("alcoholic", "alcohol"),
            ("wine", "alcohol"),
            ("spirit", "alcohol"),
            ("gin", "alcohol"),
            ("off licence", "alcohol"),
            ("betting", "gambling"),
            ("lottery", "gambling"),
            ("cigarette", "tobacco"),
            ("vape", "tobacco"),
        ]
        .into_iter()
        .map(|(t, c)| (normalise_term(t), c))
        .collect()
    }

    #[test]
    fn the_words_people_write_are_caught_whatever_their_case_or_number() {
        let terms = terms();
        for (text, rule) in [
            ("alcoholic drinks", "alcohol"),
            ("Wine", "alcohol"),
            ("Alcohol.", "alcohol"),
            ("WINES & SPIRITS", "alcohol"),
            ("the off-licence on the corner", "alcohol"),
            ("betting", "gambling"),
            ("Lotteries", "gambling"),
            ("cigarettes", "tobacco"),
            ("vapes and refills", "tobacco"),
        ] {
            assert_eq!(screen(text, &terms), Some(&rule), "{text}");
        }
    }

    #[test]
    fn words_that_only_contain_a_term_pass() {
        let terms = terms();
        for text in [
            "Ginger tea",
            "Swimming lessons",
            "Alphabet stickers",
            "Bus pass",
            "Physiotherapy",
            "",
        ] {
            assert_eq!(screen(text, &terms), None, "{text}");
        }
    }

    #[test]
    fn plurals_become_singular_without_mangling_short_words() {
        assert_eq!(
            words("Boxes, glasses; bus & gas!"),
            ["box", "glass", "bus", "gas"]
        );
        assert_eq!(words("Therapies"), ["therapy"]);
        assert_eq!(normalise_term("  Off-Licences "), "off licence");
    }
}
