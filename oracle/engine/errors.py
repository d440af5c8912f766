"""One exception type for everything a user can fix: its message is the one sentence we show."""


class OracleError(Exception):
    """A problem the user can act on. `str(err)` names the file or value and what to do."""


class ModelNotFound(OracleError):
    pass


class CorruptModel(OracleError):
    pass


class NameTaken(OracleError):
    pass


class ModelBusy(OracleError):
    pass
