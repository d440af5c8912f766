"""One exception type for everything a user can fix: its message is the one sentence we show.

The engine says what is wrong and, where there is one, names the remedy by a key (`remedy=`) with
the facts it needs; it never names a command-line flag. `str(err)` words the remedy plainly (the
app's words); the command line words the same key with its flags (`oracle/cli/remedies.py`).
"""

from __future__ import annotations

# The remedies in plain words, for any face that has no words of its own for one.
PLAIN_REMEDIES = {
    "encoding": "read it with the {encoding} encoding",
    "binary": "give a plain text file, or name its text encoding if it is text in another one",
    "other_encoding": "name the file's own text encoding (e.g. latin-1)",
    "shorter_sequences": "give more text or a shorter sequence length",
    "list_models": "the list of models shows the ones there are",
    "copy_shipped": "copy it first under a new name",
    "replace_model": "pick another name, or choose to replace it",
    "replace_file": "choose another file, or choose to overwrite it",
    "import_name": "import it under another name, or choose to replace it",
    "import_renamed": "import it under another name",
    "train_name": "pick another name, replace it, or resume it to continue its training",
    "device": "train on the cpu or let the device be chosen automatically",
    "lower_lr": "train again with a lower learning rate (now {lr})",
}


class OracleError(Exception):
    """A problem the user can act on. `str(err)` names the file or value and what to do."""

    def __init__(self, message: str = "", remedy: str | None = None, **facts) -> None:
        super().__init__(message)
        self.problem, self.remedy, self.facts = message, remedy, facts

    def worded(self, remedies: dict[str, str]) -> str:
        """The sentence with its remedy in the words of `remedies` (falling back to plain words)."""
        if not self.remedy:
            return self.problem
        words = remedies.get(self.remedy, PLAIN_REMEDIES[self.remedy]).format(**self.facts)
        return f"{self.problem.rstrip('.')}: {words}."

    def __str__(self) -> str:
        return self.worded(PLAIN_REMEDIES)


class ModelNotFound(OracleError):
    pass


class CorruptModel(OracleError):
    pass


class NameTaken(OracleError):
    @property
    def taken(self) -> str:
        """The model name that is taken, where the raiser named it ("" where it did not: a file, say)."""
        name = self.facts.get("name")
        return name if isinstance(name, str) else ""


class ModelBusy(OracleError):
    pass


def write_remedy(err: OSError) -> str:
    """What to do about a failed write, from its cause: "File name too long" is not fixed by freeing space."""
    import errno

    if err.errno == errno.ENAMETOOLONG:
        return "use a shorter file name or a folder nearer the root"
    if err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "free some space"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "make the folder writable or choose another"
    return "free some space or make the folder writable"
