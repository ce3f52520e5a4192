-- expect: safe
-- family: data
-- source: https://docs.gitlab.com/ee/development/migration_style_guide.html (data migrations: small reference data)
INSERT INTO plans (code, name) VALUES ('free', 'Free'), ('pro', 'Pro');
