//! Questionnaires as data: the built-in public-domain instruments, checks on
//! instruments a deploying organisation adds, and scoring.

use super::model::{
    Answer, AnswerOption, QuestionnaireDefinition, QuestionnaireResult, SafetyFlag,
};
use crate::error::{PphError, Result};
use std::collections::HashSet;
use std::sync::OnceLock;

const BUILT_IN: &str = concat!(
    "[",
    include_str!("data/phq9.json"),
    ",",
    include_str!("data/gad7.json"),
    ",",
    include_str!("data/mrc.json"),
    "]"
);

/// The instruments that ship in the app, parsed once.
pub(crate) fn built_in() -> Result<&'static [QuestionnaireDefinition]> {
    static PARSED: OnceLock<Result<Vec<QuestionnaireDefinition>, String>> = OnceLock::new();
    super::embedded(&PARSED, BUILT_IN)
}

/// What the shell shows with a flag raised by an instrument this device
/// does not have (one a deploying organisation added on another device).
const FLAG_WITHOUT_ITS_INSTRUMENT: &str = "An answer here raised a safety flag. \
If you might be in danger now, call 999 or go to A&E; for urgent help, call NHS 111. \
Please tell your GP or care team.";

/// Sets each of `result`'s flags' message from its instrument's safety
/// rule: a record holds only the flag's code (the message's length, stored,
/// would say a flag was raised; docs/adr/0022-padding.md).
pub(crate) fn tell_flags(
    definitions: &[QuestionnaireDefinition],
    result: &mut QuestionnaireResult,
) {
    let rules = definitions
        .iter()
        .find(|d| d.code == result.code)
        .map_or(&[][..], |d| &d.safety[..]);
    for flag in &mut result.flags {
        flag.message = rules
            .iter()
            .find(|r| r.flag == flag.flag)
            .map_or(FLAG_WITHOUT_ITS_INSTRUMENT, |r| &r.message)
            .to_owned();
    }
}

/// What scoring produced.
pub(crate) struct Scored {
    pub score: i32,
    pub band: String,
    pub flags: Vec<SafetyFlag>,
}

impl QuestionnaireDefinition {
    fn options_for(&self, index: usize) -> &[AnswerOption] {
        self.items[index]
            .options
            .as_deref()
            .unwrap_or(&self.options)
    }

