-- v3: personal health budgets. Money is integer minor units (pence); spends
-- are never edited, a mistake is reversed by a second row pointing at it.
CREATE TABLE budgets (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
) STRICT;

CREATE TABLE budget_adjustments (
    id           TEXT PRIMARY KEY,
    budget_id    TEXT NOT NULL REFERENCES budgets (id),
    date         TEXT NOT NULL,
    amount_pence INTEGER NOT NULL,
    doc          TEXT NOT NULL
) STRICT;
CREATE INDEX budget_adjustments_by_budget ON budget_adjustments (budget_id, date);

CREATE TABLE budget_lines (
    id        TEXT PRIMARY KEY,
    budget_id TEXT NOT NULL REFERENCES budgets (id),
    doc       TEXT NOT NULL
) STRICT;
CREATE INDEX budget_lines_by_budget ON budget_lines (budget_id);

CREATE TABLE budget_spends (
    id           TEXT PRIMARY KEY,
    budget_id    TEXT NOT NULL REFERENCES budgets (id),
    line_id      TEXT NOT NULL REFERENCES budget_lines (id),
    date         TEXT NOT NULL,
    amount_pence INTEGER NOT NULL,
    has_receipt  INTEGER NOT NULL,
    reverses     TEXT REFERENCES budget_spends (id),
    doc          TEXT NOT NULL
) STRICT;
-- Covering indexes: totals and line checks over years of spends never read
-- (or decrypt) the records themselves.
CREATE INDEX budget_spends_totals ON budget_spends (budget_id, date, line_id, amount_pence, has_receipt, id);
CREATE INDEX budget_spends_by_line ON budget_spends (line_id, amount_pence);
-- A spend is reversed at most once.
CREATE UNIQUE INDEX budget_spends_one_reversal ON budget_spends (reverses) WHERE reverses IS NOT NULL;

-- What a personal health budget may not buy. Data, not code: a deploying
-- organisation adds rows (through `Budgets::add_exclusion`) without a release.
CREATE TABLE budget_exclusions (
    category TEXT PRIMARY KEY,
    rule     TEXT NOT NULL
) STRICT;
INSERT INTO budget_exclusions (category, rule) VALUES
    ('alcohol', 'a personal health budget cannot buy alcohol'),
    ('tobacco', 'a personal health budget cannot buy tobacco'),
    ('gambling', 'a personal health budget cannot be used for gambling'),
    ('debt_repayment', 'a personal health budget cannot repay debts'),
    ('emergency_care', 'emergency care is provided by the NHS, not the budget'),
    ('gp_services', 'GP services are provided by the NHS, not the budget'),
    ('illegal', 'a personal health budget cannot buy anything illegal');
