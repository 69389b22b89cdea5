"""Pure business rules: standard library only, no I/O, no clock ("today" is always `as_of`)."""