    /// An added instrument must be usable: a code, items with unique ids and
    /// answers, bands covering every possible score, rules on real items.
    pub(crate) fn validate(&self) -> Result<(), PphError> {
        let code_ok = !self.code.is_empty()
            && self.code.len() <= 40
            && self
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            return Err(PphError::validation(
                "code",
                "lower-case letters, digits and _ only",
            ));
        }
        if self.title.trim().is_empty() {
            return Err(PphError::validation("title", "must not be empty"));
        }
        if self.items.is_empty() {
            return Err(PphError::validation("items", "at least one item"));
        }
        let mut ids = HashSet::new();
        for (i, item) in self.items.iter().enumerate() {
            if item.link_id.is_empty() || !ids.insert(item.link_id.as_str()) {
                return Err(PphError::validation(
                    "items.link_id",
                    "each item needs its own id",
                ));
            }
            if self.options_for(i).is_empty() {
                return Err(PphError::validation(
                    "options",
                    "every item needs answer options",
                ));
            }
        }
        let (lowest, highest) = self.score_range();
        for score in lowest..=highest {
            if !self.bands.iter().any(|b| b.min <= score && score <= b.max) {
                return Err(PphError::validation(
                    "bands",
                    format!("no band for a score of {score}"),
                ));
            }
        }
        if let Some(rule) = self
            .safety
            .iter()
            .find(|r| !ids.contains(r.link_id.as_str()))
        {
            return Err(PphError::validation(
                "safety",
                format!("rule on unknown item {}", rule.link_id),
            ));
        }
        Ok(())
    }

    fn score_range(&self) -> (i32, i32) {
        (0..self.items.len()).fold((0, 0), |(lo, hi), i| {
            let values = self.options_for(i).iter().map(|o| o.value);
            (
                lo + values.clone().min().unwrap_or(0),
                hi + values.max().unwrap_or(0),
            )
        })
    }

    /// Every item answered exactly once with one of its values; the score is
    /// the sum, the band the one containing it, and each safety rule met
    /// raises its flag.
    pub(crate) fn score(&self, answers: &[Answer]) -> Result<Scored, PphError> {
        let mut seen = HashSet::new();
        for a in answers {
            if !self.items.iter().any(|i| i.link_id == a.link_id) {
                return Err(PphError::validation(
                    "answers",
                    format!("no item {}", a.link_id),
                ));
            }
            if !seen.insert(a.link_id.as_str()) {
                return Err(PphError::validation(
                    "answers",
                    format!("item {} answered twice", a.link_id),
                ));
            }
        }
        let mut score = 0;
        for (i, item) in self.items.iter().enumerate() {
            let field = format!("answers.{}", item.link_id);
            let answer = answers
                .iter()
                .find(|a| a.link_id == item.link_id)
                .ok_or_else(|| PphError::validation(&field, "not answered"))?;
            if !self.options_for(i).iter().any(|o| o.value == answer.value) {
                return Err(PphError::validation(&field, "not one of the answer values"));
            }
            score += answer.value;
        }
        let band = self
            .bands
            .iter()
            .find(|b| b.min <= score && score <= b.max)
            .map(|b| b.label.clone())
            .ok_or_else(|| PphError::Internal {
                reason: format!("{} has no band for its score", self.code),
            })?;
        let flags = self
            .safety
            .iter()
            .filter(|rule| {
                answers
                    .iter()
                    .any(|a| a.link_id == rule.link_id && a.value >= rule.min_value)
            })
            .map(|rule| SafetyFlag {
                flag: rule.flag.clone(),
                message: rule.message.clone(),
            })
            .collect();
        Ok(Scored { score, band, flags })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(values: &[i32]) -> Vec<Answer> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Answer {
                link_id: (i + 1).to_string(),
                value: *v,
            })
            .collect()
    }

    fn instrument(code: &str) -> QuestionnaireDefinition {
        built_in()
            .expect("built-ins parse")
            .iter()
            .find(|q| q.code == code)
            .cloned()
            .expect("present")
    }

    #[test]
    fn built_ins_are_valid_data() {
        for q in built_in().expect("parse") {
            q.validate().expect(&q.code);
        }
    }

    #[test]
    fn phq9_bands_and_the_item_9_flag() {
        let phq9 = instrument("phq9");
        let s = phq9
            .score(&answers(&[1, 1, 1, 1, 1, 0, 0, 0, 0]))
            .expect("score");
        assert_eq!((s.score, s.band.as_str(), s.flags.len()), (5, "mild", 0));
        let s = phq9
            .score(&answers(&[3, 3, 3, 3, 3, 3, 2, 0, 0]))
            .expect("score");
        assert_eq!((s.score, s.band.as_str()), (20, "severe"));
        let s = phq9
            .score(&answers(&[0, 0, 0, 0, 0, 0, 0, 0, 1]))
            .expect("score");
        assert_eq!((s.score, s.band.as_str()), (1, "minimal"));
        assert_eq!(
            s.flags.len(),
            1,
            "any item 9 answer above 0 raises the flag"
        );
        assert_eq!(s.flags[0].flag, "self_harm_thoughts");
        assert!(s.flags[0].message.contains("116 123"));
    }

    #[test]
    fn gad7_and_mrc_score() {
        let gad7 = instrument("gad7");
        let s = gad7.score(&answers(&[2, 2, 2, 2, 2, 2, 3])).expect("score");
        assert_eq!((s.score, s.band.as_str()), (15, "severe"));
        let mrc = instrument("mrc_dyspnoea");
        let s = mrc
            .score(&[Answer {
                link_id: "grade".into(),
                value: 3,
            }])
            .expect("score");
        assert_eq!((s.score, s.band.as_str()), (3, "grade 3"));
    }

    #[test]
    fn missing_duplicate_unknown_and_out_of_range_answers_are_refused() {
        let phq9 = instrument("phq9");
        let field = |r: Result<Scored, PphError>| match r {
            Err(PphError::Validation { field, .. }) => field,
            Err(e) => panic!("{e:?}"),
            Ok(_) => panic!("accepted"),
        };
        assert_eq!(
            field(phq9.score(&answers(&[0, 0, 0, 0, 0, 0, 0, 0]))),
            "answers.9"
        );
        assert_eq!(
            field(phq9.score(&answers(&[0, 0, 0, 0, 0, 0, 0, 0, 4]))),
            "answers.9"
        );
        assert_eq!(
            field(phq9.score(&answers(&[0, 0, 0, 0, 0, 0, 0, 0, -1]))),
            "answers.9"
        );
        let mut twice = answers(&[0; 9]);
        twice.push(Answer {
            link_id: "3".into(),
            value: 1,
        });
        assert_eq!(field(phq9.score(&twice)), "answers");
        let mut stray = answers(&[0; 9]);
        stray.push(Answer {
            link_id: "10".into(),
            value: 0,
        });
        assert_eq!(field(phq9.score(&stray)), "answers");
    }

    #[test]
    fn an_added_instrument_needs_bands_for_every_score() {
        let mut q = instrument("gad7");
        q.code = "local_scale".into();
        q.bands.pop();
        assert!(
            matches!(q.validate(), Err(PphError::Validation { field, .. }) if field == "bands")
        );
    }
}
