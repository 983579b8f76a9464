"""Pure calculations of the addon: no ORM, importable and testable without a database."""
