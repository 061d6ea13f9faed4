"""The domain errors of sample selection. The edge (API, forms) turns them
into a 400 with the message; nothing in this app knows about HTTP."""


class SamplingError(Exception):
    """Input that cannot be used: the message says what and, where it
    applies, where."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PopulationError(SamplingError):
    """A population file that cannot be read. `row` is the row of the file it
    concerns (the header is row 1), or None for the file as a whole."""

    def __init__(self, message: str, row: int | None = None):
        self.row = row
        super().__init__(f"Row {row}: {message}" if row is not None else message)


class DrawError(SamplingError):
    """A draw that cannot be made as asked (size, seed, attribute, keys)."""


class PopulationTooLarge(PopulationError):
    """A population file over POPULATION_MAX_BYTES (the API answers 413)."""
