-- v10: what a spend is for comes from a controlled list (data: a deploying
-- organisation adds its own with `Budgets::add_spend_category`), and the
-- exclusions are screened in the spend's free text (payee, note, line)
-- through terms and their synonyms, matched as whole words, singular and
-- lower case (`budget/eligibility.rs`); `add_exclusion_term` adds more.
CREATE TABLE budget_spend_categories (
    key   TEXT PRIMARY KEY,
    label TEXT NOT NULL
) STRICT;
INSERT INTO budget_spend_categories (key, label) VALUES
    ('personal_assistant', 'A personal assistant or carer'),
    ('care_agency', 'Care from an agency'),
    ('therapy', 'Therapies and treatments'),
    ('classes', 'Classes and courses'),
    ('gym', 'Gym, swimming and exercise'),
    ('equipment', 'Equipment and aids'),
    ('transport', 'Travel and transport'),
    ('short_break', 'Short breaks and respite'),
    ('household', 'Help at home'),
    ('technology', 'Technology and apps'),
    ('support', 'Support, advice and groups'),
    ('other', 'Something else (say what in the note)');

-- Every term is stored as `eligibility::normalise_term` makes it.
CREATE TABLE budget_exclusion_terms (
    category TEXT NOT NULL REFERENCES budget_exclusions (category),
    term     TEXT NOT NULL,
    PRIMARY KEY (term, category)
) STRICT, WITHOUT ROWID;
INSERT INTO budget_exclusion_terms (category, term) VALUES
    ('alcohol', 'alcohol'), ('tobacco', 'tobacco'), ('gambling', 'gambling'),
    ('debt_repayment', 'debt repayment'), ('emergency_care', 'emergency care'),
    ('gp_services', 'gp service'), ('illegal', 'illegal'),
    ('alcohol', 'alcoholic'), ('alcohol', 'booze'), ('alcohol', 'wine'),
    ('alcohol', 'beer'), ('alcohol', 'lager'), ('alcohol', 'ale'),
    ('alcohol', 'cider'), ('alcohol', 'spirit'), ('alcohol', 'vodka'),
    ('alcohol', 'whisky'), ('alcohol', 'whiskey'), ('alcohol', 'gin'),
    ('alcohol', 'rum'), ('alcohol', 'brandy'), ('alcohol', 'tequila'),
    ('alcohol', 'liqueur'), ('alcohol', 'liquor'), ('alcohol', 'prosecco'),
    ('alcohol', 'champagne'), ('alcohol', 'sherry'), ('alcohol', 'alcopop'),
    ('alcohol', 'off licence'), ('alcohol', 'off license'),
    ('tobacco', 'cigarette'), ('tobacco', 'cigar'), ('tobacco', 'cigarillo'),
    ('tobacco', 'vape'), ('tobacco', 'vaping'), ('tobacco', 'ecig'),
    ('tobacco', 'e liquid'), ('tobacco', 'rolling paper'), ('tobacco', 'shisha'),
    ('tobacco', 'hookah'), ('tobacco', 'snus'),
    ('gambling', 'gamble'), ('gambling', 'betting'), ('gambling', 'bet'),
    ('gambling', 'bookmaker'), ('gambling', 'bookie'), ('gambling', 'lottery'),
    ('gambling', 'lotto'), ('gambling', 'casino'), ('gambling', 'poker'),
    ('gambling', 'slot machine'), ('gambling', 'scratchcard'),
    ('gambling', 'scratch card'), ('gambling', 'bingo'), ('gambling', 'bet365'),
    ('gambling', 'ladbroke'), ('gambling', 'william hill'),
    ('gambling', 'paddy power'), ('gambling', 'betfred'),
    ('debt_repayment', 'debt'), ('debt_repayment', 'arrear'),
    ('debt_repayment', 'overdraft'), ('debt_repayment', 'payday loan'),
    ('debt_repayment', 'loan repayment'), ('debt_repayment', 'credit card bill'),
    ('emergency_care', 'accident and emergency'),
    ('emergency_care', 'emergency department'),
    ('gp_services', 'gp'), ('gp_services', 'general practitioner'),
    ('illegal', 'illicit');
