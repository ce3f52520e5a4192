"""MySQL and MariaDB rules: how the server runs each ALTER (the replay asks it), metadata locks, and the
values MySQL writes without a word."""
