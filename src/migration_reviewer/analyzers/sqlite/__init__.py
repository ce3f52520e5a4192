"""SQLite and Cloudflare D1 rules: table rebuilds and what they lose, PRAGMAs that do nothing inside a
transaction, ALTER forms SQLite refuses, and foreign keys left broken."""
