"""The run modes: plan, dry-run, execute. Orchestration only; each reads top to bottom."""
