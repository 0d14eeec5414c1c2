//! A group's timebank as the terminal shows it.

use super::lines;
use crate::out::Show;
use pph_core::{
    ExchangePage, ExchangeState, ExchangeView, MemberBalance, TimebankOverview, TimebankPost,
};
use serde::Serialize;

#[derive(Serialize)]
#[serde(transparent)]
pub struct Overview(pub TimebankOverview);

#[derive(Serialize)]
#[serde(transparent)]
pub struct Page(pub ExchangePage);

#[derive(Serialize)]
#[serde(transparent)]
pub struct Balances(pub Vec<MemberBalance>);

/// Minutes as hours and minutes, signed: `+1 h 30 min`, `-45 min`.
pub fn hours(minutes: i64) -> String {
    if minutes == 0 {
        return "0 h".into();
    }
    let sign = if minutes < 0 { "-" } else { "+" };
    let m = minutes.unsigned_abs();
    match (m / 60, m % 60) {
        (0, r) => format!("{sign}{r} min"),
        (h, 0) => format!("{sign}{h} h"),
        (h, r) => format!("{sign}{h} h {r} min"),
    }
}

fn count(n: u32, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn post(p: &TimebankPost) -> String {
    format!(
        "    - {} ({:?}, by {})  id {}",
        p.text, p.category, p.author_name, p.id
    )
}

pub fn exchange(e: &ExchangeView) -> String {
    let state = match e.state {
        ExchangeState::Pending => "pending",
        ExchangeState::Confirmed => "confirmed",
        ExchangeState::Withdrawn => "withdrawn",
    };
    format!(
        "{}  {} gave {} {} ({:?}) on {}{} [{state}]  id {}",
        super::instant(e.recorded_at),
        e.giver_name,
        e.receiver_name,
        hours(i64::from(e.minutes)).trim_start_matches('+'),
        e.category,
        e.on_date,
        if e.reverses.is_some() {
            ", reversing an earlier one"
        } else {
            ""
        },
        e.id
    )
}

impl Show for Overview {
    fn text(&self) -> String {
        let o = &self.0;
        let mut out = match &o.settings {
            Some(s) if s.on => format!(
                "Timebank on (balances from {} to {}).\n",
                hours(s.lower_limit_minutes),
                hours(s.upper_limit_minutes)
            ),
            _ => "Timebank off.\n".to_owned(),
        };
        out.push_str(&format!(
            "  My balance: {}{}\n",
            hours(o.my_balance.minutes),
            if o.my_balance.beyond_limits {
                " (beyond the group's limits)"
            } else {
                ""
            }
        ));
        if let Some(t) = o.settings.as_ref().and_then(|s| s.totals.as_ref()) {
            out.push_str(&format!(
                "  The group: {} given in {} by {} (as of {})\n",
                hours(t.minutes as i64).trim_start_matches('+'),
                count(t.exchanges, "exchange"),
                count(t.members, "member"),
                super::instant(t.as_of)
            ));
        }
        for (title, posts) in [("Offers", &o.offers), ("Requests", &o.requests)] {
            if !posts.is_empty() {
                out.push_str(&format!("  {title}:\n"));
                out.push_str(&lines(posts, post));
            }
        }
        for (title, list) in [
            ("For you to confirm", &o.to_confirm),
            ("Waiting for others to confirm", &o.awaiting_others),
        ] {
            if !list.is_empty() {
                out.push_str(&format!("  {title}:\n"));
                out.push_str(&lines(list, |e| format!("    - {}", exchange(e))));
            }
        }
        out
    }
}

impl Show for Page {
    fn text(&self) -> String {
        let mut out = lines(&self.0.exchanges, exchange);
        if let Some(next) = &self.0.next {
            out.push_str(&format!("(older: --before {next})\n"));
        }
        out
    }
}

impl Show for Balances {
    fn text(&self) -> String {
        lines(&self.0, |b| {
            format!(
                "{}  {}{}",
                b.display_name,
                hours(b.minutes),
                if b.beyond_limits {
                    " (beyond the limits)"
                } else {
                    ""
                }
            )
        })
    }
}
