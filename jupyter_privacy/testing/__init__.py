"""Support for the kit's own tests and benchmarks (real servers, never mocks)."""
