"""Pure rules: no I/O, the clock is a parameter."""
