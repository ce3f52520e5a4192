-- expect: safe
-- family: rewrites
-- source: https://docs.rs/crate/safe-migrate/0.4.0 (release notes: now() is STABLE, a false positive rewrite warning fixed)
SET lock_timeout = '2s';
ALTER TABLE invoices ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
