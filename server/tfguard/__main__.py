from tfguard.cli import main

raise SystemExit(main())
