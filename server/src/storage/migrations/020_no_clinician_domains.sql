-- v20: clinicians are no longer vouched for by their email's domain: the
-- relay never proves that a person holds the address they sign up with, so
-- anyone could sign up at an allowed domain and be taken as verified (the
-- twenty-second attacker run). The operator verifies clinicians one by one
-- (accounts.verified_ms). Written in SQL for both backends.
DROP TABLE verified_domains;
