"""Domain errors of the Evidence phase; the edge maps them to HTTP."""


class EvidenceError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class FileRefused(EvidenceError):
    """The file is not accepted (type, content, the scanner): 400."""


class FileTooLarge(EvidenceError):
    status = 413


class NotAwaitingEvidence(EvidenceError):
    status = 409


class UnknownSample(EvidenceError):
    status = 404
