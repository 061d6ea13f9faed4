"""The Evidence phase: the data provider's evidence for each sampled record,
the tester's review of it, and the test results it settles (issue 14)."""
