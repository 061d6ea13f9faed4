"""Sample Selection: the report's population and the sampling draws.

population_files reads an uploaded CSV or XLSX row by row; population_ingest
stores it and its records; draws selects the sample, reproducibly."""
