-- v24: an operator may lock an account (`pph-server admin lock`): while
-- locked_ms is set, its password and recovery code open no session.
-- Written in SQL for both backends.
ALTER TABLE accounts ADD COLUMN locked_ms BIGINT;
