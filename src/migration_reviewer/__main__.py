from migration_reviewer.cli import main

raise SystemExit(main())
